"""A real OpenID Connect provider that this project did not write: panva's oidc-provider (OpenID-certified) under
node, from tests/idp/ (package.json and its lockfile; ``npm ci`` runs once when node_modules is missing). Its
development sign-in pages take any login; ``Browser`` fills them in."""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
from collections.abc import Sequence
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from tests.support.processes import free_port, stop_process
from tests.support.waiting import wait_for

IDP_DIR = Path(__file__).resolve().parents[1] / "idp"


def ensure_installed() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the OIDC tests (.ci/run installs them)")
    if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, check=True, timeout=300,
                       stdout=subprocess.DEVNULL)


class Idp:
    """``clients``: oidc-provider client metadata (client_id, client_secret, redirect_uris); ``access_token_ttl``
    in seconds. ``issuer`` is ``http://127.0.0.1:<port>``; with ``pool`` (a user pool id) the server answers as a
    Cognito-compatible one at ``domain`` (``http://127.0.0.1:<port>``): Cognito's paths, issuer ``<domain>/<pool>``."""

    def __init__(self, clients: Sequence[dict[str, Any]], log: Path, access_token_ttl: int = 3600,
                 pool: str | None = None) -> None:
        ensure_installed()
        self.port = free_port()
        self.domain = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.domain}/{pool}" if pool else self.domain
        config = {"port": self.port, "clients": list(clients), "accessTokenTtl": access_token_ttl, "pool": pool}
        env = {**os.environ, "IDP_CONFIG": json.dumps(config)}
        self.process = subprocess.Popen(["node", "server.js"], cwd=IDP_DIR, env=env, stdout=log.open("ab"),
                                        stderr=subprocess.STDOUT)
        wait_for("the IdP", self._serving)

    def _serving(self) -> bool:
        try:
            return httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def endpoints(self) -> dict[str, str]:
        found = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5).json()
        return {"Issuer": found["issuer"], "AuthorizationEndpoint": found["authorization_endpoint"],
                "TokenEndpoint": found["token_endpoint"], "UserInfoEndpoint": found["userinfo_endpoint"]}

    def stop(self) -> None:
        stop_process(self.process)


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>(.*?)</form>', re.S)
_INPUT = re.compile(r'<input[^>]*name="([^"]+)"(?:[^>]*value="([^"]*)")?[^>]*>')


class Browser:
    """A browser's part of the flow: follows redirects with a cookie jar and submits the IdP's sign-in and consent
    forms (``login`` as the user name); stops at the first answer that is neither."""

    def __init__(self, cafile: str, login: str = "alice") -> None:
        self.client = httpx.Client(verify=ssl.create_default_context(cafile=cafile), timeout=10,
                                   follow_redirects=False)
        self.login = login
        self.visited: list[tuple[int, str]] = []

    def get(self, url: str, headers: dict[str, str] | None = None, hops: int = 20) -> httpx.Response:
        reply = self.client.get(url, headers=headers)
        for _ in range(hops):
            self.visited.append((reply.status_code, str(reply.url)))
            if reply.status_code in (301, 302, 303) and "location" in reply.headers:
                reply = self.client.get(urljoin(str(reply.url), reply.headers["location"]))
                continue
            form = _FORM.search(reply.text) if "text/html" in reply.headers.get("content-type", "") else None
            if reply.status_code == 200 and form and "/interaction/" in str(reply.url):
                fields = {name: unescape(value or "") for name, value in _INPUT.findall(form.group(2))}
                fields |= {"login": self.login, "password": "any"} if "login" in fields else {}
                reply = self.client.post(urljoin(str(reply.url), unescape(form.group(1))), data=fields)
                continue
            return reply
        raise AssertionError(f"more than {hops} hops: {self.visited[-5:]}")

    def close(self) -> None:
        self.client.close()
