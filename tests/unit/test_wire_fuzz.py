"""Property: whatever the bytes, parse_request returns a Request or raises an ApiError subclass."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from provider.aws import OPERATIONS, Request, parse_request
from provider.aws.model import OPS
from provider.errors import ApiError

MEMBER_NAMES = sorted({wire for op in OPS.values() for wire in op.input.members} | {"Priority", "Enabled", "Weight"})
SEGMENTS = st.sampled_from([*MEMBER_NAMES, "member", "entry", "key", "value", "1", "2", "0", "-1", "", "1" * 25])
VALUES = st.one_of(
    st.sampled_from(["", "1", "0", "-3", "50001", "true", "FALSE", "abc", "1.5", "forward", "%ZZ", "9" * 40]),
    st.text(max_size=20),
)


def _parse(body: bytes, query: bytes = b"") -> None:
    try:
        result = parse_request(body, query)
    except ApiError:
        return
    assert isinstance(result, Request)


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=300), st.binary(max_size=60))
def test_arbitrary_bytes(body: bytes, query: bytes) -> None:
    _parse(body, query)


@settings(max_examples=500, deadline=None, database=None)
@given(
    st.sampled_from(sorted(OPERATIONS)),
    st.lists(st.tuples(st.lists(SEGMENTS, min_size=1, max_size=9), VALUES), max_size=12),
    st.booleans(),
)
def test_arbitrary_fields_from_real_member_names(action: str, pairs: list[tuple[list[str], str]], raw: bool) -> None:
    fields = [f"Action={action}", "Version=2015-12-01"]
    for segments, value in pairs:
        key = ".".join(segments)
        # raw=True sends values unescaped, so '&', '=' and '%' reach the form decoder as they are.
        fields.append(f"{key}={value if raw else quote(value, safe='')}")
    _parse("&".join(fields).encode("utf-8", "surrogatepass"))
