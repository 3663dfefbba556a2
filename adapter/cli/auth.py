"""Whose token: `SYNAPSE_AUTH_TOKEN`, else `~/.synapseConfig`'s `authtoken`, else anonymous.

The same places synapseclient reads, so a person already set up for it needs nothing more.
The token is sent to the DRS service only (see `api.DrsApi`), never to a storage URL.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "SYNAPSE_AUTH_TOKEN"
CONFIG_FILE = ".synapseConfig"


@dataclass(frozen=True, slots=True)
class Credentials:
    """A bearer token (None: anonymous) and where it came from, for `--verbose` output."""

    token: str | None
    source: str

    def __repr__(self) -> str:  # never print the token itself
        return f"Credentials(source={self.source!r})"


def find_credentials(
    environ: Mapping[str, str] | None = None, home: Path | None = None
) -> Credentials:
    env = os.environ if environ is None else environ
    token = env.get(ENV_VAR, "").strip()
    if token:
        return Credentials(token, ENV_VAR)
    path = (home if home is not None else Path.home()) / CONFIG_FILE
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return Credentials(None, f"anonymous ({path} is not a readable config file)")
    token = parser.get("authentication", "authtoken", fallback="").strip()
    if token:
        return Credentials(token, str(path))
    return Credentials(None, "anonymous")
