"""Configuration: defaults, the TOML file, environment overrides, one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import types
import typing
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


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


# ------------------------------------------------- lists and tables from the environment

# Items the tests write for each element type; a setting with another type fails below
# until a sample is added here, so no list or table setting goes untested.
SAMPLE_ITEMS: dict[object, tuple[object, object]] = {int: (123, 456), str: ("ab", "cd"),
                                                     float: (1.5, 2.0)}


def _collection_settings() -> dict[str, tuple[type, tuple[object, ...]]]:
    """Every list- or dict-typed setting of the model: name -> (list or dict, item types)."""
    found: dict[str, tuple[type, tuple[object, ...]]] = {}
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(inner) == 1:
            annotation = inner[0]
        origin = typing.get_origin(annotation) or annotation
        if origin in (list, tuple, set, frozenset):
            found[name] = (list, typing.get_args(annotation))
        elif origin is dict:
            found[name] = (dict, typing.get_args(annotation))
    return found


COLLECTIONS = _collection_settings()


def test_admin_ids_is_among_the_list_settings() -> None:
    assert COLLECTIONS["admin_ids"][0] is list


def _samples(kind: type, items: tuple[object, ...]) -> tuple[object, list[str], str]:
    """The value, how to write it comma-separated, and as JSON."""
    if kind is dict:
        keys, values = SAMPLE_ITEMS[items[0]], SAMPLE_ITEMS[items[1]]
        value: object = dict(zip(keys, values, strict=True))
        return value, [f"{k}={v}" for k, v in zip(keys, values, strict=True)], json.dumps(value)
    first, second = SAMPLE_ITEMS[items[0]]
    return [first, second], [str(first), str(second)], json.dumps([first, second])


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_every_list_setting_reads_commas_json_and_empty_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    kind, items = COLLECTIONS[name]
    value, parts, as_json = _samples(kind, items)
    env = f"O2O_{name.upper()}"
    for written in (",".join(parts), " , ".join(parts), as_json):
        monkeypatch.setenv(env, written)
        assert getattr(load_settings(), name) == value, written
    for written in ("", "  ", "[]" if kind is list else "{}"):
        monkeypatch.setenv(env, written)
        assert not getattr(load_settings(), name), written
    monkeypatch.setenv(env, parts[0])
    assert len(getattr(load_settings(), name)) == 1


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_a_bad_list_setting_is_one_line_with_an_example(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    kind, items = COLLECTIONS[name]
    _, parts, as_json = _samples(kind, items)
    env = f"O2O_{name.upper()}"
    bad = [as_json[:-1], "1,,2", "{}" if kind is list else "[]"]
    if kind is dict:
        bad.append("no-equals-sign")
    if (items[-1] if kind is dict else items[0]) in (int, float):
        last = (parts[-1].split("=")[0] + "=" if kind is dict else "") + "twelve"
        bad.append(",".join([*parts[:-1], last]))  # an item that is not a number
    for written in bad:
        monkeypatch.setenv(env, written)
        with pytest.raises(ConfigError) as info:
            load_settings()
        message = str(info.value)
        assert message.startswith(f"config error: {env}: "), message
        assert "\n" not in message
        assert f"write it like {env}=" in message, message  # an example of the format


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_the_cli_exits_2_on_a_bad_list_and_starts_with_a_good_one(
    tmp_path: Path, name: str
) -> None:
    kind, items = COLLECTIONS[name]
    _, parts, _ = _samples(kind, items)
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    key = f"O2O_{name.upper()}"
    for written, code in ((",".join(parts), 0), ("", 0), ("[1,", 2)):
        env[key] = written
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "shell", "--db", str(tmp_path / "x.db")],
            input="", capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
        )
        assert result.returncode == code, (written, result.stderr[-2000:])
        assert "Traceback" not in result.stderr, result.stderr[-2000:]
        if code == 2:
            assert result.stderr.strip().count("\n") == 0
            assert result.stderr.startswith(f"config error: {key}: ")
            assert f"write it like {key}=" in result.stderr


def test_a_list_in_the_file_is_explained_in_the_files_own_spelling(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('admin_ids = [123, "boss"]\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == (
        f"config error: {path}: admin_ids: item 2 ('boss'): Input should be a valid integer, "
        "unable to parse string as an integer; write it like admin_ids = [123, 456]"
    )
    path.write_text("admin_ids = [123, 456]\n")
    assert load_settings(path).admin_ids == [123, 456]
