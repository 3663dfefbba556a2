"""The storage-side knobs: corrupt bodies, slow bodies, cut bodies, and what storage saw."""

from __future__ import annotations

import time

import aiohttp
import pytest

from tests.emulator.calls import Synapse, md5_of


async def _url(synapse: Synapse, case: str = "private_file") -> tuple[str, int, str]:
    """A fresh presigned URL for alice, with the object's size and md5."""
    obj = synapse.emulator.obj(case)
    url = (await synapse.file_url("alice", obj["file_handle_id"], obj["entity_id"])).text
    return url, obj["size"], obj["md5"]


async def test_corrupt_rate_flips_one_byte_of_a_body(synapse: Synapse) -> None:
    url, size, md5 = await _url(synapse)
    clean = (await synapse.download(url)).raw
    await synapse.emulator.faults(corrupt_rate=1.0)
    bad = (await synapse.download(url)).raw
    assert len(bad) == size
    assert md5_of(bad) != md5
    assert sum(a != b for a, b in zip(clean, bad, strict=True)) == 1
    assert (await synapse.emulator.stats())["faulted"]["corrupt"] == 1


async def test_corrupt_rate_reaches_a_range_too(synapse: Synapse) -> None:
    url, _size, _md5 = await _url(synapse)
    clean = (await synapse.download(url, headers={"Range": "bytes=100-199"})).raw
    await synapse.emulator.faults(corrupt_rate=1.0)
    bad = await synapse.download(url, headers={"Range": "bytes=100-199"})
    assert bad.status == 206
    assert sum(a != b for a, b in zip(clean, bad.raw, strict=True)) == 1


async def test_blob_bytes_per_s_serves_the_same_bytes_slowly(synapse: Synapse) -> None:
    url, size, md5 = await _url(synapse)
    await synapse.emulator.faults(blob_bytes_per_s=200_000)
    started = time.monotonic()
    answer = await synapse.download(url)
    elapsed = time.monotonic() - started
    assert (answer.status, md5_of(answer.raw)) == (200, md5)
    assert elapsed >= 0.8 * size / 200_000
    assert answer.headers["Content-Length"] == str(size)


async def test_blob_cut_after_bytes_drops_the_connection_mid_body(synapse: Synapse) -> None:
    url, _size, _md5 = await _url(synapse)
    await synapse.emulator.faults(blob_cut_after_bytes=30_000)
    with pytest.raises(aiohttp.ClientPayloadError):
        await synapse.download(url)
    # A range that ends within the limit is served whole.
    answer = await synapse.download(url, headers={"Range": "bytes=90000-"})
    assert (answer.status, len(answer.raw)) == (206, 10_000)
    stats = await synapse.emulator.stats()
    assert stats["faulted"]["cut"] == 1
    assert stats["blob_bytes"] == 30_000 + 10_000


async def test_storage_records_ranges_and_authorization_headers(synapse: Synapse) -> None:
    url, size, _md5 = await _url(synapse)
    await synapse.download(url)
    await synapse.download(url, headers={"Range": "bytes=10-"})
    await synapse.download(url, headers={"Authorization": "Bearer not-for-storage"})
    stats = await synapse.emulator.stats()
    assert stats["blob_ranges"] == ["", "bytes=10-", ""]
    assert stats["blob_authorized"] == 1
    assert stats["blob_bytes"] == size + (size - 10) + size
