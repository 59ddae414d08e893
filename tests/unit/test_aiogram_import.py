"""`o2o run` imports aiogram with its models built on first use (bot/aiogram_import.py):
every model still builds when used, and updates read the same as with aiogram's own
import. Each check runs in a fresh interpreter, where aiogram is not imported yet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What Telegram sends the bot: a text, a button press on a message with a keyboard, a
# shared location, a payment, an inline query.
UPDATES = [
    {"update_id": 1, "message": {
        "message_id": 7, "date": 1765000000, "text": "/start deal_12",
        "chat": {"id": 5001, "type": "private", "first_name": "Ann"},
        "from": {"id": 5001, "is_bot": False, "first_name": "Ann", "language_code": "zh"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}},
    {"update_id": 2, "callback_query": {
        "id": "q1", "chat_instance": "c", "data": "dp:12",
        "from": {"id": 5001, "is_bot": False, "first_name": "Ann"},
        "message": {"message_id": 8, "date": 1765000001, "text": "火锅",
                    "chat": {"id": 5001, "type": "private"},
                    "from": {"id": 424242, "is_bot": True, "first_name": "O2O"},
                    "reply_markup": {"inline_keyboard": [[
                        {"text": "买", "callback_data": "dp:12"},
                        {"text": "网页", "url": "https://example.com"}]]}}}},
    {"update_id": 3, "message": {
        "message_id": 9, "date": 1765000002, "location": {"latitude": 26.08, "longitude": 119.3},
        "chat": {"id": 5001, "type": "private"},
        "from": {"id": 5001, "is_bot": False, "first_name": "Ann"}}},
    {"update_id": 4, "message": {
        "message_id": 10, "date": 1765000003, "chat": {"id": 5001, "type": "private"},
        "from": {"id": 5001, "is_bot": False, "first_name": "Ann"},
        "successful_payment": {"currency": "CNY", "total_amount": 8800,
                               "invoice_payload": "order:3",
                               "telegram_payment_charge_id": "t1",
                               "provider_payment_charge_id": "p1"}}},
    {"update_id": 5, "inline_query": {
        "id": "iq", "query": "火锅", "offset": "",
        "from": {"id": 5001, "is_bot": False, "first_name": "Ann"}}},
]

_READ_UPDATES = """
import json, sys
from aiogram.methods import GetUpdates
from aiogram.methods.base import Response
response = Response[GetUpdates.__returning__].model_validate(
    {"ok": True, "result": json.loads(sys.stdin.read())})
print(json.dumps([u.model_dump(mode="json", exclude_none=True) for u in response.result]))
"""


def _python(code: str, stdin: str = "") -> str:
    done = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_every_telegram_type_and_method_builds_when_first_used() -> None:
    out = _python("""
import pydantic
from bot.aiogram_import import _subclasses, import_aiogram
import_aiogram()
models = [m for m in _subclasses(pydantic.BaseModel) if m.__module__.startswith("aiogram.")
          and not m.__pydantic_generic_metadata__["parameters"]]
waiting = [m for m in models if not m.__pydantic_complete__]
def use(model):
    model.__pydantic_validator__.validate_python  # what first use does: build it
def main():  # pydantic's deferred build reads the frame five calls up
    for model in waiting:
        use(model)
main()
unbuilt = [m.__qualname__ for m in models if not m.__pydantic_complete__]
print(len(models), len(waiting), unbuilt)
""")
    models, waiting, unbuilt = out.split(maxsplit=2)
    assert int(waiting) > 400 and int(models) >= int(waiting)  # the import left them
    assert unbuilt.strip() == "[]"


def test_updates_read_the_same_as_with_aiograms_own_import() -> None:
    updates = json.dumps(UPDATES)
    eager = json.loads(_python(_READ_UPDATES, updates))
    deferred = json.loads(_python(
        "from bot.aiogram_import import import_aiogram\nimport_aiogram()\n" + _READ_UPDATES,
        updates))
    assert deferred == eager
    assert deferred[1]["callback_query"]["message"]["reply_markup"]["inline_keyboard"][0][1][
        "url"] == "https://example.com"
