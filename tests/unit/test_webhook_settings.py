"""The webhook's settings: the secret token's alphabet, the connection bound, the URL
registered, Redis's address; each wrong value one line naming the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("O2O_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_by_default_the_webhook_is_the_public_url_plus_its_path_with_40_connections() -> None:
    settings = load_settings(public_url="https://shop.example.com/")
    assert settings.webhook_address() == "https://shop.example.com/telegram/webhook"
    assert settings.webhook_max_connections == 40 and settings.webhook_secret is None
    assert settings.redis_url == "" and settings.redis_prefix == "o2o"
    assert load_settings(webhook_url="https://hook.example.com/x").webhook_address() == (
        "https://hook.example.com/x")


@pytest.mark.parametrize("secret", ["Q", "A-z_0-9", "x" * 256])
def test_a_secret_token_of_telegrams_alphabet_is_taken(
    monkeypatch: pytest.MonkeyPatch, secret: str,
) -> None:
    monkeypatch.setenv("O2O_WEBHOOK_SECRET", secret)
    settings = load_settings()
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == secret
    assert f"={secret!r}" not in repr(settings) and "**" in repr(settings)  # never shown


@pytest.mark.parametrize("secret", ["x" * 257, "has space", "火锅", "' OR 1=1 --", "a/b",
                                    "emoji🍲"])
def test_a_secret_token_telegram_would_refuse_stops_start_up_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, secret: str,
) -> None:
    monkeypatch.setenv("O2O_WEBHOOK_SECRET", secret)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith("config error: O2O_WEBHOOK_SECRET:")
    assert secret not in str(caught.value)


@pytest.mark.parametrize(("key", "value"), [
    ("webhook_max_connections", "0"), ("webhook_max_connections", "101"),
    ("webhook_max_connections", "forty"), ("webhook_path", "no-slash"),
    ("webhook_path", "/a b"), ("webhook_url", "ftp://x"), ("redis_url", "127.0.0.1:6379"),
    ("redis_prefix", ""), ("redis_prefix", "with space"), ("webhook_update_lease_seconds", "1"),
])
def test_out_of_range_webhook_settings_name_their_key(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str,
) -> None:
    monkeypatch.setenv(f"O2O_{key.upper()}", value)
    with pytest.raises(ConfigError, match=f"^config error: O2O_{key.upper()}:"):
        load_settings()


def test_run_webhook_without_a_secret_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    env.update(O2O_BOT_TOKEN="123456:ABC", O2O_WEB_PORT="0", PYTHONPATH=str(ROOT),
               O2O_API_BASE="http://127.0.0.1:9")
    done = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--webhook", "--db",
                           str(tmp_path / "x.db")], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "O2O_WEBHOOK_SECRET: not set" in done.stderr
    assert "Traceback" not in done.stderr
