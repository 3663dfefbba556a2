"""The storage side of presigned URLs: Range, HEAD, expiry and tampering."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.conftest import EmulatorFactory
from tests.emulator.calls import Synapse, md5_of
from tests.emulator_handle import EmulatorHandle


async def _url(synapse: Synapse, case: str) -> tuple[str, bytes]:
    """A fresh presigned URL for alice, and the exact bytes behind it."""
    obj = synapse.emulator.obj(case)
    url = (await synapse.file_url("alice", obj["file_handle_id"], obj["entity_id"])).text
    data = (await synapse.download(url)).raw
    assert md5_of(data) == obj["md5"]
    return url, data


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=99990-", 99990, 99999),
        ("bytes=-5", 99995, 99999),
        ("bytes=99000-200000", 99000, 99999),  # an end past the object is clipped
        ("bytes=1234-1234", 1234, 1234),
    ],
)
async def test_a_single_range_answers_206_with_those_bytes(
    synapse: Synapse, header: str, start: int, end: int
) -> None:
    url, data = await _url(synapse, "private_file")
    answer = await synapse.download(url, headers={"Range": header})
    assert answer.status == 206
    assert answer.raw == data[start : end + 1]
    assert answer.headers["Content-Range"] == f"bytes {start}-{end}/{len(data)}"


async def test_a_range_past_the_end_is_416(synapse: Synapse) -> None:
    url, data = await _url(synapse, "private_file")
    answer = await synapse.download(url, headers={"Range": f"bytes={len(data)}-"})
    assert answer.status == 416
    assert answer.headers["Content-Range"] == f"bytes */{len(data)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-9", "bytes=9-1"])
async def test_several_or_malformed_ranges_get_the_whole_object(
    synapse: Synapse, header: str
) -> None:
    url, data = await _url(synapse, "private_file")
    answer = await synapse.download(url, headers={"Range": header})
    assert (answer.status, answer.raw) == (200, data)


async def test_head_gives_size_type_and_etag_without_a_body(synapse: Synapse) -> None:
    url, data = await _url(synapse, "preview_file")
    async with synapse.emulator.session.head(url) as response:
        assert response.status == 200
        assert response.headers["Content-Length"] == str(len(data))
        assert response.headers["Content-Type"] == "text/csv"
        assert response.headers["ETag"] == f'"{md5_of(data)}"'
        assert response.headers["Accept-Ranges"] == "bytes"
        assert await response.read() == b""


async def test_head_honours_range(synapse: Synapse) -> None:
    url, _ = await _url(synapse, "private_file")
    async with synapse.emulator.session.head(url, headers={"Range": "bytes=10-19"}) as response:
        assert response.status == 206
        assert response.headers["Content-Length"] == "10"


async def test_a_url_past_its_expiry_is_403(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(url_ttl_s=0.5)
    synapse = Synapse(emulator)
    url, _ = await _url(synapse, "public_file")
    await asyncio.sleep(0.6)
    answer = await synapse.download(url)
    assert answer.status == 403
    assert b"<Code>AccessDenied</Code><Message>Request has expired</Message>" in answer.raw


async def test_urls_live_30_seconds_by_default(synapse: Synapse) -> None:
    url, _ = await _url(synapse, "public_file")
    expires_ms = int(parse_qs(urlsplit(url).query)["expires"][0])
    assert 29_000 < expires_ms - time.time() * 1000 <= 30_000


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


async def test_a_tampered_signature_expiry_or_key_is_403(synapse: Synapse) -> None:
    url, _ = await _url(synapse, "private_file")
    signature = parse_qs(urlsplit(url).query)["signature"][0]
    expires = parse_qs(urlsplit(url).query)["expires"][0]
    other = synapse.emulator.obj("public_file")
    tampered = [
        _with_query(url, signature=("0" if signature[0] != "0" else "1") + signature[1:]),
        _with_query(url, expires=str(int(expires) + 60_000)),
        url.replace("/private.bin?", "/public.txt?").replace(
            f"/{synapse.emulator.obj('private_file')['file_handle_id']}/",
            f"/{other['file_handle_id']}/",
        ),
    ]
    for bad in tampered:
        answer = await synapse.download(bad)
        assert answer.status == 403, bad
        assert b"<Code>SignatureDoesNotMatch</Code>" in answer.raw


async def test_an_unsigned_blob_url_is_403(synapse: Synapse) -> None:
    url, _ = await _url(synapse, "public_file")
    answer = await synapse.download(url.split("?")[0])
    assert answer.status == 403
    assert b"<Code>AccessDenied</Code>" in answer.raw


async def test_the_external_route_serves_external_handles_only(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    """The unsigned route must not become a way around the signatures of S3 handles."""
    private_url, _ = await _url(synapse, "private_file")
    path = urlsplit(private_url).path.replace("/_blob/", "/_external/")
    answer = await synapse.download(emulator.url + path)
    assert answer.status == 404
    assert b"<Code>NoSuchKey</Code>" in answer.raw
