"""Fixtures of the emulator tests: a raw Synapse caller bound to the demo emulator."""

from __future__ import annotations

import pytest

from tests.emulator.calls import Synapse
from tests.emulator_handle import EmulatorHandle


@pytest.fixture
def synapse(emulator: EmulatorHandle) -> Synapse:
    return Synapse(emulator)
