"""Property tests through the real service: arbitrary ids never produce a 5xx (hypothesis)."""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter import DRS_BASE as DRS
from tests.drs_schema import validate_drs_response
from tests.live_stack import LiveStack

DOCUMENTED = {200, 400, 401, 403, 404}


def _check(status: int, raw: bytes, path: str, pattern: str) -> None:
    assert status in DOCUMENTED, (status, raw[:300])
    validate_drs_response("GET", path.split("?")[0], pattern, status, raw)
    body = json.loads(raw)
    if status != 200:
        assert body["status_code"] == status
        assert "Traceback" not in body["msg"]


ids = st.one_of(
    st.text(max_size=300),
    st.from_regex(r"(?i)(syn|fh)[0-9]{0,25}(\.[0-9]{0,25})?", fullmatch=True),
    st.text(alphabet=" \t\n%/._-synfhSYNFH0123456789\u00a0\u200b", max_size=40),
    st.just("syn1." + "1" * 10_000),
)
hypothesis_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@hypothesis_settings
@given(raw=ids, keep_slashes=st.booleans())
def test_any_object_id_gets_a_documented_answer(
    live_stack: LiveStack, raw: str, keep_slashes: bool
) -> None:
    path = f"{DRS}/objects/{quote(raw, safe='/' if keep_slashes else '')}"
    status, body = live_stack.get(path)
    if keep_slashes and "/" in raw:
        assert status in {400, 404, 200, 403}
        return
    _check(status, body, path, "/objects/{object_id}")


@hypothesis_settings
@given(raw=ids, expand=st.text(max_size=10))
def test_any_expand_value_gets_a_documented_answer(
    live_stack: LiveStack, raw: str, expand: str
) -> None:
    path = f"{DRS}/objects/{quote(raw, safe='')}?expand={quote(expand, safe='')}"
    status, body = live_stack.get(path)
    _check(status, body, path, "/objects/{object_id}")


@hypothesis_settings
@given(
    access=st.one_of(
        st.text(max_size=300),
        st.from_regex(r"FileEntity_(syn[0-9]{1,5}(\.[0-9]{1,3})?)?_[0-9a-z]{0,6}", fullmatch=True),
    )
)
def test_any_access_id_gets_a_documented_answer(live_stack: LiveStack, access: str) -> None:
    case = next(o for o in live_stack.manifest["objects"] if o["case"] == "public_file")
    path = f"{DRS}/objects/{case['drs_id']}/access/{quote(access, safe='')}"
    status, body = live_stack.get(path)
    _check(status, body, path, "/objects/{object_id}/access/{access_id}")


@hypothesis_settings
@given(header=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80))
def test_any_authorization_header_gets_a_documented_answer(
    live_stack: LiveStack, header: str
) -> None:
    case = next(o for o in live_stack.manifest["objects"] if o["case"] == "public_file")
    path = f"{DRS}/objects/{case['drs_id']}"
    status, body = live_stack.get(path, headers={"Authorization": header})
    _check(status, body, path, "/objects/{object_id}")
