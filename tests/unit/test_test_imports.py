"""The tests share code only through tests/support/: no test module, conftest or helper imports another test
module or a conftest, and tests/support/ imports no test. Read from each file's AST, function-level imports
included; bench/ is held to the same rule."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = "tests.support"


def imports_of(path: Path) -> list[str]:
    """The modules under tests/ that ``path`` imports, as written (relative imports as ``.name``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "tests" or a.name.startswith("tests.")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append("." * node.level + (node.module or ""))
            elif node.module and (node.module == "tests" or node.module.startswith("tests.")):
                found += [node.module] if node.module != "tests" else [f"tests.{a.name}" for a in node.names]
    return found


def wrong_imports(path: Path) -> list[str]:
    return [m for m in imports_of(path) if not (m == SUPPORT or m.startswith(SUPPORT + "."))]


def test_tests_import_only_tests_support() -> None:
    files = [*ROOT.joinpath("tests").rglob("*.py"), *ROOT.joinpath("bench").rglob("*.py")]
    wrong = {str(p.relative_to(ROOT)): bad for p in sorted(files) if (bad := wrong_imports(p))}
    assert wrong == {}


def test_the_check_catches_each_kind(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import tests.e2e.harness\nfrom tests.api.conftest import AWS_ENV\nfrom tests import conftest\n"
        "from . import sibling\nfrom tests.support.waiting import wait_for\n"
        "def f():\n    from tests.api.test_rules import name\n"
    )
    assert sorted(wrong_imports(module)) == sorted(
        ["tests.e2e.harness", "tests.api.conftest", "tests.conftest", ".", "tests.api.test_rules"]
    )
