"""Fixtures of the deploy tests: the chart rendered once per session, and the real app served."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from adapter.app import create_app
from adapter.settings import Settings
from tests.deploy.chart import Rendered, production_values, render


@pytest.fixture(scope="session")
def default_render() -> Rendered:
    """`helm template` with the chart's own values."""
    return render()


@pytest.fixture(scope="session")
def production_render() -> Rendered:
    """`helm template` with tests/deploy/values-production.yaml."""
    return render(production_values())


@pytest.fixture(params=["default", "production"])
def any_render(
    request: pytest.FixtureRequest, default_render: Rendered, production_render: Rendered
) -> Rendered:
    """Each of the two renders in turn."""
    return default_render if request.param == "default" else production_render


@pytest.fixture
async def adapter_server(aiohttp_server: AiohttpServer) -> TestServer:
    """The real service on a loopback port, with default settings (no Synapse call needed)."""
    server: TestServer = await aiohttp_server(create_app(Settings()))
    return server
