"""The README's command blocks marked ``<!-- readme-test: NAME -->``, as the tests and benches run them verbatim."""

from __future__ import annotations

import re

from tests.support.processes import ROOT


def readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text()
    found = re.search(rf"<!-- readme-test: {name} -->\n```bash\n(.*?)```", text, re.S)
    assert found, f"README has no block marked readme-test: {name}"
    return found.group(1)
