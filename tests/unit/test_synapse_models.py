"""Synapse's JSON read into the adapter's models: Dataset items are checked as they are read."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from adapter.synapse.models import DATASET, EntityBundle


def _bundle(items: list[dict[str, object]]) -> bytes:
    entity = {
        "id": "syn10",
        "name": "a dataset",
        "concreteType": DATASET,
        "createdOn": "2024-01-01T00:00:00.000Z",
        "items": items,
    }
    return json.dumps({"entity": entity, "fileHandles": []}).encode()


def test_dataset_items_are_read_as_plain_dicts() -> None:
    bundle = EntityBundle.model_validate_json(
        _bundle([{"entityId": "syn7", "versionNumber": 2, "extra": "ignored"}])
    )
    assert bundle.entity.items == [{"entityId": "syn7", "versionNumber": 2}]


@pytest.mark.parametrize(
    "item",
    [
        {"entityId": "7", "versionNumber": 1},
        {"entityId": "syn7.1", "versionNumber": 1},
        {"entityId": "SYN7 ", "versionNumber": 1},
        {"entityId": "syn7", "versionNumber": 0},
        {"entityId": "syn7"},
    ],
)
def test_a_dataset_item_the_adapter_cannot_name_is_refused(item: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EntityBundle.model_validate_json(_bundle([item]))
