"""XML text escaping that always yields well-formed XML 1.0.

>>> escape("a<b & c\\x00")
'a&lt;b &amp; c\\ufffd'
"""

from __future__ import annotations

import re

# Characters XML 1.0 cannot carry become U+FFFD; \r is kept as a character reference so parsers do not
# normalise it away.
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_REPLACEMENTS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


def _replace(match: re.Match[str]) -> str:
    return _REPLACEMENTS.get(match.group(), "\ufffd")


def escape(text: str) -> str:
    if _SPECIAL.search(text) is None:
        return text
    return _SPECIAL.sub(_replace, text)
