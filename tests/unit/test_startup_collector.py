"""`o2o run` pauses the garbage collector for its imports and turns it back on, with
start-up's objects frozen out of its passes, once it has started."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bot.cli import main
from bot.runtime import freeze_startup_objects


def test_a_start_freezes_what_it_made_and_turns_the_paused_collector_back_on() -> None:
    gc.disable()  # as `o2o run` does before its imports
    try:
        made = [[n] for n in range(1000)]
        freeze_startup_objects()
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(made)
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_run_that_cannot_start_leaves_the_collector_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no config.toml of anyone's
    monkeypatch.delenv("O2O_BOT_TOKEN", raising=False)
    monkeypatch.delenv("O2O_CONFIG", raising=False)
    assert main(["run"]) == 2
    assert "O2O_BOT_TOKEN" in capsys.readouterr().err
    assert gc.isenabled()


def test_a_mistyped_run_leaves_the_collector_on(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--no-such-option"])
    assert "unrecognized arguments" in capsys.readouterr().err
    assert gc.isenabled()
