"""The service's settings: one pydantic-settings class, config/default.toml plus ADAPTER_* env."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

# The documented defaults live beside the package in a source checkout; an installed copy
# without the file falls back to the defaults declared here, which are the same.
DEFAULT_CONFIG_FILE = Path(__file__).resolve().parent.parent / "config" / "default.toml"


class Settings(BaseSettings):
    """Every setting. Precedence: arguments, then `ADAPTER_*` env, then the TOML file."""

    model_config = SettingsConfigDict(
        env_prefix="ADAPTER_",
        extra="forbid",
        toml_file=DEFAULT_CONFIG_FILE,
        frozen=True,
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    metrics_port: int = Field(default=9090, ge=0, le=65535)
    synapse_url: str = "https://repo-prod.prod.sagebase.org"
    drs_hostname: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    synapse_metadata_token: SecretStr | None = None
    # The metadata credential's budget and how it is shared (adapter/synapse/budget.py).
    metadata_calls_per_minute: int = Field(default=500, ge=1)
    metadata_caller_share: float = Field(default=0.25, gt=0, le=1)
    metadata_anonymous_share: float = Field(default=0.5, gt=0, le=1)
    synapse_connect_timeout_s: float = Field(default=5.0, gt=0)
    synapse_total_timeout_s: float = Field(default=30.0, gt=0)
    synapse_connection_limit: int = Field(default=100, ge=1)
    synapse_max_answer_bytes: int = Field(default=16_777_216, ge=65_536)

    max_concurrent_per_user: int = Field(default=3, ge=1)
    retry_budget_s: float = Field(default=10.0, gt=0)
    retry_base_delay_s: float = Field(default=0.05, gt=0)
    retry_max_delay_s: float = Field(default=2.0, gt=0)

    cache_url: str | None = None
    cache_ttl_s: float = Field(default=60.0, ge=0)
    cache_not_found_ttl_s: float = Field(default=10.0, ge=0)
    cache_timeout_s: float = Field(default=0.25, gt=0)
    cache_key_salt: SecretStr | None = None
    cache_max_entries: int = Field(default=10_000, ge=1)
    cache_ca_file: str | None = None

    ready_checks_synapse: bool = False
    ready_timeout_s: float = Field(default=2.0, gt=0)

    max_id_length: int = Field(default=256, ge=16)
    max_bulk_request_length: int = Field(default=1000, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_header_bytes: int = Field(default=32_768, ge=8190)
    body_read_timeout_s: float = Field(default=5.0, gt=0)
    cors_allow_origins: list[str] = Field(default_factory=list)
    shutdown_timeout_s: float = Field(default=10.0, ge=0)

    service_id: str = "org.sagebase.synapse.drs-adapter"
    service_name: str = "Synapse DRS adapter"
    service_description: str = "GA4GH Data Repository Service 1.5 in front of Synapse"
    organization_name: str = "Sage Bionetworks"
    organization_url: str = "https://sagebionetworks.org"
    contact_url: str = "mailto:drs-adapter@example.org"
    documentation_url: str = "https://github.com/Sage-Bionetworks/synapse-drs-adapter"
    environment: str = "prod"
    created_at: str = "2026-11-22T00:00:00Z"

    @field_validator("synapse_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        """`info`, `Info` and `INFO` are one level, as most tools write it."""
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("metrics_port")
    @classmethod
    def _metrics_port_of_its_own(cls, value: int, info: ValidationInfo) -> int:
        """Metrics have a port of their own: one port cannot serve both (0 picks a free one)."""
        if value and value == info.data.get("port"):
            raise ValueError(f"must differ from the service's port (ADAPTER_PORT={value})")
        return value

    @field_validator("drs_hostname", "cache_url", "cache_ca_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))
