"""The ``alb`` Traefik plugin (Go source in provider/traefik/plugin/, interpreted by Traefik's yaegi): where it is,
how a Traefik loads it, and how its options are written.

Traefik loads local plugins from ``./plugins-local/src/<moduleName>/`` of its working directory, with no network;
so each Traefik we start runs in a directory where ``install`` put a copy of the source.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

DynamicConfig = dict[str, Any]

PLUGIN = "alb"
MODULE = "github.com/elbv2/alb"
SOURCE = Path(__file__).with_name("plugin")
FILES = ("alb.go", "jwt.go", "oidc.go", "tls.go", "mtls.go", "go.mod", ".traefik.yml")


def static() -> DynamicConfig:
    """The static-config part that loads the plugin."""
    return {"localPlugins": {PLUGIN: {"moduleName": MODULE}}}


def install(workdir: Path) -> Path:
    """Copy the source under ``workdir/plugins-local/src/<module>``; returns ``workdir`` (Traefik's cwd)."""
    target = workdir / "plugins-local" / "src" / MODULE
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(SOURCE / name, target / name)
    return workdir


def middleware(options: DynamicConfig) -> DynamicConfig:
    """``{"fixed": {...}}`` -> ``{"plugin": {"alb": {"fixed": {...}}}}``."""
    return {"plugin": {PLUGIN: options}}
