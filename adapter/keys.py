"""Typed application keys: every shared object of the app, declared in one place."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapter.cache import ReadCache
from adapter.metrics import Metrics
from adapter.resolver import Resolver
from adapter.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
RESOLVER = web.AppKey("resolver", Resolver)
CACHE = web.AppKey("cache", ReadCache)
METRICS = web.AppKey("metrics", Metrics)
SERVICE_INFO = web.AppKey("service_info", dict[str, Any])
