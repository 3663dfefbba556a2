"""create_app(settings): the one factory that builds the service."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from adapter.cache import BoundedMemory, ReadCache, make_store
from adapter.caller import CallerIds
from adapter.cors import Cors
from adapter.keys import (
    CACHE,
    CACHE_CONTROL,
    CALLER_IDS,
    METRICS,
    RESOLVER,
    SERVICE_INFO,
    SETTINGS,
    SYNAPSE_SESSION,
)
from adapter.metrics import Metrics
from adapter.middleware import service_middleware
from adapter.models import (
    DrsServiceFlavour,
    Organization,
    ServiceInfo,
    ServiceType,
)
from adapter.resolver import Resolver
from adapter.routes import add_routes
from adapter.settings import Settings
from adapter.synapse.budget import BudgetPolicy, MetadataBudget
from adapter.synapse.client import SynapseClient
from adapter.synapse.retry import RetryPolicy
from adapter.version import package_version

DRS_VERSION = "1.5.0"


def build_service_info(settings: Settings) -> ServiceInfo:
    """GA4GH service-info, DRS flavour (docs/behaviour.md §8); static for the process's life."""
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


async def _cache(app: web.Application) -> AsyncIterator[None]:
    """CACHE: the read cache, in memory or in the Redis shared by replicas. Needs SETTINGS."""
    settings = app[SETTINGS]
    cache = ReadCache(
        make_store(
            settings.cache_url,
            timeout_s=settings.cache_timeout_s,
            max_entries=settings.cache_max_entries,
            ca_file=settings.cache_ca_file,
        ),
        app[METRICS],
        ttl_s=settings.cache_ttl_s,
        not_found_ttl_s=settings.cache_not_found_ttl_s,
    )
    app[CACHE] = cache
    memory = cache.store.backend
    if isinstance(memory, BoundedMemory):
        app[METRICS].cache_entries.set_function(memory.__len__)
    yield
    with contextlib.suppress(Exception):  # a cache already gone needs no closing
        await cache.close()


async def _synapse_session(app: web.Application) -> AsyncIterator[None]:
    """SYNAPSE_SESSION: one upstream session for the app's life, with explicit timeouts, a
    pool limit and no cookie jar (Synapse sets a sessionID cookie; a jar shared by every
    caller would mix users). Needs SETTINGS."""
    settings = app[SETTINGS]
    session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(
            total=settings.synapse_total_timeout_s, connect=settings.synapse_connect_timeout_s
        ),
        connector=aiohttp.TCPConnector(limit=settings.synapse_connection_limit),
        cookie_jar=aiohttp.DummyCookieJar(),
    )
    app[SYNAPSE_SESSION] = session
    yield
    await session.close()


async def _resolver(app: web.Application) -> None:
    """RESOLVER: the Synapse client and the cache behind one door. Needs CACHE and
    SYNAPSE_SESSION, so it runs on start-up after every cleanup context has made its own."""
    settings = app[SETTINGS]
    token = settings.synapse_metadata_token
    metadata = app[CALLER_IDS].caller(token.get_secret_value()) if token else None
    budget = None
    if metadata is not None:
        budget = MetadataBudget(
            metadata,
            BudgetPolicy(
                per_minute=settings.metadata_calls_per_minute,
                caller_share=settings.metadata_caller_share,
                anonymous_share=settings.metadata_anonymous_share,
                concurrent=settings.max_concurrent_per_user,
            ),
            app[METRICS],
            redis_url=settings.cache_url,
            timeout_s=settings.cache_timeout_s,
        )
    client = SynapseClient(
        app[SYNAPSE_SESSION],
        settings.synapse_url,
        max_concurrent_per_caller=settings.max_concurrent_per_user,
        max_answer_bytes=settings.synapse_max_answer_bytes,
        metrics=app[METRICS],
        retry=RetryPolicy(
            budget_s=settings.retry_budget_s,
            base_delay_s=settings.retry_base_delay_s,
            max_delay_s=settings.retry_max_delay_s,
        ),
        metadata_budget=budget,
    )
    app[RESOLVER] = Resolver(client, app[CACHE], metadata=metadata)


async def _close_budget(app: web.Application) -> None:
    """Close the metadata budget's Redis connections, if the resolver was ever built."""
    resolver = app.get(RESOLVER)
    if resolver is not None and resolver.client.metadata_budget is not None:
        await resolver.client.metadata_budget.close()


def caller_ids(settings: Settings) -> CallerIds:
    """Caller keys: salted with the configured salt (replicas sharing a cache must agree on
    it), else with a random one for this process."""
    salt = settings.cache_key_salt
    return CallerIds(salt.get_secret_value().encode() if salt else secrets.token_bytes(32))


def create_app(settings: Settings) -> web.Application:
    """Build the service: typed state, cleanup contexts, middlewares and routes."""
    metrics = Metrics()
    app = web.Application(
        middlewares=[
            service_middleware(metrics, settings.retry_budget_s, Cors(settings.cors_allow_origins)),
        ],
        client_max_size=settings.max_body_bytes,
        # Lines and headers up to this size reach the app and get a DRS Error (an overlong id
        # is a JSON 400); only larger ones meet aiohttp's parser, which answers in plain text.
        handler_args={
            "max_line_size": settings.max_header_bytes,
            "max_field_size": settings.max_header_bytes,
        },
    )
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app[SERVICE_INFO] = build_service_info(settings)
    app[CALLER_IDS] = caller_ids(settings)
    app[CACHE_CONTROL] = f"private, max-age={int(settings.cache_ttl_s)}"
    # One resource per cleanup context; the resolver is built from them once all have run.
    app.cleanup_ctx.append(_cache)
    app.cleanup_ctx.append(_synapse_session)
    app.on_startup.append(_resolver)
    app.on_cleanup.append(_close_budget)
    add_routes(app)
    return app
