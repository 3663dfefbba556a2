"""The read cache: memory by default, a shared real Redis when configured (issue 5)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import trustme

from tests.emulator_handle import EmulatorHandle
from tests.redis_server import RedisServer, RedisTls
from tests.resilience.conftest import ServiceFactory

BUNDLE = "POST /repo/v1/entity/{id}/version/{version}/bundle2"
SIGN = "POST /file/v1/fileHandle/batch"  # an entity access URL is signed by a batch call


async def _calls(emulator: EmulatorHandle, route: str) -> int:
    count: int = (await emulator.stats())["by_route"].get(route, 0)
    return count


async def test_repeated_reads_are_served_from_memory(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    drs = await service_factory(emulator)
    case = emulator.obj("private_file")
    first = await drs.object(case["drs_id"], user="alice")
    second = await drs.object(case["drs_id"], user="alice")
    assert first.body == second.body
    assert await _calls(emulator, BUNDLE) == 1
    raw = emulator.obj("raw_file_handle")
    for _ in range(3):
        assert (await drs.object(raw["drs_id"], user="alice")).status == 200
    assert await _calls(emulator, "GET /file/v1/fileHandle/{id}") == 1


async def test_not_found_is_cached_too(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    drs = await service_factory(emulator)
    for _ in range(3):
        answer = await drs.object("syn999999999.1", user="alice")
        assert answer.status == 404
        assert answer.body["msg"] == "Resource: 'syn999999999' does not exist"
    assert await _calls(emulator, BUNDLE) == 1


async def test_presigned_urls_are_never_cached(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    drs = await service_factory(emulator)
    case = emulator.obj("private_file")
    urls = {
        (await drs.access(case["drs_id"], case["access_id"], user="alice")).body["url"]
        for _ in range(2)
    }
    assert await _calls(emulator, SIGN) == 2
    assert len(urls) >= 1


async def test_a_callers_entry_is_never_served_to_another(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    drs = await service_factory(emulator)
    case = emulator.obj("private_file")
    assert (await drs.object(case["drs_id"], user="alice")).status == 200
    assert (await drs.object(case["drs_id"], user="bob")).status == 403
    assert (await drs.object(case["drs_id"])).status == 403
    assert await _calls(emulator, BUNDLE) == 3


async def test_cache_ttl_zero_means_every_read_goes_upstream(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    # 0 turns caching off: no waiting for an entry to expire (aiocache's memory backend
    # would keep a 0-second entry for ever).
    drs = await service_factory(emulator, cache_ttl_s=0, cache_not_found_ttl_s=0)
    case = emulator.obj("private_file")
    for _ in range(3):
        assert (await drs.object(case["drs_id"], user="alice")).status == 200
    assert await _calls(emulator, BUNDLE) == 3


async def test_cache_ttl_zero_with_redis_stores_nothing(
    emulator: EmulatorHandle, service_factory: ServiceFactory, redis_server: RedisServer
) -> None:
    import redis.asyncio as aioredis

    drs = await service_factory(emulator, cache_url=redis_server.url, cache_ttl_s=0)
    case = emulator.obj("private_file")
    for _ in range(2):
        assert (await drs.object(case["drs_id"], user="alice")).status == 200
    assert await _calls(emulator, BUNDLE) == 2
    client = aioredis.from_url(redis_server.url)
    try:
        assert [key for key in await client.keys("*") if b":bundle:" in key] == []
    finally:
        await client.aclose()
    status, _content_type, metrics = await drs.scrape()
    assert status == 200
    assert 'drs_cache_operations_total{result="error"} 0.0' in metrics


async def test_two_instances_share_one_redis(
    emulator: EmulatorHandle, service_factory: ServiceFactory, redis_server: RedisServer
) -> None:
    shared = {"cache_url": redis_server.url, "cache_key_salt": "salt-from-a-secret"}
    one = await service_factory(emulator, **shared)
    two = await service_factory(emulator, **shared)
    case = emulator.obj("private_file")
    written = await one.object(case["drs_id"], user="alice")
    read = await two.object(case["drs_id"], user="alice")
    assert written.status == read.status == 200
    assert {**written.body, "self_uri": ""} == {**read.body, "self_uri": ""}
    assert await _calls(emulator, BUNDLE) == 1
    # The private entry is not served to another token, nor to anonymous.
    assert (await two.object(case["drs_id"], user="bob")).status == 403
    assert (await two.object(case["drs_id"])).status == 403
    assert await _calls(emulator, BUNDLE) == 3


async def test_redis_holds_json_and_no_token(
    emulator: EmulatorHandle, service_factory: ServiceFactory, redis_server: RedisServer
) -> None:
    import redis.asyncio as aioredis

    drs = await service_factory(emulator, cache_url=redis_server.url)
    assert (await drs.object(emulator.obj("private_file")["drs_id"], user="alice")).status == 200
    client = aioredis.from_url(redis_server.url)
    try:
        keys = await client.keys("*")
        assert keys
        token = emulator.token("alice")
        assert token is not None
        for key in keys:
            value = await client.get(key)
            assert value is not None
            json.loads(value)  # JSON, never pickle
            assert token.encode() not in key
            assert token.encode() not in value
    finally:
        await client.aclose()


async def test_redis_killed_mid_test_keeps_serving_uncached(
    emulator: EmulatorHandle,
    service_factory: ServiceFactory,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    drs = await service_factory(emulator, cache_url=redis_server.url, cache_timeout_s=0.2)
    case = emulator.obj("private_file")
    assert (await drs.object(case["drs_id"], user="alice")).status == 200
    ready = await drs.request("GET", "/readyz", None)
    assert ready.status == 200
    redis_server.stop()
    for _ in range(3):
        answer = await drs.object(case["drs_id"], user="alice")
        assert answer.status == 200
        assert answer.body["checksums"][0]["checksum"] == case["md5"]
    assert await _calls(emulator, BUNDLE) == 4  # served uncached, one call each
    degraded = await drs.request("GET", "/readyz", None)
    assert degraded.status == 200  # still ready: reads go on, uncached
    assert degraded.body == {"status": "degraded", "cache": "down"}
    _status, _content_type, text = await drs.scrape()
    assert "drs_cache_up 0.0" in text
    # Redis comes back on the same address: the service uses it again.
    revived = RedisServer.start(tmp_path, port=redis_server.port)
    try:
        other = emulator.obj("public_file")
        for _ in range(3):
            assert (await drs.object(other["drs_id"], user="alice")).status == 200
        assert await _calls(emulator, BUNDLE) == 5
        assert (await drs.request("GET", "/readyz", None)).body == {"status": "ready"}
    finally:
        revived.stop()
    _status, _content_type, text = await drs.scrape()
    assert "drs_cache_up 1.0" in text
    assert 'drs_cache_operations_total{result="error"}' in text


def _gauge(text: str, name: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(f"{name} "))
    return float(line.split()[1])


async def test_the_memory_cache_is_bounded_and_empties_after_expiry(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    drs = await service_factory(
        emulator, cache_max_entries=50, cache_not_found_ttl_s=0.3, max_concurrent_per_user=3
    )
    for handle in range(200):  # distinct ids Synapse has never heard of: 404s, each cached
        assert (await drs.object(f"fh{900_000_000 + handle}", user="alice")).status == 404
    _status, _type, text = await drs.scrape()
    assert _gauge(text, "drs_cache_entries") == 50  # the least recently used went first
    assert (await drs.object("fh900000199", user="alice")).status == 404
    assert await _calls(emulator, "GET /file/v1/fileHandle/{id}") == 200  # the newest: cached
    await asyncio.sleep(0.4)
    assert (await drs.object(emulator.obj("public_file")["drs_id"], user="alice")).status == 200
    _status, _type, text = await drs.scrape()
    assert _gauge(text, "drs_cache_entries") == 1  # every 404 expired; only the new read stays


async def test_a_tls_redis_with_a_password_is_shared_as_a_plain_one_is(
    emulator: EmulatorHandle, service_factory: ServiceFactory, tmp_path: Path
) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    tls = RedisTls(tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem")
    cert.cert_chain_pems[0].write_to_path(str(tls.cert))
    cert.private_key_pem.write_to_path(str(tls.key))
    ca.cert_pem.write_to_path(str(tls.ca))
    server = RedisServer.start(tmp_path, tls=tls, password="s3cret-redis-pw")
    try:
        assert server.url.startswith("rediss://:s3cret-redis-pw@127.0.0.1:")
        settings = {"cache_url": server.url, "cache_ca_file": str(tls.ca), "cache_key_salt": "s"}
        first = await service_factory(emulator, **settings)
        second = await service_factory(emulator, **settings)
        case = emulator.obj("private_file")
        assert (await first.object(case["drs_id"], user="alice")).status == 200
        assert (await second.object(case["drs_id"], user="alice")).status == 200
        assert await _calls(emulator, BUNDLE) == 1  # the second replica read it from Redis
        assert (await first.request("GET", "/readyz", None)).body == {"status": "ready"}
        # A wrong password: the cache is down, reads go on uncached, readiness says so.
        wrong = server.url.replace("s3cret-redis-pw", "wrong")
        third = await service_factory(emulator, cache_url=wrong, cache_ca_file=str(tls.ca))
        assert (await third.object(case["drs_id"], user="alice")).status == 200
        assert await _calls(emulator, BUNDLE) == 2
        assert (await third.request("GET", "/readyz", None)).body["status"] == "degraded"
    finally:
        server.stop()
