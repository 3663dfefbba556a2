"""Typed application keys: every shared object of the app, declared in one place."""

from __future__ import annotations

from aiohttp import web

from adapter.cache import ReadCache
from adapter.metrics import Metrics
from adapter.models import ServiceInfo
from adapter.resolver import Resolver
from adapter.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
RESOLVER = web.AppKey("resolver", Resolver)
CACHE = web.AppKey("cache", ReadCache)
METRICS = web.AppKey("metrics", Metrics)
SERVICE_INFO = web.AppKey("service_info", ServiceInfo)
