"""The console shell in script mode, as a newcomer runs it from the README."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_shell(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "shell", "--db", str(tmp_path / "t.db"), *args],
        input=script, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )


def test_the_readme_journey_greets_lists_hotpot_and_shows_a_card(tmp_path: Path) -> None:
    result = run_shell(tmp_path, "/start\n火锅\n#1\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "你好" in out
    assert "火锅" in out and "¥" in out
    assert "[1] 1." in out  # numbered result buttons
    assert "有效期" in out and "适用门店" in out  # the deal card
    assert "Traceback" not in out + result.stderr


def test_a_script_can_play_two_users_in_two_languages(tmp_path: Path) -> None:
    result = run_shell(tmp_path, "/start\n/as Bob\n/settings\n#2\nhotpot\n", "--lang", "zh")
    assert result.returncode == 0, result.stderr
    assert "(now you are Bob)" in result.stdout
    assert "deals for \"🍲 Hotpot\"" in result.stdout


def test_shell_conveniences_explain_their_usage(tmp_path: Path) -> None:
    result = run_shell(tmp_path, "/location nowhere\n#9\n/as\n/location 26.0 119.45\n/sticker\n",
                       "--lang", "en")
    assert result.returncode == 0
    assert "usage: /location LAT LON" in result.stdout
    assert "there is no button 9" in result.stdout
    assert "Got your location" in result.stdout
    assert "I can't read stickers" in result.stdout
