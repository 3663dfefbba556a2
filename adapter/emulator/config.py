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
    """Run-time knobs: set by `POST /_emulator/faults`, restored by `POST /_emulator/reset`.

    Each field is also a command-line flag of `python -m adapter.emulator` (its description
    is the flag's help), so a knob is declared here once.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: float = Field(0.0, ge=0, description="added to every Synapse answer")
    jitter_ms: float = Field(0.0, ge=0, description="plus a uniform random 0..N ms")
    error_rate: float = Field(0.0, ge=0, le=1, description="share of calls answered with an error")
    error_status: int = Field(503, ge=400, le=599, description="the status of those errors")
    reset_rate: float = Field(0.0, ge=0, le=1, description="share of connections dropped")
    malformed_rate: float = Field(0.0, ge=0, le=1, description="share of bodies cut in half")
    stall_ms: float = Field(0.0, ge=0, description="send headers, then the body N ms later")
    maintenance: bool = Field(False, description="answer every call with Synapse's 503")
    throttle: bool = Field(True, description="Synapse's per-user throttle; the flag turns it off")
    # Storage-side knobs (the blob routes, which Synapse's faults above never reach).
    corrupt_rate: float = Field(
        0.0, ge=0, le=1, description="share of served blob bodies with one byte flipped"
    )
    blob_bytes_per_s: float = Field(
        0.0, ge=0, description="serve blob bodies at N bytes a second; 0: as fast as possible"
    )
    blob_cut_after_bytes: int = Field(
        0, ge=0, description="cut each blob body after N bytes; 0: never"
    )


class EmulatorConfig(FaultSettings):
    """Everything `create_emulator_app` needs; the fault fields are the run-time defaults."""

    seed: Literal["demo", "empty"] = Field("demo", description="the demo catalogue, or none")
    files: int = Field(0, ge=0, description="add N generated public files")
    dataset_items: int = Field(
        0, ge=0, le=MAX_DATASET_ITEMS, description="add a Dataset of the first N generated files"
    )
    large_file_mib: int = Field(
        0, ge=0, le=4096, description="add one large file of N MiB (download benchmarks)"
    )
    url_ttl_s: float = Field(30.0, gt=0, description="presigned URL lifetime, seconds")
    max_concurrent: int = Field(
        SYNAPSE_MAX_CONCURRENT, ge=1, description="throttle: calls in flight per user"
    )
    max_requests: int = Field(
        SYNAPSE_MAX_REQUESTS, ge=1, description="throttle: calls per user per period"
    )
    throttle_period_s: float = Field(
        SYNAPSE_PERIOD_S, gt=0, description="throttle: the period, seconds"
    )
    fault_seed: int | None = Field(None, description="seed of the fault draws; null: a random one")

    def fault_defaults(self) -> FaultSettings:
        """The fault knobs alone, as configured at start."""
        return FaultSettings.model_validate(
            self.model_dump(include=set(FaultSettings.model_fields))
        )
