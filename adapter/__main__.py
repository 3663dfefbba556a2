"""`python -m adapter`: load settings, configure logging, serve until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio

from adapter.app import create_app
from adapter.logs import configure_logging, get_logger
from adapter.server import serve
from adapter.settings import Settings


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    get_logger("adapter").info(
        "starting", host=settings.host, port=settings.port, synapse_url=settings.synapse_url
    )
    app = create_app(settings)
    asyncio.run(
        serve(app, settings.host, settings.port, shutdown_timeout_s=settings.shutdown_timeout_s)
    )


if __name__ == "__main__":
    main()
