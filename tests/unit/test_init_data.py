"""A Mini App's launch data is trusted only when Telegram signed it for this bot, lately.

The data here is signed with a test token exactly as Telegram signs it
(`sign_init_data`); each refusal is a story of someone trying their luck.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.platform.init_data import (
    INIT_DATA_MAX,
    InitDataError,
    check_string,
    sign_init_data,
    validate_init_data,
)

TOKEN = "123456789:AAH-test-token-for-mini-app-stories_x"
OTHER_TOKEN = "987654321:AAH-someone-elses-bot-token-000000_y"
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ANN = {"id": 7001, "first_name": "Ann 🍜", "last_name": "李", "username": "ann",
       "language_code": "en", "photo_url": "https://t.me/i/userpic/320/ann.svg"}


def launch(**extra: str) -> dict[str, str]:
    fields = {"query_id": "AAH7", "auth_date": str(int(NOW.timestamp()) - 60),
              "user": json.dumps(ANN, ensure_ascii=False, separators=(",", ":"))}
    fields.update(extra)
    return fields


def refused(raw: str, *, token: str = TOKEN, max_age: timedelta = HOUR,
            public_key: str | None = None) -> str:
    with pytest.raises(InitDataError) as caught:
        validate_init_data(raw, token, NOW, max_age, public_key)
    return caught.value.reason


def test_data_signed_for_this_bot_names_its_user_and_launch() -> None:
    got = validate_init_data(sign_init_data(launch(), TOKEN), TOKEN, NOW, HOUR, None)
    assert got.user is not None and got.user.telegram_id == 7001
    assert got.user.first_name == "Ann 🍜" and got.user.language_code == "en"
    assert got.query_id == "AAH7" and got.start_param is None
    assert got.auth_date == NOW - timedelta(seconds=60)


def test_every_launch_mode_is_read() -> None:
    direct = launch(start_param="shop_haidilao")
    del direct["query_id"]  # a direct link has no query_id
    got = validate_init_data(sign_init_data(direct, TOKEN), TOKEN, NOW, HOUR, None)
    assert got.query_id is None and got.start_param == "shop_haidilao"
    ios = launch(chat_instance="-8812", chat_type="sender")
    del ios["query_id"]  # iOS sends the chat instead
    got = validate_init_data(sign_init_data(ios, TOKEN), TOKEN, NOW, HOUR, None)
    assert got.chat_type == "sender" and got.chat_instance == "-8812"
    inline = launch()
    del inline["user"]  # an inline-mode button carries no user
    assert validate_init_data(sign_init_data(inline, TOKEN), TOKEN, NOW, HOUR, None).user is None


def test_escaped_slashes_in_the_user_are_checked_as_they_came() -> None:
    """Telegram sent photo_url with \\/ in late 2024; re-encoding the JSON broke checks."""
    user = json.dumps(ANN, separators=(",", ":")).replace("/", "\\/")
    got = validate_init_data(sign_init_data(launch(user=user), TOKEN), TOKEN, NOW, HOUR, None)
    assert got.user is not None and got.user.telegram_id == 7001


def test_missing_empty_and_hashless_data_are_refused() -> None:
    assert refused("") == "missing"
    unsigned = urlencode(launch())
    assert refused(unsigned) == "no_hash"
    assert refused(unsigned + "&hash=") == "no_hash"
    assert refused(unsigned + "&hash=" + "z" * 64) == "bad_hash"


def test_data_signed_for_another_bot_or_changed_after_signing_is_refused() -> None:
    assert refused(sign_init_data(launch(), OTHER_TOKEN)) == "bad_hash"
    genuine = dict(parse_qsl(sign_init_data(launch(), TOKEN)))
    genuine["user"] = genuine["user"].replace("7001", "7002")  # someone else's account
    assert refused(urlencode(genuine)) == "bad_hash"
    upper = dict(parse_qsl(sign_init_data(launch(), TOKEN)))
    upper["hash"] = upper["hash"].upper()
    assert refused(urlencode(upper)) == "bad_hash"


def test_a_duplicated_key_is_refused_whichever_copy_was_signed() -> None:
    signed = sign_init_data(launch(), TOKEN)
    assert refused(signed + "&user=" + quote('{"id":1}')) == "duplicate_key"
    assert refused("user=" + quote('{"id":1}') + "&" + signed) == "duplicate_key"


def test_old_data_replayed_is_refused_and_data_from_the_future_too() -> None:
    old = sign_init_data(launch(auth_date=str(int((NOW - 2 * HOUR).timestamp()))), TOKEN)
    assert refused(old) == "stale"
    # The same data is good for a longer limit (browsing, say).
    assert validate_init_data(old, TOKEN, NOW, 3 * HOUR, None).user is not None
    future = sign_init_data(launch(auth_date=str(int((NOW + HOUR).timestamp()))), TOKEN)
    assert refused(future) == "from_future"
    for stamp in ("", "yesterday", "-5", "1e9", "١٢٣", "9" * 40):
        assert refused(sign_init_data(launch(auth_date=stamp), TOKEN)) == "no_auth_date"


@pytest.mark.parametrize("user", [
    "", "[]", "null", '"7001"', '{"id":"7001"}', '{"id":true}', '{"id":7001.5}', '{"id":-3}',
    '{"name":"no id"}', "{'id': 1}", '{"id":1' + " " * 3000 + "}",
    "' OR 1=1; DROP TABLE users; --",
])
def test_a_user_of_the_wrong_shape_is_refused_even_when_signed(user: str) -> None:
    assert refused(sign_init_data(launch(user=user), TOKEN)) == "bad_user"


def test_huge_and_malformed_data_is_refused_before_any_hashing() -> None:
    assert refused("a=" + "x" * INIT_DATA_MAX) == "too_big"
    assert refused("%ZZ=1&hash=" + "0" * 64) == "bad_hash"  # kept as typed, then unsigned
    assert refused("&".join(f"k{i}=v" for i in range(40))) == "malformed"
    assert refused("user=%ff%fe&hash=" + "0" * 64) == "malformed"  # not UTF-8
    assert refused("just text") == "malformed"


def test_the_ed25519_signature_is_checked_when_present() -> None:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    signed = sign_init_data(launch(), TOKEN, private)
    assert "signature=" in signed
    got = validate_init_data(signed, TOKEN, NOW, HOUR, public)
    assert got.user is not None
    # The HMAC stays valid but the signature is someone else's key's.
    stranger = Ed25519PrivateKey.generate()
    fields = dict(parse_qsl(sign_init_data(launch(), TOKEN, stranger)))
    assert refused(sign_init_data(fields, TOKEN), public_key=public) == "bad_signature"
    fields["signature"] = "not base64 at all!"
    assert refused(sign_init_data(fields, TOKEN), public_key=public) == "bad_signature"


def test_the_signature_stays_in_the_hmac_and_only_hash_is_left_out() -> None:
    fields = {"b": "2", "a": "1", "signature": "sig", "hash": "h"}
    assert check_string(fields) == "a=1\nb=2\nsignature=sig"
    assert check_string(fields, drop=("hash", "signature")) == "a=1\nb=2"
