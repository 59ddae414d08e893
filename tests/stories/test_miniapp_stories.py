"""A merchant's Mini App storefront, through the bot's web server on SQLite and PostgreSQL:
a shopper browses, filters, buys, pays in the sandbox and gets the code in the chat;
forged, stale and missing launch data change nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.runtime import Runtime
from bot.web import build_web_app, pay_with_sandbox
from handlers.router import App
from services.marketing.coupons.parsing import parse_coupon
from services.marketing.coupons.templates import create_template
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.platform.users import demo_telegram_id, ensure_user
from storage.models import Coupon, Follow, Order
from tests.conftest import STORY_NOW
from tests.helpers.miniapp import TOKEN, launch_data, miniapp_runtime, tma
from tests.helpers.runtime import recording

ANN = 7_100_001


@pytest.fixture
async def shop(app: App) -> AsyncIterator[tuple[TestClient, Runtime]]:
    runtime = miniapp_runtime(app)
    runtime.app.payments = Payments("sandbox", {"sandbox": SandboxProvider("http://shop.test")})
    async with TestClient(TestServer(build_web_app(runtime))) as client:
        yield client, runtime


async def orders(app: App) -> int:
    async with app.db.reading() as conn:
        return (await conn.execute(select(func.count()).select_from(Order))).scalar_one()


async def test_a_plain_browser_sees_the_shop_read_only_with_a_way_into_telegram(
        shop: tuple[TestClient, Runtime]) -> None:
    client, _ = shop
    page = await client.get("/app/shop/haidilao")
    body = await page.text()
    assert page.status == 200
    assert "海底捞火锅" in body and "双人精品火锅套餐" in body
    assert "在 Telegram 中打开" in body and "https://t.me/o2o_demo_bot?start=shop_haidilao" in body
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self' https://telegram.org" in csp and "unsafe-inline" not in csp
    english = await client.get("/app/shop/haidilao", headers={"Accept-Language": "en-GB,en"})
    assert "Hotpot set for two, weekends too" in await english.text()
    detail = await client.get("/app/shop/haidilao?deal=1&lang=en")
    assert detail.status == 200
    for wrong in ("/app/shop/nobody", "/app/shop/HAIDILAO", "/app/shop/%F0%9F%8D%9C",
                  "/app/shop/" + "a" * 40, "/app/shop/x';DROP TABLE deals;--"):
        assert (await client.get(wrong)).status == 404
    css = await client.get("/app/static/app.css")
    assert css.status == 200 and "Content-Security-Policy" in css.headers


def yuan(text: str) -> float:
    return float(text.lstrip("¥").replace(",", ""))


async def test_filters_sort_and_pages_of_deals(shop: tuple[TestClient, Runtime]) -> None:
    client, _ = shop
    cheap_first = await (await client.get(
        "/app/api/shop/haidilao/deals?sort=price&lang=en")).json()
    prices = [yuan(d["price"]) for d in cheap_first["deals"]]
    assert cheap_first["total"] == len(prices) >= 3 and prices == sorted(prices)
    assert "<li class=\"deal\">" in cheap_first["html"]
    dear_first = await (await client.get("/app/api/shop/haidilao/deals?sort=price_desc")).json()
    assert [yuan(d["price"]) for d in dear_first["deals"]] == sorted(prices, reverse=True)
    under_200 = await (await client.get("/app/api/shop/haidilao/deals?max=200")).json()
    assert 0 < under_200["total"] < len(prices)
    assert all(yuan(d["price"]) <= 200 for d in under_200["deals"])
    none = await (await client.get("/app/api/shop/haidilao/deals?category=sushi")).json()
    assert none["total"] == 0 and none["deals"] == [] and none["next_offset"] is None
    for bad in ("sort=random", "offset=-1", "min=abc", "max=1e9", "offset=99999999"):
        answer = await client.get(f"/app/api/shop/haidilao/deals?{bad}")
        assert answer.status == 400, bad


async def test_buying_in_the_app_makes_the_order_the_chat_would_and_the_code_comes_to_chat(
        app: App, shop: tuple[TestClient, Runtime]) -> None:
    client, runtime = shop
    sent = recording(runtime)
    ann = tma(launch_data(ANN, STORY_NOW, lang="en"))
    deals = await (await client.get("/app/api/shop/chuanwei-chuanchuan/deals")).json()
    deal_id = deals["deals"][0]["id"]
    detail = await (await client.get(f"/app/api/deal/{deal_id}", headers=ann)).json()
    assert detail["on_sale"] and detail["most"] >= 1 and 'id="buy"' in detail["html"]
    assert detail["buy_texts"][0].startswith("Buy ·")
    bought = await client.post("/app/api/buy", json={"deal_id": deal_id, "quantity": 1},
                               headers=ann)
    answer = await bought.json()
    assert bought.status == 200, answer
    assert answer["pay_url"].startswith("http://shop.test/pay/")
    assert answer["status"] == "pending" and "pay on the page" in answer["message"]
    buyer = await ensure_user(app.db, ANN)
    async with app.db.session() as session:
        order = (await session.exec(select(Order).where(Order.user_id == buyer.id))).one()[0]
    assert order.provider == "sandbox" and order.status == "pending"
    token = answer["pay_url"].rsplit("/", 1)[1]
    outcome, _ = await pay_with_sandbox(runtime, token)
    assert outcome == "paid"
    chat_id, replies = sent[-1]
    assert chat_id == ANN and any("code" in str(r).lower() for r in replies)


async def test_forged_stale_missing_or_foreign_launch_data_buys_nothing(
        app: App, shop: tuple[TestClient, Runtime]) -> None:
    client, _ = shop
    body = {"deal_id": 1, "quantity": 1}
    genuine = launch_data(ANN, STORY_NOW)
    forged = genuine.replace("Ann", "Eve")  # the user changed after signing
    stale = launch_data(ANN, STORY_NOW, age=timedelta(hours=2))
    other_bot = launch_data(ANN, STORY_NOW, token="1:someone-else")
    for headers, reason in (({}, "missing"), (tma(forged), "bad_hash"),
                            (tma(stale), "stale"), (tma(other_bot), "bad_hash"),
                            ({"Authorization": genuine}, "missing"),
                            ({"Authorization": "tma "}, "missing")):
        answer = await client.post("/app/api/buy", json=body, headers=headers)
        assert answer.status == 401, reason
        assert (await answer.json())["reason"] == reason
    # Reading with launch data that does not check out is refused too.
    assert (await client.get("/app/api/shop/haidilao/deals", headers=tma(forged))).status == 401
    assert (await client.get("/app/api/me?slug=haidilao")).status == 401
    # Browsing accepts older data than buying does (a day), never forged data.
    assert (await client.get("/app/api/me?slug=haidilao", headers=tma(stale))).status == 200
    assert await orders(app) == 0


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[]", b'{"deal_id": "1", "quantity": 1}', b'{"deal_id": 1}',
    b'{"deal_id": 1, "quantity": true}', b'{"deal_id": 1, "quantity": 0}',
    b'{"deal_id": 1, "quantity": 100}', b'{"deal_id": 1.5, "quantity": 1}',
    b'{"deal_id": 1, "quantity": 1, "user_id": 1}', b'{"deal_id": 1, "quantity": 1, "x": "'
    + b"\xf0\x9f\x8d\x9c" * 2000 + b'"}', b"{\"deal_id\": \"1; DROP TABLE orders\"}",
])
async def test_a_buy_of_the_wrong_shape_is_refused_and_orders_nothing(
        app: App, shop: tuple[TestClient, Runtime], body: bytes) -> None:
    client, _ = shop
    headers = {**tma(launch_data(ANN, STORY_NOW)), "Content-Type": "application/json"}
    answer = await client.post("/app/api/buy", data=body, headers=headers)
    assert answer.status == 400
    assert await orders(app) == 0


async def test_a_sold_out_or_unknown_deal_is_refused_in_the_buyers_words(
        app: App, shop: tuple[TestClient, Runtime]) -> None:
    client, _ = shop
    answer = await client.post("/app/api/buy", json={"deal_id": 999_999, "quantity": 1},
                               headers=tma(launch_data(ANN, STORY_NOW, lang="en")))
    assert answer.status == 409
    assert (await answer.json())["message"] == "Sorry, this deal can't be bought any more."
    assert await orders(app) == 0


async def test_following_and_claiming_once_per_launch(
        app: App, shop: tuple[TestClient, Runtime]) -> None:
    client, _ = shop
    boss = await ensure_user(app.db, demo_telegram_id("haidilao-owner"))
    template_id = await create_template(app.db, boss.id, parse_coupon("满100减20"), STORY_NOW)
    assert isinstance(template_id, int)
    ann = tma(launch_data(ANN, STORY_NOW, lang="en"))
    page = await (await client.get("/app/shop/haidilao?lang=en")).text()
    assert f'data-template="{template_id}"' in page and "Coupon" in page
    me = await (await client.get("/app/api/me?slug=haidilao", headers=ann)).json()
    assert me["following"] is False and len(me["stores"]) >= 1
    merchant_id = json.loads(page.split('id="app-data">')[1].split("</script>")[0])["merchant_id"]
    for outcome in ("followed", "already"):
        done = await (await client.post("/app/api/follow", json={"merchant_id": merchant_id},
                                        headers=ann)).json()
        assert done["outcome"] == outcome
    me = await (await client.get("/app/api/me?slug=haidilao", headers=ann)).json()
    assert me["following"] is True
    for outcome in ("claimed", "already", "already"):  # taps of one launch: one coupon
        done = await (await client.post("/app/api/claim", json={"template_id": template_id},
                                        headers=ann)).json()
        assert done["outcome"] == outcome, done
    async with app.db.reading() as conn:
        assert (await conn.execute(select(func.count()).select_from(Follow))).scalar_one() >= 1
        mine = (await conn.execute(select(func.count()).select_from(Coupon).where(
            Coupon.template_id == template_id))).scalar_one()
    assert mine == 1
    assert TOKEN  # the runtime's token signed the data above


async def test_the_storefront_message_opens_the_mini_app_when_served_over_https(
        app: App) -> None:
    from dataclasses import replace

    from tests.conftest import Chat

    chat = Chat(app)
    await chat.say("/start shop_haidilao")
    assert not [b for b, _ in chat.buttons if b.web_app]  # http: Telegram would refuse it
    app.options = replace(app.options, miniapp_base="https://shop.example")
    await chat.say("/start shop_haidilao")
    opens = [b for b, _ in chat.buttons if b.web_app]
    assert [b.url for b in opens] == ["https://shop.example/app/shop/haidilao"]
    assert opens[0].text == "🛍 打开商城"
