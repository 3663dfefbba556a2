"""The metadata credential belongs to the operator (issue 13, items 9 and 10).

A credential Synapse rejects answers as if there were none; the credential's calls stay within
a budget under Synapse's limits, which no single caller can spend alone (adapter/synapse/budget.py).
Every test drives the service in front of the emulator over real sockets and counts the calls
the emulator saw.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from adapter.resolver import MSG_NO_DOWNLOAD
from adapter.synapse.budget import MSG_OVER_SHARE
from tests.conftest import EmulatorFactory
from tests.drs_client import Answer, Drs
from tests.emulator_handle import EmulatorHandle
from tests.log_scan import CapturingStream
from tests.redis_server import RedisServer
from tests.resilience.conftest import ServiceFactory

REJECTED = "metadata_credential_rejected"


def _generated(emulator: EmulatorHandle) -> list[str]:
    return [o["drs_id"] for o in emulator.manifest["objects"] if o["case"] == "generated_file"]


async def _metric(drs: Drs, name: str, **labels: str) -> float:
    _status, _content_type, text = await drs.scrape()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def _events(capture: CapturingStream, since: int, event: str) -> list[dict[str, Any]]:
    lines = (json.loads(line) for line in capture.lines[since:] if line.startswith("{"))
    return [line for line in lines if line.get("event") == event]


async def _timed(answer: asyncio.Future[Answer] | Any) -> tuple[Answer, float]:
    started = time.perf_counter()
    result: Answer = await answer
    return result, time.perf_counter() - started


async def test_a_rejected_credential_answers_as_if_there_were_none(
    emulator: EmulatorHandle,
    service_factory: ServiceFactory,
    logs_never_carry_a_token: CapturingStream,
) -> None:
    drs = await service_factory(
        emulator, synapse_metadata_token=emulator.token("service"), cache_ttl_s=0
    )
    public = emulator.obj("public_file")["drs_id"]
    readonly = emulator.obj("readable_not_downloadable")["drs_id"]
    private = emulator.obj("private_file")["drs_id"]
    assert (await drs.object(readonly, user="bob")).status == 200  # the credential works
    await emulator.revoke("service")
    since = len(logs_never_carry_a_token.lines)

    anonymous = await drs.object(public)
    read_only = await drs.object(readonly, user="bob")
    for answer in (anonymous, read_only):
        assert answer.status == 403
        assert answer.body["msg"] == MSG_NO_DOWNLOAD
        assert "WWW-Authenticate" not in answer.headers
    bulk = await drs.bulk_objects([public, readonly, private], user="bob")
    assert bulk.status == 200  # not failed whole: bob downloads the public file himself
    assert [o["id"] for o in bulk.body["resolved_drs_object"]] == [public]
    assert bulk.body["unresolved_drs_objects"] == [
        {"error_code": 403, "object_ids": [readonly, private]}
    ]

    stats = await emulator.stats()
    assert stats["by_status"]["401"] == 4  # the credential was tried for each of the four
    assert await _metric(drs, "drs_synapse_metadata_credential_failures_total") == 4
    errors = _events(logs_never_carry_a_token, since, REJECTED)
    assert len(errors) == 1  # at most once a minute
    assert errors[0]["level"] == "error"


async def test_an_anonymous_bulk_spends_its_share_and_never_meets_the_throttle(
    emulator_factory: EmulatorFactory, service_factory: ServiceFactory
) -> None:
    """1,000 public ids anonymously with the credential set: before the budget, 6,029 Synapse
    calls of which 5,429 throttled. Now: 1,000 anonymous reads, the caller's share (500 a
    minute x 0.25 = 125) of credential reads, no 429 from Synapse, the rest refused at once."""
    emulator = await emulator_factory(files=1000)
    drs = await service_factory(emulator, synapse_metadata_token=emulator.token("alice"))
    ids = _generated(emulator)
    answer, seconds = await _timed(drs.bulk_objects(ids))
    assert answer.status == 200
    assert answer.body["summary"] == {"requested": 1000, "resolved": 125, "unresolved": 875}
    assert answer.body["unresolved_drs_objects"][0]["error_code"] == 429
    stats = await emulator.stats()
    assert stats["throttled"] == 0
    assert stats["by_user"] == {"anonymous": 1000, "alice": 125}
    assert stats["max_served_concurrent_per_user"]["alice"] <= 3
    assert await _metric(drs, "drs_synapse_metadata_budget_refusals_total", limit="caller") == 875
    assert seconds < 10  # refusals are immediate, nothing waits for the retry budget


async def test_others_keep_resolving_while_an_anonymous_bulk_runs(
    emulator_factory: EmulatorFactory, service_factory: ServiceFactory
) -> None:
    """Before: all anonymous requests shared 3 slots per process and the credential's queue,
    so a second anonymous caller waited behind the bulk's 1,000 calls."""
    emulator = await emulator_factory(files=1002)
    drs = await service_factory(emulator, synapse_metadata_token=emulator.token("alice"))
    ids = _generated(emulator)
    await emulator.faults(latency_ms=15)  # 1,000 calls 3 at a time: the bulk takes seconds
    bulk = asyncio.ensure_future(drs.bulk_objects(ids[:1000]))
    await asyncio.sleep(0.5)
    anonymous, anonymous_s = await _timed(drs.object(ids[1000]))
    token, token_s = await _timed(drs.object(ids[1001], user="carol"))  # READ, no DOWNLOAD
    assert not bulk.done()
    for answer in (anonymous, token):
        assert answer.status == 200
        assert answer.body["size"] > 0  # through the credential
    assert anonymous_s < 1.5
    assert token_s < 1.5
    assert (await bulk).status == 200
    assert (await emulator.stats())["throttled"] == 0


