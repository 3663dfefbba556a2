"""Prometheus instruments: one registry per app, so two apps in one process never collide."""

from __future__ import annotations

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
        self.in_flight = Gauge("drs_requests_in_flight", "DRS requests being served", registry=r)
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
        self.cache = Counter("cache_operations", "Cache look-ups by result", ["result"], registry=r)
        # Labelled children, looked up once per label set: `labels()` costs more than `inc()`.
        self._request_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._upstream_counts: dict[tuple[str, str], Counter] = {}
        self._upstream_timers: dict[tuple[str, str], Histogram] = {}
        self.cache_hit = self.cache.labels("hit")
        self.cache_miss = self.cache.labels("miss")
        self.cache_error = self.cache.labels("error")

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered DRS request and its duration."""
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            labels = (method, route, str(status))
            children = (self.requests.labels(*labels), self.request_seconds.labels(*labels))
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def observe_upstream(self, endpoint: str, status: str, seconds: float | None = None) -> None:
        """Count one Synapse call by endpoint template and status; time it when it answered."""
        key = (endpoint, status)
        counter = self._upstream_counts.get(key)
        if counter is None:
            counter = self._upstream_counts[key] = self.upstream.labels(endpoint, status)
        counter.inc()
        if seconds is not None:
            timer = self._upstream_timers.get(key)
            if timer is None:
                timer = self._upstream_timers[key] = self.upstream_seconds.labels(*key)
            timer.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
