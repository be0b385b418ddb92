"""Dependencies point one way: no cycle among provider/'s packages; the domain knows nothing of the store, the
checker, the data plane or the wire; the pure modules import no store; only provider/store/ talks to DuckDB, and
of the rest it imports only the ELBv2 model it keeps. Read from each module's AST, imports under TYPE_CHECKING
included."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PROVIDER = ROOT / "provider"
ENTRY = ("provider.app", "provider.cli", "provider.runtime", "provider.__main__")

# (modules, by glob under provider/) -> imports they must not make (a name and everything under it)
RULES = [
    pytest.param("elbv2/*.py", ("provider.store", "provider.targets", "provider.traefik", "provider.aws", *ENTRY),
                 id="domain"),
    pytest.param("compiler/*.py", ("provider.store", "provider.targets", "provider.configserver",
                                   "provider.traefik.supervisor", "provider.traefik.process", "duckdb", *ENTRY),
                 id="compiler-pure"),
    pytest.param("targets/health.py", ("provider.store", "provider.traefik", "duckdb", *ENTRY), id="health-machine"),
    pytest.param("traefik/*.py", ("provider.telemetry", "provider.accesslogs", "provider.cloudwatch",
                                  "provider.compiler", "provider.configserver", "provider.store", "provider.elbv2"),
                 id="traefik-runs-traefik-only"),
    pytest.param("telemetry/counting.py", ("provider.store", "duckdb", "provider.aws", *ENTRY), id="counting-pure"),
    pytest.param("telemetry/*.py", ("provider.cloudwatch", "provider.ui", "provider.rollout", "provider.aws", *ENTRY),
                 id="telemetry-below-its-readers"),
    pytest.param("rollout/*.py", ("provider.rollout.client", "boto3", "botocore", "provider.app", "provider.cli"),
                 id="rollout-server-side"),
    pytest.param("rollout/client/*.py", ("provider.store", "provider.ui", "starlette", "duckdb", *ENTRY),
                 id="rollout-client"),
]


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def forbidden(path: Path, banned: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imports(path) for b in banned if name == b or name.startswith(b + "."))


@pytest.mark.parametrize(("pattern", "banned"), RULES)
def test_modules_import_only_downward(pattern: str, banned: tuple[str, ...]) -> None:
    paths = sorted(PROVIDER.glob(pattern))
    assert paths, f"no module matches {pattern}"
    wrong = {str(p.relative_to(ROOT)): bad for p in paths if (bad := forbidden(p, banned))}
    assert wrong == {}


def test_the_store_imports_only_the_model_it_keeps() -> None:
    """Each service's SQL sits beside the service, on the store's cursors; the store knows none of them."""
    names = {name for p in PROVIDER.glob("store/*.py") for name in imports(p) if name.startswith("provider.")}
    assert {n for n in names if not n.startswith(("provider.store", "provider.elbv2.model"))} == set()


def package_graph() -> dict[str, set[str]]:
    """Each top-level package (or module) of provider/ -> the others it imports: {'store': {'elbv2'}, ...}."""
    graph: dict[str, set[str]] = {}
    for path in PROVIDER.rglob("*.py"):
        source = path.relative_to(PROVIDER).parts[0].removesuffix(".py")
        for name in imports(path):
            parts = name.split(".")
            if parts[0] == "provider" and len(parts) > 1 and parts[1] != source:
                graph.setdefault(source, set()).add(parts[1])
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle as a path, ['a', 'b', 'a'], or [] when there is none."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return []
        for nxt in sorted(graph.get(node, ())):
            if found := visit(nxt, [*path, node]):
                return found
        done.add(node)
        return []

    return next((found for node in sorted(graph) if (found := visit(node, []))), [])


def test_no_package_cycle() -> None:
    graph = package_graph()
    assert graph["store"] == {"elbv2"} and "store" in graph["ec2"]  # the graph is read, not empty
    assert cycle(graph) == []


@pytest.mark.parametrize(
    ("graph", "found"),
    [
        pytest.param({"a": {"b"}, "b": {"c"}}, [], id="chain"),
        pytest.param({"a": {"b", "c"}, "b": {"c"}}, [], id="diamond"),
        pytest.param({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"], id="loop"),
        pytest.param({"a": {"b"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"], id="loop-below"),
    ],
)
def test_cycle_finds_a_loop(graph: dict[str, set[str]], found: list[str]) -> None:
    assert cycle(graph) == found


def test_only_the_store_imports_duckdb() -> None:
    users = {str(p.relative_to(PROVIDER)) for p in PROVIDER.rglob("*.py") if forbidden(p, ("duckdb",))}
    assert users and all(u.startswith("store/") for u in users), users


# Runtime is the composition root's: every other module is handed the parts it uses, never the whole.
RUNTIME_IMPORTERS = {
    "app.py": "the composition root: builds the Runtime and hands each route and task only what it uses",
}


def test_only_the_composition_root_imports_the_runtime() -> None:
    users = {str(p.relative_to(PROVIDER)) for p in PROVIDER.rglob("*.py") if forbidden(p, ("provider.runtime",))}
    assert users == set(RUNTIME_IMPORTERS)


def test_serve_loads_no_boto3() -> None:
    """The rollout client is imported only to run a rollout; the server reads botocore's model files, no more."""
    heavy = ("boto3", "botocore.client", "provider.rollout.client.api")
    script = ("import sys, provider.cli as c; c.build_parser().parse_args(['serve']); import provider.app; "
              f"print(sorted(m for m in {heavy} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


def test_the_rules_catch_a_wrong_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from provider.targets.health import HealthMonitor\n"
    )
    wrong = ["provider.targets.health", "provider.targets.health.HealthMonitor"]
    assert forbidden(module, ("provider.targets",)) == wrong
