"""The Prometheus endpoint on a port of its own, apart from the public DRS app.

The public app (`create_app`) never serves `/metrics`: an Ingress or load balancer in front of
the service port cannot publish it. `create_metrics_app(metrics)` is a tiny aiohttp app that
answers `GET /metrics` from a `Metrics` registry; `metrics_site(sock)` is a cleanup context
that serves it on a listening socket for as long as the public app runs. `python -m adapter`
appends that context to the public app; tests serve `create_metrics_app(app[METRICS])` on a
loopback port of their own, so the public app still starts in-process with no second port.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from adapter.keys import METRICS
from adapter.metrics import Metrics

METRICS_PATH = "/metrics"
_METRICS = web.AppKey("metrics", Metrics)


async def _exposition(request: web.Request) -> web.Response:
    """Prometheus text exposition of the registry."""
    metrics = request.app[_METRICS]
    return web.Response(body=metrics.render(), headers={"Content-Type": metrics.content_type})


def create_metrics_app(metrics: Metrics) -> web.Application:
    """An app with the one route `GET /metrics`, reading `metrics` when scraped."""
    app = web.Application()
    app[_METRICS] = metrics
    app.router.add_get(METRICS_PATH, _exposition)
    return app


def metrics_site(
    sock: socket.socket,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context for the public app: serve its metrics on `sock` while it runs."""

    async def serve(app: web.Application) -> AsyncIterator[None]:
        runner = web.AppRunner(create_metrics_app(app[METRICS]), access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        yield
        await runner.cleanup()

    return serve
