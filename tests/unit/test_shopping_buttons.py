"""A shopper's buttons already on screen keep working: each declared shopping button
packs to exactly the data earlier versions drew by hand, and that data unpacks back
into the same button."""

from __future__ import annotations

import pytest

from handlers.buttons import Payload
from handlers.payloads import (
    AroundPlace,
    AskRefund,
    Buy,
    BuyQuantity,
    CancelOrder,
    ChangeCoupon,
    ChooseCoupon,
    ChooseLanguage,
    ChooseReading,
    ClaimPushedCoupon,
    FollowMerchant,
    MenuChoice,
    OpenNowToggle,
    OpenStorefront,
    RateVisit,
    RefundAll,
    RefundOne,
    ResultsPage,
    SearchCategory,
    SettingsPress,
    ShareDeal,
    ShowCode,
    ShowDeal,
    SortResults,
    UnfollowMerchant,
    UseLastLocation,
    ViewPushedDeal,
    WiderSearch,
)

AS_DRAWN_BEFORE: list[tuple[Payload, str]] = [
    (SearchCategory("milk_tea"), "cat:milk_tea"),
    (ResultsPage(31, 2), "sp:31:2"),
    (ShowDeal(12), "d:12"),
    (ShowDeal(12, 31, 0), "d:12:31:0"),
    (WiderSearch(31), "sw:31"),
    (UseLastLocation(31), "ul:31"),
    (AroundPlace(4), "pl:4"),
    (SortResults(31, "biggest_discount"), "so:31:biggest_discount"),
    (OpenNowToggle(31), "op:31"),
    (FollowMerchant(7), "f:7"),
    (UnfollowMerchant(7), "uf:7"),
    (ShareDeal(12), "sh:12"),
    (ChooseReading("search_deals"), "nlu:search_deals"),
    (Buy(12), "b:12"),
    (BuyQuantity(12, 3), "bq:12:3"),
    (CancelOrder(88), "oc:88"),
    (ChangeCoupon(88), "ch:88"),
    (ChooseCoupon(88, 5), "chc:88:5"),
    (ChooseCoupon(88, 0), "chc:88:0"),
    (ShowCode(40), "mc:40"),
    (AskRefund(40), "rq:40"),
    (RefundOne(40, 4900), "r1:40:4900"),
    (RefundAll(40, 2, 9800), "ra:40:2:9800"),
    (RateVisit(40, 5), "rt:40:5"),
    (MenuChoice("settings"), "menu:settings"),
    (OpenStorefront("haidilao"), "sf:haidilao"),
    (ChooseLanguage("auto"), "lang:auto"),
    (SettingsPress("pause"), "set:pause"),
    (SettingsPress("tz"), "set:tz"),
    (SettingsPress("max", 2), "set:max:2"),
    (SettingsPress("quiet", 1320, 480), "set:quiet:1320:480"),
    (ClaimPushedCoupon(17), "pc:17"),
    (ViewPushedDeal(17), "pv:17"),
]


@pytest.mark.parametrize(("button", "data"), AS_DRAWN_BEFORE, ids=[d for _, d in AS_DRAWN_BEFORE])
def test_a_shopping_button_packs_as_it_was_drawn_before(button: Payload, data: str) -> None:
    assert button.pack() == data
    assert type(button).unpack(data) == button


def test_no_quiet_hours_is_a_window_of_nothing_not_a_word() -> None:
    """The Off button carries the window 0-0 (no quiet hours), which the settings also
    accepted before; the word "off" of older buttons does not unpack (a stale press)."""
    assert SettingsPress("quiet", 0, 0).pack() == "set:quiet:0:0"
    assert SettingsPress.unpack("set:quiet:off") is None
