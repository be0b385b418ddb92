"""A real headless Chromium driven by selenium through Debian's chromedriver; screenshots go to artifacts/browser/.

CI installs `chromium chromium-driver` (Debian); elsewhere the tests skip when they are missing.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.processes import ROOT

ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
)


def chrome(profile: Path, trusted_ca: bytes | None = None) -> webdriver.Chrome:
    """A fresh Chromium with its own profile directory; its console is readable through get_log("browser").
    ``trusted_ca`` (a PEM certificate): servers whose chain holds that CA's key are trusted, and no other."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium and chromium-driver")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    trust = (f"--ignore-certificate-errors-spki-list={_spki_hash(trusted_ca)}",) if trusted_ca else ()
    for flag in (*FLAGS, f"--user-data-dir={profile}", *trust):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=ChromeService(CHROMEDRIVER))


def _spki_hash(pem: bytes) -> str:
    """Chromium's pin of a key: base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo. Chromium on
    Linux trusts a CA only through an NSS database (certutil, not installed here); this pin, honoured only with
    --user-data-dir, trusts this one key."""
    spki = x509.load_pem_x509_certificate(pem).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def console_errors(driver: webdriver.Chrome) -> list[str]:
    """Console entries at level SEVERE (errors, failed loads, CSP violations) since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def wait_until(driver: webdriver.Chrome, seconds: float, check: Callable[[webdriver.Chrome], Any]) -> Any:
    """Polls ``check`` every 50 ms until it returns something truthy; TimeoutException after ``seconds``."""
    return WebDriverWait(driver, seconds, poll_frequency=0.05).until(check)
