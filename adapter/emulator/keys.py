"""Typed application keys of the emulator app, declared in one place."""

from __future__ import annotations

from aiohttp import web

from adapter.emulator.blobs import BlobStore, UrlSigner
from adapter.emulator.config import EmulatorConfig
from adapter.emulator.model import Catalogue
from adapter.emulator.state import EmulatorState

CONFIG = web.AppKey("emulator_config", EmulatorConfig)
CATALOGUE = web.AppKey("emulator_catalogue", Catalogue)
BLOBS = web.AppKey("emulator_blobs", BlobStore)
SIGNER = web.AppKey("emulator_signer", UrlSigner)
STATE = web.AppKey("emulator_state", EmulatorState)
