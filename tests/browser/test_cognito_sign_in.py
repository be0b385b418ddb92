"""authenticate-cognito's built-in development sign-in in a real headless Chromium (issue 19): the browser asks a real
Traefik's HTTPS listener for a page, follows the 302 to the sign-in page, types a username and attributes, signs in,
and lands on the target, which received ALB's three x-amzn-oidc-* headers with the attributes typed. The setup is
the end-to-end test's (tests/support/cognito.py); Chromium trusts the outside CA that issued the listener's
certificate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By

from tests.support.chrome import chrome, console_errors, screenshot, wait_until
from tests.support.cognito import World, cognito_world, oidc_data

pytestmark = pytest.mark.slow

PAGE_S = 20.0


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with cognito_world(tmp_path / "world") as made:
        yield made


@pytest.fixture
def trusting(world: World, tmp_path: Path) -> Iterator[webdriver.Chrome]:
    driver = chrome(tmp_path / "chromium-profile", trusted_ca=world.outside.pem)
    try:
        yield driver
    finally:
        driver.quit()


def shown(driver: webdriver.Chrome) -> dict[str, Any] | None:
    """What the target echoed, once the browser shows it (Chromium renders JSON as text in the body)."""
    try:
        seen: dict[str, Any] = json.loads(driver.find_element(By.TAG_NAME, "body").text)
    except (ValueError, WebDriverException):
        return None
    return seen


def test_a_browser_signs_in_and_the_target_gets_albs_headers(world: World, trusting: webdriver.Chrome) -> None:
    driver = trusting
    driver.get(f"{world.base}/shop/cart?x=1")
    wait_until(driver, PAGE_S, lambda d: d.find_elements(By.ID, "signin"))
    assert driver.current_url.startswith(f"{world.server.url}/cognito/us-east-1_Shop1/")
    driver.find_element(By.ID, "username").send_keys("alice")
    driver.find_element(By.ID, "email").send_keys("alice@example.test")
    driver.find_element(By.ID, "attributes").send_keys("custom:team=payments\ncustom:floor=3")
    screenshot(driver, "cognito-sign-in")
    driver.find_element(By.ID, "signin").click()

    seen = wait_until(driver, PAGE_S, shown)
    assert driver.current_url == f"{world.base}/shop/cart?x=1"
    assert seen["path"] == "/shop/cart?x=1"
    headers = seen["headers"]
    assert headers["x-amzn-oidc-accesstoken"] and headers["x-amzn-oidc-identity"]
    claims = oidc_data(headers["x-amzn-oidc-data"])
    assert claims["cognito:username"] == "alice" and claims["email"] == "alice@example.test"
    assert claims["custom:team"] == "payments" and claims["custom:floor"] == "3"
    assert claims["sub"] == headers["x-amzn-oidc-identity"]
    assert claims["iss"] == f"{world.server.url}/cognito/us-east-1_Shop1"
    assert [e for e in console_errors(driver) if "favicon.ico" not in e] == []  # the sign-in page has no icon

    driver.get(f"{world.base}/shop/other")  # the session cookie: no second sign-in
    again = wait_until(driver, PAGE_S, shown)
    assert again["path"] == "/shop/other"
    assert again["headers"]["x-amzn-oidc-identity"] == headers["x-amzn-oidc-identity"]
