"""The emulator's settings: catalogue size, URL lifetime, throttle limits and fault defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Synapse's documented limits (synapse-upstream.md, "Throttling").
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


class EmulatorConfig(FaultSettings):
    """Everything `create_emulator_app` needs; the fault fields are the run-time defaults."""

    seed: Literal["demo", "empty"] = "demo"
    files: int = Field(0, ge=0)
    dataset_items: int = Field(0, ge=0, le=MAX_DATASET_ITEMS)
    url_ttl_s: float = Field(30.0, gt=0)
    max_concurrent: int = Field(SYNAPSE_MAX_CONCURRENT, ge=1)
    max_requests: int = Field(SYNAPSE_MAX_REQUESTS, ge=1)
    throttle_period_s: float = Field(SYNAPSE_PERIOD_S, gt=0)
    fault_seed: int | None = None

    def fault_defaults(self) -> FaultSettings:
        """The fault knobs alone, as configured at start."""
        return FaultSettings.model_validate(
            self.model_dump(include=set(FaultSettings.model_fields))
        )
