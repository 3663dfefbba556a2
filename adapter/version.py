"""The installed package's version: service-info, `--version` and the build-info metric say it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    try:
        return version("synapse-drs-adapter")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"
