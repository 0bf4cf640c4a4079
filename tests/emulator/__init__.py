"""Local Hugging Face emulator (Hub API, Inference Providers router, datasets-server) for tests."""

from .app import create_app
from .server import EmulatorHandle, run_emulator
from .state import EmulatorState

__all__ = ["EmulatorHandle", "EmulatorState", "create_app", "run_emulator"]
