"""A Synapse emulator: the part of Synapse's REST API the DRS adapter uses, on real sockets."""

from adapter.emulator.app import create_emulator_app
from adapter.emulator.config import EmulatorConfig, FaultSettings
from adapter.emulator.manifest import emulator_manifest

__all__ = ["EmulatorConfig", "FaultSettings", "create_emulator_app", "emulator_manifest"]
