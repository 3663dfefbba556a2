"""The emulator's settings: catalogue size, URL lifetime, throttle limits and fault defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Synapse's documented limits (docs/synapse.md, "Throttling").
SYNAPSE_MAX_CONCURRENT = 3
SYNAPSE_MAX_REQUESTS = 600
SYNAPSE_PERIOD_S = 60.0
# Synapse refuses Datasets with more items than this.
MAX_DATASET_ITEMS = 30_000


class FaultSettings(BaseModel):
    """Run-time knobs: set by `POST /_emulator/faults`, restored by `POST /_emulator/reset`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: float = Field(0.0, ge=0)
    jitter_ms: float = Field(0.0, ge=0)
    error_rate: float = Field(0.0, ge=0, le=1)
    error_status: int = Field(503, ge=400, le=599)
    reset_rate: float = Field(0.0, ge=0, le=1)
    malformed_rate: float = Field(0.0, ge=0, le=1)
    stall_ms: float = Field(0.0, ge=0)
    maintenance: bool = False
    throttle: bool = True
    # Storage-side knobs (the blob routes, which Synapse's faults above never reach):
    # flip one byte of a served body, serve bodies slowly, cut each body after N bytes.
    corrupt_rate: float = Field(0.0, ge=0, le=1)
    blob_bytes_per_s: float = Field(0.0, ge=0)  # 0: as fast as the socket takes them
    blob_cut_after_bytes: int = Field(0, ge=0)  # 0: never cut


class EmulatorConfig(FaultSettings):
    """Everything `create_emulator_app` needs; the fault fields are the run-time defaults."""

    seed: Literal["demo", "empty"] = "demo"
    files: int = Field(0, ge=0)
    dataset_items: int = Field(0, ge=0, le=MAX_DATASET_ITEMS)
    large_file_mib: int = Field(0, ge=0, le=4096)  # one large file, for download benchmarks
    url_ttl_s: float = Field(30.0, gt=0)
    max_concurrent: int = Field(SYNAPSE_MAX_CONCURRENT, ge=1)
    max_requests: int = Field(SYNAPSE_MAX_REQUESTS, ge=1)
    throttle_period_s: float = Field(SYNAPSE_PERIOD_S, gt=0)
    fault_seed: int | None = None
    # Synapse lets a file handle's creator download it through any association; off by
    # default because the demo's owner created every handle (see access.associated_handle).
    creator_bypass: bool = False

    def fault_defaults(self) -> FaultSettings:
        """The fault knobs alone, as configured at start."""
        return FaultSettings.model_validate(
            self.model_dump(include=set(FaultSettings.model_fields))
        )
