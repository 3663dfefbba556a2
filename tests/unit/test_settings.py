"""Settings: documented defaults from config/default.toml, ADAPTER_* environment on top."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from adapter.settings import DEFAULT_CONFIG_FILE, Settings


def test_defaults_match_the_documented_file() -> None:
    documented = tomllib.loads(DEFAULT_CONFIG_FILE.read_text())
    settings = Settings()
    for key, value in documented.items():
        assert getattr(settings, key) == value, key
    assert settings.port == 8080
    assert settings.synapse_url == "https://repo-prod.prod.sagebase.org"
    assert settings.drs_hostname is None


def test_every_setting_is_documented_in_the_file() -> None:
    text = DEFAULT_CONFIG_FILE.read_text()
    for name in Settings.model_fields:
        assert f"{name} =" in text, f"{name} is missing from {DEFAULT_CONFIG_FILE.name}"


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADAPTER_PORT", "9999")
    monkeypatch.setenv("ADAPTER_DRS_HOSTNAME", "drs.example.org")
    monkeypatch.setenv("ADAPTER_SYNAPSE_URL", "http://127.0.0.1:1234/")
    monkeypatch.setenv("ADAPTER_SYNAPSE_METADATA_TOKEN", "s3cret")
    settings = Settings()
    assert settings.port == 9999
    assert settings.drs_hostname == "drs.example.org"
    assert settings.synapse_url == "http://127.0.0.1:1234"
    assert settings.synapse_metadata_token is not None
    assert "s3cret" not in repr(settings)


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADAPTER_LOG_FORMAT", "xml")
    with pytest.raises(ValidationError):
        Settings()
