"""GET /metrics (on the metrics port): after a known sequence of requests, the counters hold
exactly what happened."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.drs_client import DRS, DrsFactory

OBJECT_ROUTE = f"{DRS}/objects/{{object_id}}"
BUNDLE = "POST /repo/v1/entity/{id}/version/{version}/bundle2"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_requests_upstream_calls_cache_and_retries(
    drs_factory: DrsFactory,
) -> None:
    drs = await drs_factory(retry_budget_s=0.3)
    case = drs.emulator.obj("private_file")
    for _ in range(3):
        assert (await drs.object(case["drs_id"], user="alice")).status == 200
    assert (await drs.object("syn1", user="alice")).status == 400
    assert (await drs.request("GET", "/nowhere", None)).status == 404
    await drs.emulator.faults(error_rate=1.0, error_status=429)
    throttled = await drs.object(drs.emulator.obj("public_file")["drs_id"], user="alice")
    assert throttled.status == 503

    assert (await drs.request("GET", "/metrics", None)).status == 404  # not on the public app
    status, content_type, text = await drs.scrape()
    assert status == 200
    assert content_type.startswith("text/plain")
    samples = _samples(text)

    def value(name: str, **labels: str) -> float:
        return _value(samples, name, **labels)

    ok = {"method": "GET", "route": OBJECT_ROUTE}
    assert value("drs_requests_total", **ok, status="200") == 3
    assert value("drs_requests_total", **ok, status="400") == 1
    assert value("drs_requests_total", **ok, status="503") == 1
    assert value("drs_requests_total", method="GET", route="unmatched", status="404") == 2
    assert value("drs_request_duration_seconds_count", **ok, status="200") == 3
    assert value("drs_request_duration_seconds_count", **ok, status="400") == 1
    assert value("drs_request_duration_seconds_count", **ok, status="503") == 1
    assert value("drs_requests_in_flight") == 0  # scraped apart from the public app
    assert value("drs_synapse_requests_total", endpoint=BUNDLE, status="200") == 1
    upstream_429 = value("drs_synapse_requests_total", endpoint=BUNDLE, status="429")
    assert upstream_429 >= 2  # first try and at least one retry, within 0.3 s
    assert value("drs_synapse_throttled_total", endpoint=BUNDLE) == upstream_429
    # Every attempt after the first is a retry. The last one may be cut by the request's own
    # budget before Synapse answers: it counts as a timeout, not a 429.
    cut = value("drs_synapse_requests_total", endpoint=BUNDLE, status="timeout")
    assert cut <= 1
    assert value("drs_synapse_retries_total", endpoint=BUNDLE) == upstream_429 + cut - 1
    assert value("drs_synapse_request_duration_seconds_count", endpoint=BUNDLE, status="200") == 1
    assert (
        value("drs_synapse_request_duration_seconds_count", endpoint=BUNDLE, status="429")
        == upstream_429
    )
    assert value("drs_cache_operations_total", result="miss") == 2
    assert value("drs_cache_operations_total", result="hit") == 2
    assert value("drs_cache_operations_total", result="error") == 0


async def test_service_info_and_probes_are_not_drs_errors(drs_factory: DrsFactory) -> None:
    drs = await drs_factory()
    assert (await drs.request("GET", "/healthz", None)).body == {"status": "ok"}
    assert (await drs.request("GET", "/readyz", None)).body == {"status": "ready"}
    info = await drs.request("GET", f"{DRS}/service-info", "/service-info")
    assert info.status == 200


async def test_readiness_can_require_synapse(drs_factory: DrsFactory) -> None:
    drs = await drs_factory(ready_checks_synapse=True, ready_timeout_s=0.3)
    assert (await drs.request("GET", "/readyz", None)).status == 200
    await drs.emulator.faults(maintenance=True)
    down = await drs.request("GET", "/readyz", None)
    assert down.status == 503
    assert down.body["msg"] == "Synapse is unreachable"
    await drs.emulator.faults(maintenance=False, stall_ms=2000)
    assert (await drs.request("GET", "/readyz", None)).status == 503
    plain = await drs_factory()  # by default readiness does not depend on Synapse
    assert (await plain.request("GET", "/readyz", None)).status == 200
