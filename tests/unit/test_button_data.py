"""Typed button data: declared once, packed and unpacked by the router, and never more
than Telegram's 64 bytes."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest

from handlers.app import build_router
from handlers.buttons import CALLBACK_DATA_MAX, Payload, Word


class _Card(Payload, prefix="tcard"):
    deal_id: int
    search_id: int | None = None
    page: int = 0


class _Choice(Payload, prefix="tchoice"):
    action: Literal["pause", "resume"]
    key: Annotated[str, Word(8)] = "none"
    sure: bool = False


def test_a_button_packs_to_its_prefix_and_fields_and_back() -> None:
    card = _Card(12, 345, 2)
    assert card.pack() == "tcard:12:345:2"
    assert _Card.unpack("tcard:12:345:2") == card
    assert _Card.unpack("tcard:12") == _Card(12)
    assert _Choice.unpack(_Choice("resume", "tz", True).pack()) == _Choice("resume", "tz", True)


@pytest.mark.parametrize("forged", [
    "", "tcard", "tcard:", "tcard:-1", "tcard:1.5", "tcard:abc", "tcard:１２",
    "tcard:1234567890123", "tcard:1:2:3:4", "tcard:1' OR 1=1 --", "tcard:🍲",
    "other:1", "tcard:12:x",
])
def test_forged_or_stale_data_does_not_unpack(forged: str) -> None:
    assert _Card.unpack(forged) is None


@pytest.mark.parametrize("forged", ["tchoice:delete", "tchoice:pause:a:b:c",
                                    "tchoice:pause:way-too-long-key", "tchoice:pause:x:2"])
def test_a_choice_outside_the_declared_ones_does_not_unpack(forged: str) -> None:
    assert _Choice.unpack(forged) is None


def test_a_button_that_could_outgrow_64_bytes_is_refused_when_declared() -> None:
    with pytest.raises(TypeError, match="64"):
        class _TooBig(Payload, prefix="tbig"):
            a: int
            b: int
            c: int
            d: int
            e: int


def test_a_field_type_that_cannot_go_in_button_data_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot go in button data"):
        class _Free(Payload, prefix="tfree"):
            text: str


def test_two_buttons_cannot_share_a_prefix() -> None:
    with pytest.raises(TypeError, match="taken"):
        class _Again(Payload, prefix="tcard"):
            other: int


def test_packing_a_value_the_field_cannot_carry_fails_loudly() -> None:
    with pytest.raises(ValueError):
        _Card(-5).pack()
    with pytest.raises(ValueError):
        _Choice("delete").pack()  # type: ignore[arg-type]


def test_every_declared_button_of_the_assistant_fits_in_64_bytes() -> None:
    buttons = [r.payload for r in build_router().routes() if r.payload is not None]
    assert buttons, "the route table declares its buttons"
    for payload in buttons:
        assert payload.widest() <= CALLBACK_DATA_MAX
        example = payload.example()
        assert payload.unpack(example.pack()) == example


class _Stars(Payload, prefix="tstars"):
    stars: Literal[1, 2, 3, 4, 5]


def test_a_choice_of_numbers_comes_back_as_the_number() -> None:
    assert _Stars(5).pack() == "tstars:5"
    assert _Stars.unpack("tstars:5") == _Stars(5)
    assert _Stars.unpack("tstars:6") is None
    assert _Stars.unpack("tstars:05") is None
