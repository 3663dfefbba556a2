"""create_emulator_app(config): the Synapse emulator's one factory and its route table."""

from __future__ import annotations

import secrets

from aiohttp import web

from adapter.emulator import blob_handlers, control, file_handlers, repo_handlers
from adapter.emulator.blobs import BlobStore, UrlSigner
from adapter.emulator.catalogue import build_catalogue
from adapter.emulator.config import EmulatorConfig
from adapter.emulator.keys import BLOBS, CATALOGUE, CONFIG, SIGNER, STATE
from adapter.emulator.middleware import synapse_middleware
from adapter.emulator.state import EmulatorState


def create_emulator_app(config: EmulatorConfig | None = None) -> web.Application:
    """Build the catalogue (fresh token and URL keys per app) and the routes over it."""
    config = config or EmulatorConfig()
    blobs = BlobStore()
    app = web.Application(middlewares=[synapse_middleware])
    app[CONFIG] = config
    app[BLOBS] = blobs
    app[CATALOGUE] = build_catalogue(config, secrets.token_bytes(32), blobs)
    app[SIGNER] = UrlSigner(secrets.token_bytes(32), config.url_ttl_s)
    app[STATE] = EmulatorState(config)
    app.router.add_routes(
        [
            # Synapse's REST API, as the adapter and synapseclient use it.
            web.get("/repo/v1/entity/{id}", repo_handlers.get_entity, allow_head=False),
            web.get(
                "/repo/v1/entity/{id}/version/{version}", repo_handlers.get_entity, allow_head=False
            ),
            web.get("/repo/v1/entity/{id}/type", repo_handlers.get_entity_type, allow_head=False),
            web.post("/repo/v1/entity/{id}/bundle2", repo_handlers.post_bundle),
            web.post("/repo/v1/entity/{id}/version/{version}/bundle2", repo_handlers.post_bundle),
            web.get("/repo/v1/entity/{id}/column", repo_handlers.get_columns, allow_head=False),
            web.get("/repo/v1/userProfile", repo_handlers.get_user_profile, allow_head=False),
            web.post("/file/v1/fileHandle/batch", file_handlers.post_batch),
            web.get("/file/v1/file/{id}", file_handlers.get_file_url, allow_head=False),
            web.get("/file/v1/fileHandle/{id}", file_handlers.get_handle, allow_head=False),
            web.get("/file/v1/fileHandle/{id}/url", file_handlers.get_handle_url, allow_head=False),
            # The storage behind the handles: S3-like presigned URLs and an external server.
            web.get("/_blob/{key:.+}", blob_handlers.get_signed_blob),
            web.get("/_external/{key:.+}", blob_handlers.get_external_blob),
            # The emulator's own knobs; neither throttled, faulted nor counted.
            web.get("/_emulator/stats", control.get_stats),
            web.get("/_emulator/faults", control.get_faults),
            web.post("/_emulator/faults", control.post_faults),
            web.post("/_emulator/reset", control.post_reset),
            web.post("/_emulator/revoke", control.post_revoke),
            web.get("/_emulator/manifest", control.get_manifest),
        ]
    )
    return app
