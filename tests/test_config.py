"""Configuration: defaults, the TOML file, environment overrides, one-line errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("O2O_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_the_embedded_sqlite_setup() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///o2o.db"
    assert settings.bot_token is None
    assert settings.default_language == "zh"


def test_the_environment_beats_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.toml").write_text('default_language = "en"\nsearch_page_size = 7\n')
    monkeypatch.setenv("O2O_SEARCH_PAGE_SIZE", "3")
    settings = load_settings()
    assert settings.default_language == "en"
    assert settings.search_page_size == 3


def test_a_plain_postgres_url_gets_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("O2O_DATABASE_URL", "postgresql://u@127.0.0.1/db")
    assert load_settings().database_url == "postgresql+asyncpg://u@127.0.0.1/db"


@pytest.mark.parametrize(
    "env,value,needle",
    [
        ("O2O_DATABASE_URL", "mysql://x", "O2O_DATABASE_URL"),
        ("O2O_SEARCH_PAGE_SIZE", "many", "O2O_SEARCH_PAGE_SIZE"),
        ("O2O_DEFAULT_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("O2O_BOT_TOKEN", "not-a-token", "O2O_BOT_TOKEN"),
        ("O2O_DEFAULT_LANGUAGE", "fr", "O2O_DEFAULT_LANGUAGE"),
    ],
)
def test_a_bad_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, needle: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert needle in message and "\n" not in message


def test_an_unknown_key_in_the_file_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("databse_url = 'x'\n")
    with pytest.raises(ConfigError, match=r"bad.toml: databse_url: unknown setting"):
        load_settings(path)


def test_a_broken_toml_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)


def test_the_cli_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    env["O2O_SEARCH_PAGE_SIZE"] = "0"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "shell", "--db", str(tmp_path / "x.db")],
        input="", capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "O2O_SEARCH_PAGE_SIZE" in result.stderr


def test_run_without_a_token_explains_itself(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--db", str(tmp_path / "x.db")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )
    assert result.returncode == 2
    assert "O2O_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_config_example_documents_every_setting_with_its_default() -> None:
    example_text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    example = tomllib.loads(example_text)
    for name, field in Settings.model_fields.items():
        if field.default is None:  # secrets: documented as comments only
            assert re.search(rf"^# {name} = ", example_text, re.M), name
            continue
        assert name in example, f"{name} missing from config.example.toml"
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        assert example[name] == default, name
    assert set(example) <= set(Settings.model_fields)


def test_stripe_as_the_payment_provider_needs_both_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.runtime import build_payments

    monkeypatch.setenv("O2O_PAYMENT_PROVIDER", "stripe")
    with pytest.raises(ConfigError, match="O2O_STRIPE_SECRET_KEY"):
        build_payments(load_settings(None))
    monkeypatch.setenv("O2O_STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("O2O_STRIPE_WEBHOOK_SECRET", "whsec_x")
    payments = build_payments(load_settings(None))
    assert payments.current.name == "stripe"
    assert {"sandbox", "telegram", "stripe"} <= set(payments.providers)


def test_the_sandbox_is_the_default_payment_provider() -> None:
    from bot.runtime import build_payments

    payments = build_payments(load_settings(None))
    assert payments.current.name == "sandbox"
