"""`python -m adapter`: load settings, configure logging, serve until SIGINT or SIGTERM."""

from __future__ import annotations

import logging

from aiohttp import web

from adapter.access import AccessLogger
from adapter.app import create_app
from adapter.logs import ACCESS_LOGGER, configure_logging, get_logger
from adapter.settings import Settings


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    get_logger("adapter").info(
        "starting", host=settings.host, port=settings.port, synapse_url=settings.synapse_url
    )
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log_class=AccessLogger,
        access_log=logging.getLogger(ACCESS_LOGGER),
        shutdown_timeout=settings.shutdown_timeout_s,
        print=None,
    )


if __name__ == "__main__":
    main()
