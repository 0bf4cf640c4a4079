"""What ``ml-intern-api serve`` applies to its whole process from the settings."""

from __future__ import annotations

import gc
import sys

import pytest
from pydantic import ValidationError

from agent.settings import Settings
from responses_api.cli import apply_process_settings


def test_the_thread_switch_interval_comes_from_the_settings(monkeypatch):
    before = sys.getswitchinterval()
    try:
        apply_process_settings(Settings(gil_switch_interval_ms=2.5))
        assert sys.getswitchinterval() == pytest.approx(0.0025)
        monkeypatch.setenv("ML_INTERN_GIL_SWITCH_INTERVAL_MS", "0.5")
        apply_process_settings(Settings())
        assert sys.getswitchinterval() == pytest.approx(0.0005)
    finally:
        sys.setswitchinterval(before)


def test_full_collections_come_every_n_middle_ones_from_the_settings(monkeypatch):
    before = gc.get_threshold()
    try:
        monkeypatch.delenv("ML_INTERN_GC_FULL_COLLECTION_EVERY", raising=False)
        apply_process_settings(Settings())
        assert gc.get_threshold() == (before[0], before[1], 100)
        apply_process_settings(Settings(gc_full_collection_every=25))
        assert gc.get_threshold() == (before[0], before[1], 25)
    finally:
        gc.set_threshold(*before)


def test_the_default_switch_interval_is_1_ms(monkeypatch):
    monkeypatch.delenv("ML_INTERN_GIL_SWITCH_INTERVAL_MS", raising=False)
    assert Settings().gil_switch_interval_ms == 1.0


@pytest.mark.parametrize("value", ["0", "-1", "1000"])
def test_a_switch_interval_out_of_bounds_is_refused(monkeypatch, value):
    monkeypatch.setenv("ML_INTERN_GIL_SWITCH_INTERVAL_MS", value)
    with pytest.raises(ValidationError):
        Settings()
