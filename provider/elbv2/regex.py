"""ALB's regexes (RegexValues conditions, transforms): RE2 syntax, checked here before anything is stored.

Python's ``re`` parses the syntax; what it accepts but RE2 (Go's regexp, which Traefik and the alb plugin run)
does not is refused by name, as ALB refuses it: lookaround, backreferences, atomic groups, possessive
quantifiers, ``\\Z`` and Unicode classes ``\\p``.

>>> problem("^/api/(v[0-9]+)/.*$") is None, problem("(?=x)a"), problem("a(")
(True, 'lookahead and lookbehind are not supported', 'missing ), unterminated subpattern')
"""

from __future__ import annotations

import re
import warnings

_UNSUPPORTED = (
    (re.compile(r"\(\?<?[=!]"), "lookahead and lookbehind are not supported"),
    (re.compile(r"\(\?>"), "atomic groups are not supported"),
    (re.compile(r"\(\?P=|\\[1-9]|\\g<"), "backreferences are not supported"),
    (re.compile(r"(?:[*+?}])\+"), "possessive quantifiers are not supported"),
    (re.compile(r"\\[pP]"), "Unicode classes (\\p) are not supported"),
    (re.compile(r"\\Z"), "\\Z is not supported (use \\z or $)"),
    (re.compile(r"\(\?\(|\(\?R|\(\?[0-9]"), "conditionals and recursion are not supported"),
)
_ESCAPED = re.compile(r"\\\\")


def problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a regex ALB accepts, or None."""
    plain = _ESCAPED.sub("", pattern)  # an escaped backslash cannot start a construct
    for construct, why in _UNSUPPORTED:
        if construct.search(plain):
            return why
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FutureWarning on nested sets: RE2 reads them fine
        try:
            re.compile(pattern.replace("\\z", "\\Z"))
        except re.error as e:
            return str(e.msg)
    return None


def go_replacement(replace: str) -> str:
    """ALB's ``$1`` -> Go's ``${1}`` (Go reads ``$1x`` as a group named ``1x``): ``id=$1x`` -> ``id=${1}x``."""
    return re.sub(r"\$([0-9]+)", r"${\1}", replace)
