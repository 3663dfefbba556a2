"""Typed application keys: every shared object of the app, declared in one place."""

from __future__ import annotations

from aiohttp import ClientSession, web

from adapter.cache import ReadCache
from adapter.caller import CallerIds
from adapter.metrics import Metrics
from adapter.models import ServiceInfo
from adapter.resolver import Resolver
from adapter.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
SERVICE_INFO = web.AppKey("service_info", ServiceInfo)
CALLER_IDS = web.AppKey("caller_ids", CallerIds)
CACHE = web.AppKey("cache", ReadCache)
SYNAPSE_SESSION = web.AppKey("synapse_session", ClientSession)
RESOLVER = web.AppKey("resolver", Resolver)
# The DrsObject answers' Cache-Control, made once from the cache's TTL.
CACHE_CONTROL = web.AppKey("cache_control", str)
