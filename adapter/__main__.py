"""`python -m adapter` (or `synapse-drs-adapter`): read the settings, bind both ports, serve until
SIGINT or SIGTERM.

What can go wrong before serving is said in one line each on stderr, never as a traceback: a bad
setting (exit status 2, one line per setting, naming its `ADAPTER_*` variable), a port that
cannot be bound (exit status 1, naming the address and the setting that changes it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tomllib
from collections.abc import Sequence
from typing import Any, NoReturn

from pydantic import ValidationError
from pydantic_settings import SettingsError

from adapter.app import create_app
from adapter.logs import configure_logging, get_logger
from adapter.metrics_server import metrics_site
from adapter.server import serve
from adapter.settings import DEFAULT_CONFIG_FILE, Settings
from adapter.version import package_version

PROG = "synapse-drs-adapter"
PREFIX = "ADAPTER_"
USAGE_ERROR = 2  # what argparse, and most tools, exit with for bad input
CANNOT_START = 1
# Never echoed in an error line: secrets, and the cache URL, which may carry a password.
_NEVER_ECHOED = frozenset(
    {name for name, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)}
    | {"cache_url"}
)


def _variable(name: str) -> str:
    return f"{PREFIX}{name.upper()}"


def _help_epilog() -> str:
    lines = [
        "Settings come from, first match wins:",
        f"  1. environment variables {PREFIX}<SETTING> (any case), e.g. {PREFIX}PORT=9000;",
        f"  2. the TOML file {DEFAULT_CONFIG_FILE}"
        + ("" if DEFAULT_CONFIG_FILE.is_file() else " (absent here)")
        + ";",
        "  3. the defaults built into the service.",
        "Lists are written as JSON: ADAPTER_CORS_ALLOW_ORIGINS='[\"https://app.example.org\"]'.",
        "Every setting is described in docs/configuration.md. The variables:",
    ]
    lines += [f"  {_variable(name)}" for name in Settings.model_fields]
    return "\n".join(lines)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "A GA4GH DRS 1.5 service in front of Synapse. Serves the DRS API on ADAPTER_PORT "
            "and Prometheus metrics on ADAPTER_METRICS_PORT until SIGINT or SIGTERM. "
            "It takes no arguments: it is configured by settings."
        ),
        epilog=_help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {package_version()}")
    return parser.parse_args(argv)


def _explain(error: dict[str, Any]) -> str:
    """One line for one pydantic error: where the bad value came from and what is wrong."""
    name = str(error["loc"][0]) if error["loc"] else ""
    if name not in Settings.model_fields:
        return f"{name} in {DEFAULT_CONFIG_FILE}: not a setting"
    variable = _variable(name)
    from_env = any(key.upper() == variable for key in os.environ)
    where = variable if from_env else f"{variable} (or {name} in {DEFAULT_CONFIG_FILE})"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if name not in _NEVER_ECHOED and isinstance(value, str | int | float) and from_env:
        message += f" (got {str(value)!r})"
    return f"{where}: {message}"


def _settings_error(exc: SettingsError) -> str:
    """pydantic-settings names the field it could not decode (a list that is not JSON)."""
    text = str(exc)
    for name in Settings.model_fields:
        if f'"{name}"' in text:
            return f"{_variable(name)}: cannot be read; lists and objects are written as JSON"
    return text


def _refuse(lines: list[str], status: int) -> NoReturn:
    for line in lines:
        sys.stderr.write(f"{PROG}: {line}\n")
    sys.stderr.flush()
    raise SystemExit(status)


def load_settings() -> Settings:
    """The settings, or one line per bad setting on stderr and exit status 2."""
    try:
        return Settings()
    except ValidationError as exc:
        _refuse([_explain(dict(e)) for e in exc.errors(include_url=False)], USAGE_ERROR)
    except SettingsError as exc:
        _refuse([_settings_error(exc)], USAGE_ERROR)
    except tomllib.TOMLDecodeError as exc:
        _refuse([f"{DEFAULT_CONFIG_FILE}: not valid TOML: {exc}"], USAGE_ERROR)


def listen(host: str, port: int, variable: str) -> socket.socket:
    """A listening socket on host:port, or one line saying which setting to change, exit 1.

    Bound before the app is built, so a busy port stops the service before it opens anything.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        return socket.create_server((host, port), family=found[0][0], backlog=128)
    except socket.gaierror as exc:
        advice = f"set {PREFIX}HOST to an address of this machine"
        reason = str(exc.strerror).lower()
    except OSError as exc:
        advice = f"set {variable} to a free port or {PREFIX}HOST to another address"
        reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
    _refuse([f"cannot listen on {host}:{port}: {reason}; {advice}"], CANNOT_START)


def _unshared_cache_warning(settings: Settings) -> None:
    """A shared cache with no salt: each process hashes tokens its own way and replicas never
    share an entry. Said once at start; the URL itself is not logged (it may hold a password)."""
    if settings.cache_url and settings.cache_key_salt is None:
        get_logger("adapter").warning(
            "cache_key_salt_unset",
            detail=(
                f"{PREFIX}CACHE_URL is set without {PREFIX}CACHE_KEY_SALT: this process draws a "
                "salt of its own, so replicas sharing the cache never share an entry; give every "
                "replica the same salt"
            ),
        )


def main(argv: Sequence[str] | None = None) -> None:
    parse_arguments(argv)
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    public = listen(settings.host, settings.port, f"{PREFIX}PORT")
    metrics = listen(settings.host, settings.metrics_port, f"{PREFIX}METRICS_PORT")
    get_logger("adapter").info(
        "starting",
        host=settings.host,
        port=public.getsockname()[1],
        metrics_port=metrics.getsockname()[1],
        synapse_url=settings.synapse_url,
    )
    _unshared_cache_warning(settings)
    app = create_app(settings)
    app.cleanup_ctx.append(metrics_site(metrics))
    asyncio.run(serve(app, public, shutdown_timeout_s=settings.shutdown_timeout_s))


if __name__ == "__main__":
    main()
