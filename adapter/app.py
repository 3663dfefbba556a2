"""create_app(settings): the one factory that builds the service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version

import aiohttp
from aiohttp import web

from adapter.keys import RESOLVER, SERVICE_INFO, SETTINGS
from adapter.middleware import access_log_middleware, error_middleware
from adapter.models import (
    DrsServiceFlavour,
    Organization,
    ServiceInfo,
    ServiceType,
)
from adapter.resolver import Resolver
from adapter.routes import add_routes
from adapter.settings import Settings
from adapter.synapse.client import SynapseClient

DRS_VERSION = "1.5.0"


def package_version() -> str:
    try:
        return version("synapse-drs-adapter")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def build_service_info(settings: Settings) -> ServiceInfo:
    """GA4GH service-info, DRS flavour (behaviour.md §8); static for the process's life."""
    return ServiceInfo(
        id=settings.service_id,
        name=settings.service_name,
        type=ServiceType(group="org.ga4gh", artifact="drs", version=DRS_VERSION),
        description=settings.service_description,
        organization=Organization(name=settings.organization_name, url=settings.organization_url),
        contactUrl=settings.contact_url,
        documentationUrl=settings.documentation_url,
        createdAt=settings.created_at,
        updatedAt=settings.created_at,
        environment=settings.environment,
        version=package_version(),
        # The root field is deprecated in 1.5 but still required by its schema: send both.
        maxBulkRequestLength=settings.max_bulk_request_length,
        drs=DrsServiceFlavour(maxBulkRequestLength=settings.max_bulk_request_length),
    )


async def _synapse_client(app: web.Application) -> AsyncIterator[None]:
    """One upstream session for the app's life: explicit timeouts, a pool limit, no cookies."""
    settings = app[SETTINGS]
    session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(
            total=settings.synapse_total_timeout_s, connect=settings.synapse_connect_timeout_s
        ),
        connector=aiohttp.TCPConnector(limit=settings.synapse_connection_limit),
        # Synapse sets a sessionID cookie; one jar shared by every caller would mix users.
        cookie_jar=aiohttp.DummyCookieJar(),
    )
    metadata = settings.synapse_metadata_token
    app[RESOLVER] = Resolver(
        SynapseClient(session, settings.synapse_url),
        metadata_token=metadata.get_secret_value() if metadata is not None else None,
    )
    yield
    await session.close()


def create_app(settings: Settings) -> web.Application:
    """Build the service: typed state, cleanup contexts, middlewares and routes."""
    app = web.Application(middlewares=[access_log_middleware, error_middleware])
    app[SETTINGS] = settings
    app[SERVICE_INFO] = build_service_info(settings).to_json()
    app.cleanup_ctx.append(_synapse_client)
    add_routes(app)
    return app
