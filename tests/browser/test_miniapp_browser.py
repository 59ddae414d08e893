"""A shopper opens a merchant's Mini App in Telegram (headless chromium at 360 px, the
real telegram-web-app.js, a recorded Telegram app around it): filters, opens a deal,
buys it with Telegram's MainButton, pays in the sandbox and gets the code in the chat;
follows; the theme and language follow Telegram. Forged and stale launch data are
refused; outside Telegram the shop is read-only. Screenshots go to test-artifacts/."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.payments import pay_with_sandbox
from handlers.core import SendPhoto, SendText
from handlers.router import App
from services.platform.users import ensure_user
from storage.models import Order
from tests.browser.conftest import ARTIFACTS, DARK, Served

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db", ["sqlite"], indirect=True)]

ANN = 7_200_001


async def events(page: Any, kind: str) -> list[dict]:
    """What the page asked the Telegram app to do, of one kind, in order."""
    return [data for name, data in await page.evaluate("window.__events") if name == kind]


async def telegram_sends(page: Any, kind: str, data: dict | None = None) -> None:
    """The Telegram app sends the page an event (a button pressed, the theme changed)."""
    await page.evaluate("([k, d]) => Telegram.WebView.receiveEvent(k, d)", [kind, data])


async def until(page: Any, expression: str, seconds: float = 5.0) -> None:
    """Wait until `expression` is true in the page. (Playwright's wait_for_function
    evaluates a string, which the page's content-security policy rightly forbids.)"""
    for _ in range(int(seconds / 0.05)):
        if await page.evaluate(expression):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {expression}")


async def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


async def test_a_shopper_filters_buys_with_the_main_button_and_gets_the_code_in_chat(
        app: App, served: Served, phone: Any) -> None:
    page = phone
    await page.goto(served.shop("haidilao", served.launch(ANN, lang="en")))
    await page.wait_for_selector("html.in-telegram")
    assert await page.locator("h1").inner_text() == "Haidilao Hotpot"  # the user's language
    assert await page.locator("#outside").is_hidden()
    assert await page.locator("#follow").is_visible()
    assert await page.evaluate("Telegram.WebApp.initDataUnsafe.user.id") == ANN
    await shot(page, "shop-360-light")

    # Filter: cheapest first, at most ¥200.
    before = await page.locator("#deals li").count()
    await page.select_option("#f-sort", "price")
    await page.fill("#f-max", "200")
    await page.click("#filters button[type=submit]")
    await until(page, f"document.querySelectorAll('#deals li').length < {before}")
    assert "deal" in await page.locator("#count").inner_text()
    assert "lang=" not in page.url  # filtered in place, no reload

    # Open the first deal: Telegram's BackButton and MainButton appear.
    await page.locator("a.deal-link").first.click()
    await page.wait_for_selector("#detail:not([hidden]) .deal-detail")
    assert await page.evaluate("document.activeElement.id") == "detail-title"
    back = await events(page, "web_app_setup_back_button")
    main = await events(page, "web_app_setup_main_button")
    assert back[-1]["is_visible"] is True
    assert main[-1]["is_visible"] is True and main[-1]["text"].startswith("Buy · ¥")
    await shot(page, "deal-360-light")

    # Telegram's MainButton pressed: the order is made and the sandbox page opened.
    await telegram_sends(page, "main_button_pressed")
    await until(page,
                "window.__events.some(e => e[0] === 'web_app_open_link')")
    opened = (await events(page, "web_app_open_link"))[-1]["url"]
    assert opened.startswith(served.url + "/pay/")
    assert "pay on the page" in await page.locator("#status").inner_text()
    buyer = await ensure_user(app.db, ANN)
    async with app.db.session() as session:
        order = (await session.exec(select(Order).where(Order.user_id == buyer.id))).one()[0]
    assert order.status == "pending" and order.provider == "sandbox"

    # The sandbox page takes the money; the code arrives in the chat.
    outcome, _ = await pay_with_sandbox(served.runtime, opened.rsplit("/", 1)[1])
    assert outcome == "paid"
    chat, replies = served.sent[-1]
    assert chat == ANN
    assert any(isinstance(r, SendPhoto | SendText) for r in replies)

    # BackButton: back to the shop, Telegram's buttons hidden again.
    await telegram_sends(page, "back_button_pressed")
    await page.wait_for_selector("#shop:not([hidden])")
    assert (await events(page, "web_app_setup_main_button"))[-1]["is_visible"] is False

    # Follow.
    await page.click("#follow")
    await until(page, "document.querySelector('#follow').textContent === 'Following'")
    assert await page.get_attribute("#follow", "aria-pressed") == "true"


async def test_theme_and_language_follow_telegram(served: Served, phone: Any) -> None:
    page = phone
    await page.goto(served.shop("haidilao", served.launch(ANN, lang="zh")))
    await page.wait_for_selector("html.in-telegram")
    assert await page.locator("h1").inner_text() == "海底捞火锅"
    light = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    await telegram_sends(page, "theme_changed", {"theme_params": DARK})
    await until(page, "document.documentElement.dataset.theme === 'dark'")
    dark = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (light, dark) == ("rgb(255, 255, 255)", "rgb(33, 33, 33)")
    await shot(page, "shop-360-dark")
    # The language switch: English, and the launch still signed in.
    await page.click("#lang")
    await page.wait_for_selector("html.in-telegram")
    assert await page.locator("h1").inner_text() == "Haidilao Hotpot"
    assert await page.locator("#follow").inner_text() == "Follow"


async def test_forged_and_stale_launch_data_are_refused(served: Served, phone: Any) -> None:
    page = phone
    forged = served.launch(ANN, lang="en").replace("Ann", "Eve")
    await page.goto(served.shop("haidilao", forged))
    await page.wait_for_selector("html.in-telegram")
    await page.click("#follow")
    status = page.locator("#status")
    await until(page, "document.querySelector('#status').textContent.length > 0")
    assert "sign-in ran out" in await status.inner_text()
    await page.evaluate("sessionStorage.clear()")
    stale = served.launch(ANN, lang="en", age=timedelta(hours=2))
    await page.goto(served.shop("haidilao", stale, query="?lang=en"))
    await page.wait_for_selector("html.in-telegram")
    await page.locator("a.deal-link").first.click()
    await page.wait_for_selector("#detail:not([hidden]) .deal-detail")
    await telegram_sends(page, "main_button_pressed")
    await until(page, "document.querySelector('#status').textContent"
                                 ".includes('sign-in ran out')")
    assert await events(page, "web_app_open_link") == []
    async with served.runtime.db.session() as session:
        assert (await session.exec(select(Order))).all() == []


async def test_outside_telegram_the_shop_is_read_only(served: Served, phone: Any) -> None:
    page = phone
    await page.goto(served.shop("haidilao", None, query="?lang=en"))
    await page.wait_for_load_state("networkidle")
    assert await page.locator("#outside").is_visible()
    link = page.locator("#outside a")
    assert await link.get_attribute("href") == "https://t.me/o2o_demo_bot?start=shop_haidilao"
    assert await page.locator("#follow").is_hidden()
    await page.locator("a.deal-link").first.click()  # a plain link: the detail page
    await page.wait_for_selector(".deal-detail")
    assert await page.locator("#buy").is_hidden()
    assert await page.locator(".outside-only").is_visible()


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_no_serious_accessibility_problem(served: Served, phone: Any,
                                                theme: str) -> None:
    page = phone
    colours = DARK if theme == "dark" else None
    address = served.shop("haidilao", served.launch(ANN, lang="en"),
                          **({"theme": colours} if colours else {}))
    await page.goto(address)
    await page.wait_for_selector("html.in-telegram")
    await page.add_script_tag(url=served.url + "/__tests__/axe.min.js")
    for view in ("shop", "detail"):
        if view == "detail":
            await page.locator("a.deal-link").first.click()
            await page.wait_for_selector("#detail:not([hidden]) .deal-detail")
        found = await page.evaluate("axe.run(document).then(r => r.violations.map("
                                    "v => ({id: v.id, impact: v.impact, n: v.nodes.length,"
                                    " where: v.nodes.map(n => n.target.join(' ') + ': '"
                                    " + n.failureSummary.slice(-90))})))")
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        assert not serious, json.dumps(serious, ensure_ascii=False, indent=1)
