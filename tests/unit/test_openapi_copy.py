"""The OpenAPI document the service serves is the official DRS 1.5.0 one, its servers aside."""

from __future__ import annotations

from typing import Any

import yaml

from tests.drs_schema import BUNDLED_SPEC_PATH, _spec_dict


def test_the_served_document_is_the_official_one_but_for_its_servers() -> None:
    bundled: dict[str, Any] = yaml.safe_load(BUNDLED_SPEC_PATH.read_text())
    assert bundled["servers"] == [
        {"url": "/ga4gh/drs/v1", "description": bundled["servers"][0]["description"]}
    ]
    official = _spec_dict()
    assert {k: v for k, v in bundled.items() if k != "servers"} == {
        k: v for k, v in official.items() if k != "servers"
    }
