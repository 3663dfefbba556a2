"""docs/configuration.md against the Settings class: every field documented with its exact
environment variable and its real default, and nothing documented that does not exist."""

from __future__ import annotations

import enum
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from adapter.settings import Settings
from tests.deploy.chart import ROOT

DOC = ROOT / "docs" / "configuration.md"
HEADER = ["Setting", "Environment variable", "Default", "Meaning"]
UNSET = "*unset*"
FIELDS: dict[str, FieldInfo] = Settings.model_fields


@dataclass(frozen=True)
class Row:
    setting: str
    variable: str
    default: str  # the cell as written: `<TOML literal>` or *unset*
    meaning: str


def _code(cell: str) -> str:
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"expected a `code` cell, got {cell!r}"
    return match.group(1)


def parse_settings_table(text: str) -> list[Row]:
    """The rows of the one table headed | Setting | Environment variable | Default | Meaning |."""
    lines = text.splitlines()
    starts = [
        n
        for n, line in enumerate(lines)
        if [c.strip() for c in line.strip("|").split("|")] == HEADER
    ]
    assert len(starts) == 1, "the doc needs exactly one settings table"
    rows: list[Row] = []
    for line in lines[starts[0] + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == len(HEADER), f"malformed row: {line}"
        rows.append(Row(_code(cells[0]), _code(cells[1]), cells[2], cells[3]))
    return rows


def documented_default(cell: str) -> Any:
    """*unset* is None; otherwise the TOML literal in backticks, read as TOML reads it."""
    if cell == UNSET:
        return None
    return tomllib.loads(f"value = {_code(cell)}")["value"]


def class_default(field: FieldInfo) -> Any:
    """The default as the TOML file would spell it (secrets revealed, enums and paths as text)."""
    value = field.get_default(call_default_factory=True)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def env_name(name: str, field: FieldInfo) -> str:
    alias = field.validation_alias or field.alias
    if isinstance(alias, str):
        return alias.upper()
    return f"{Settings.model_config.get('env_prefix', '')}{name}".upper()


@pytest.fixture(scope="module")
def rows() -> dict[str, Row]:
    parsed = parse_settings_table(DOC.read_text())
    by_setting = {row.setting: row for row in parsed}
    assert len(by_setting) == len(parsed), "a setting is documented twice"
    return by_setting


def test_table_reader_reads_cells_and_defaults() -> None:
    """The doc reader splits rows into cells and reads TOML defaults and *unset*."""
    text = "\n".join(
        [
            "| Setting | Environment variable | Default | Meaning |",
            "|---|---|---|---|",
            '| `a` | `ADAPTER_A` | `"x"` | the a |',
            "| `b` | `ADAPTER_B` | *unset* | the b |",
            "",
            "| `c` | `ADAPTER_C` | `1` | not in the table |",
        ]
    )
    parsed = parse_settings_table(text)
    assert [(r.setting, r.variable) for r in parsed] == [("a", "ADAPTER_A"), ("b", "ADAPTER_B")]
    assert [documented_default(r.default) for r in parsed] == ["x", None]
    assert documented_default("`[]`") == []
    assert documented_default("`0.25`") == 0.25


@pytest.mark.parametrize("name", list(FIELDS))
def test_setting_is_documented_with_its_variable(name: str, rows: dict[str, Row]) -> None:
    """Each Settings field has a row naming its exact environment variable and a meaning."""
    assert name in rows, f"{name} is missing from {DOC.name}"
    assert rows[name].variable == env_name(name, FIELDS[name])
    assert rows[name].meaning


@pytest.mark.parametrize("name", list(FIELDS))
def test_documented_default_is_the_class_default(name: str, rows: dict[str, Row]) -> None:
    """Each row's default equals the default declared in the Settings class."""
    assert name in rows, f"{name} is missing from {DOC.name}"
    documented = documented_default(rows[name].default)
    actual = class_default(FIELDS[name])
    assert documented == actual
    assert type(documented) is type(actual), (documented, actual)


def test_no_documented_setting_or_variable_is_unknown(rows: dict[str, Row]) -> None:
    """Every row, and every ADAPTER_* name anywhere in the doc, is a real setting's variable."""
    assert set(rows) <= set(FIELDS), set(rows) - set(FIELDS)
    known = {env_name(name, field) for name, field in FIELDS.items()}
    mentioned = set(re.findall(r"\bADAPTER_[A-Z0-9_]*[A-Z0-9]\b", DOC.read_text()))
    assert mentioned <= known, mentioned - known


def test_doc_explains_the_toml_file_and_precedence() -> None:
    """The doc names the TOML file and the order: arguments, environment, file, class defaults."""
    text = DOC.read_text()
    assert "config/default.toml" in text
    order = [
        text.find(marker)
        for marker in ("**Arguments**", "**Environment variables**", "**The TOML file")
    ]
    assert -1 not in order
    assert order == sorted(order)
