"""Read what the matchers emit with Python's re: Go string literals and the RE2 subset the matchers use."""

from __future__ import annotations

import codecs
import re


def go_unquote(literal: str) -> str:
    assert re.fullmatch(r'"(?:[^"\\]|\\.)*"', literal), literal
    return codecs.decode(literal[1:-1], "unicode_escape")


def re2_fullmatch(pattern: str, text: str) -> bool:
    """Evaluate the RE2 subset the matchers emit with Python's re: flags, ^...$, \\x{hex}."""
    m = re.fullmatch(r"\(\?([a-z]+)\)\^(.*)\$", pattern, re.S)
    assert m, pattern
    body = re.sub(r"\\x\{([0-9a-f]+)\}", lambda g: re.escape(chr(int(g.group(1), 16))), m.group(2))
    flags = (re.I if "i" in m.group(1) else 0) | (re.S if "s" in m.group(1) else 0)
    return re.fullmatch(body, text, flags) is not None
