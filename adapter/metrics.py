"""Prometheus instruments: one registry per app, so two apps in one process never collide."""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """Everything the service counts: its own requests, Synapse calls, retries and the cache."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "drs_requests", "DRS requests answered", ["method", "route", "status"], registry=r
        )
        self.request_seconds = Histogram(
            "drs_request_duration_seconds",
            "Time to answer a DRS request",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        # Read when scraped: a plain count per request instead of two locked gauge updates.
        self.in_flight = 0
        Gauge("drs_requests_in_flight", "DRS requests being served", registry=r).set_function(
            lambda: self.in_flight
        )
        self.upstream = Counter(
            "synapse_requests", "Calls to Synapse", ["endpoint", "status"], registry=r
        )
        self.upstream_seconds = Histogram(
            "synapse_request_duration_seconds",
            "Time Synapse took to answer",
            ["endpoint", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.retries = Counter("synapse_retries", "Synapse calls retried", ["endpoint"], registry=r)
        self.throttled = Counter(
            "synapse_throttled", "Synapse answers of 429 (throttled)", ["endpoint"], registry=r
        )
        # The operator's metadata credential (adapter/synapse/budget.py): alert on failures.
        self.metadata_credential_failures = Counter(
            "synapse_metadata_credential_failures",
            "Synapse calls refusing the metadata credential (401: expired or revoked)",
            registry=r,
        )
        self.metadata_budget_refusals = Counter(
            "synapse_metadata_budget_refusals",
            "Metadata reads refused (429) by the credential's budget, by the limit reached",
            ["limit"],
            registry=r,
        )
        self.cache = Counter("cache_operations", "Cache look-ups by result", ["result"], registry=r)
        # Labelled children, looked up once per label set: `labels()` costs more than `inc()`.
        self._pairs: dict[tuple[object, tuple[str, ...]], tuple[Any, Any]] = {}
        self.cache_hit = self.cache.labels("hit")
        self.cache_miss = self.cache.labels("miss")
        self.cache_error = self.cache.labels("error")

    def _pair(
        self, count: Counter, duration: Histogram, labels: tuple[str, ...]
    ) -> tuple[Any, Any]:
        """A label set's counter and histogram children, looked up once each."""
        key = (count, labels)
        pair = self._pairs.get(key)
        if pair is None:
            pair = self._pairs[key] = (count.labels(*labels), duration.labels(*labels))
        return pair

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered DRS request and its duration."""
        count, duration = self._pair(
            self.requests, self.request_seconds, (method, route, str(status))
        )
        count.inc()
        duration.observe(seconds)

    def observe_upstream(self, endpoint: str, status: str, seconds: float | None = None) -> None:
        """Count one Synapse call by endpoint template and status; time it when it answered."""
        count, duration = self._pair(self.upstream, self.upstream_seconds, (endpoint, status))
        count.inc()
        if seconds is not None:
            duration.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