async def test_a_caller_over_its_share_gets_429_and_others_still_resolve(
    emulator_factory: EmulatorFactory, service_factory: ServiceFactory
) -> None:
    emulator = await emulator_factory(files=12)
    # 8 a minute: 2 per caller, 4 for all anonymous requests together.
    drs = await service_factory(
        emulator, synapse_metadata_token=emulator.token("alice"), metadata_calls_per_minute=8
    )
    ids = _generated(emulator)
    assert [(await drs.object(i, user="carol")).status for i in ids[:2]] == [200, 200]
    over, seconds = await _timed(drs.object(ids[2], user="carol"))
    assert over.status == 429
    assert over.body["msg"] == MSG_OVER_SHARE
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert seconds < 0.5
    assert (await emulator.stats())["by_user"]["alice"] == 2  # the refusal never left
    # Another token caller, and anonymous requests (each its own caller), still resolve.
    assert (await drs.object(ids[3], user="dave")).status == 200
    assert [(await drs.object(i)).status for i in ids[4:8]] == [200, 200, 200, 200]
    # All anonymous requests together: half the budget (4), then refused.
    assert (await drs.object(ids[8])).status == 429
    # The whole budget: carol 2 + dave 2 + anonymous 4 = 8, then refused for everyone.
    assert (await drs.object(ids[9], user="dave")).status == 200
    total = await drs.object(ids[10], user="bob")
    assert total.status == 429
    assert "Retry-After" in total.headers
    stats = await emulator.stats()
    assert stats["by_user"]["alice"] == 8
    assert stats["throttled"] == 0
    for limit in ("caller", "anonymous", "total"):
        assert await _metric(drs, "drs_synapse_metadata_budget_refusals_total", limit=limit) == 1


async def test_replicas_share_the_budget_through_redis(
    emulator_factory: EmulatorFactory, service_factory: ServiceFactory, redis_server: RedisServer
) -> None:
    emulator = await emulator_factory(files=6)
    shared = {
        "synapse_metadata_token": emulator.token("alice"),
        "metadata_calls_per_minute": 8,
        "cache_url": redis_server.url,
        "cache_key_salt": "one-salt-for-every-replica",
        "cache_ttl_s": 0,
    }
    first = await service_factory(emulator, **shared)
    second = await service_factory(emulator, **shared)
    ids = _generated(emulator)
    assert (await first.object(ids[0], user="carol")).status == 200
    assert (await second.object(ids[1], user="carol")).status == 200
    # carol's share (2) is spent across the replicas: the second refuses her third read.
    assert (await second.object(ids[2], user="carol")).status == 429
    assert (await emulator.stats())["by_user"]["alice"] == 2
    # With Redis gone each replica counts on its own: reads go on, never a 5xx.
    redis_server.stop()
    assert (await first.object(ids[3], user="dave")).status == 200


async def test_synapse_throttling_the_credential_is_not_retried(
    emulator_factory: EmulatorFactory, service_factory: ServiceFactory
) -> None:
    """Synapse's own count can be ahead of ours (another user of the credential, replicas in
    flight): its 429 answers at once, and never brings a retry that spends the window again."""
    emulator = await emulator_factory(files=3, max_requests=2)  # Synapse: 2 a minute per user
    drs = await service_factory(emulator, synapse_metadata_token=emulator.token("alice"))
    ids = _generated(emulator)
    assert [(await drs.object(i)).status for i in ids[:2]] == [200, 200]
    throttled, seconds = await _timed(drs.object(ids[2]))
    assert throttled.status == 503
    assert "Retry-After" in throttled.headers
    assert seconds < 1
    stats = await emulator.stats()
    assert stats["throttled"] == 1
    assert stats["by_user"]["alice"] == 3
