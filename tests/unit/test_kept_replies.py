"""A webhook turn's replies as the update-id ledger keeps them (`bot.transports.kept`):
what a worker that takes a delivery again, after the first one died mid-reply, sends."""

from __future__ import annotations

from bot.transports.kept import BYTES_KEPT_MAX, keep, restore
from handlers.core import (
    AnswerButton,
    AnswerPreCheckout,
    Button,
    Delivered,
    EditText,
    KeyButton,
    Notify,
    SendDocument,
    SendInvoice,
    SendPhoto,
    SendText,
    SendVenue,
    SetMenuButton,
)

CHAT = 6_001


def test_every_kind_of_message_comes_back_as_it_was_with_emoji_and_bytes() -> None:
    replies = [
        SendText("火锅 🍲 near you\n" + "👨‍👩‍👧" * 500,
                 buttons=((Button("海底捞 ¥88", data="d:12"), Button("Map", url="https://x.y/?a=1&b=ü")),),
                 keyboard=((KeyButton("📍 Share", request_location=True),),)),
        SendText("done", remove_keyboard=True),
        SendPhoto(b"\x89PNG\r\n\x1a\n\x00\xff" * 100, caption="🎫 1234-5678", filename="qr.png"),
        SendPhoto("AgACAgIAAxkBAAI-file-id", caption="a deal"),
        SendDocument(b"a,b\n1,2\n", "deals.csv", caption="CSV"),
        SendVenue(39.9, 116.4, "海底捞 (王府井)", "王府井大街 1 号"),
        EditText(77, "updated", buttons=((Button("x", data="y"),),)),
        SendInvoice("Deal", "desc", "order:5", "CNY", 8800, "¥88"),
        SetMenuButton("Open the shop", "https://shop.example/app/shop/hdl"),
        SetMenuButton(),
        Notify(7_002, (SendText("Someone redeemed"),)),
    ]
    kept = keep(CHAT, list(replies))
    assert kept is not None and "🍲" in kept  # characters as they are, not escaped
    assert restore(kept) == (CHAT, replies)


def test_answers_to_queries_are_not_kept_they_expire_within_seconds() -> None:
    assert keep(CHAT, [AnswerButton("q1", "ok"), AnswerPreCheckout("q2", True)]) is None
    kept = keep(CHAT, [AnswerButton("q1"), SendText("the card")])
    assert kept is not None and restore(kept)[1] == [SendText("the card")]


def test_an_outbox_row_sent_in_the_turn_stays_the_outboxs() -> None:
    # The owed code went to this chat (two messages), a notice to another (a Notify).
    replies = [SendText("Paid!"), SendPhoto(b"qr", caption="🎫"), SendText("code 2"),
               Delivered(1, 2), Notify(9, (SendText("keep me"),)),
               Notify(8, (SendText("owed a"), SendText("owed b"))), Delivered(2, 2)]
    kept = keep(CHAT, replies)
    assert kept is not None
    assert restore(kept)[1] == [SendText("Paid!"), Notify(9, (SendText("keep me"),))]
    assert keep(CHAT, [SendText("owed"), Delivered(3, 1)]) is None


def test_a_picture_too_large_to_keep_becomes_its_caption_or_nothing() -> None:
    big = b"\0" * (BYTES_KEPT_MAX + 1)
    buttons = ((Button("Buy", data="b:1"),),)
    kept = keep(CHAT, [SendPhoto(big, caption="A chart 📈", buttons=buttons),
                       SendDocument(big, "all.csv"),
                       SendPhoto(b"\0" * BYTES_KEPT_MAX, caption="just fits"),
                       Notify(5, (SendDocument(big, "x.csv"),))])
    assert kept is not None
    assert restore(kept)[1] == [SendText("A chart 📈", buttons=buttons),
                                SendPhoto(b"\0" * BYTES_KEPT_MAX, caption="just fits")]
