"""The Mini App's Telegram parts, through the bot's web server and the Bot API stand-in,
on SQLite and PostgreSQL: buying with Telegram Payments opens an invoice link in the page
(createInvoiceLink), deal photos come from Telegram once and are kept within a bound,
and the stores are listed nearest first from the place the page sends or the last one
shared in the chat."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from sqlalchemy import update
from sqlmodel import select

from bot.miniapp.botapi import BotApi
from bot.miniapp.photos import PhotoCache, PhotoUnavailable
from bot.runtime import Runtime
from bot.web import build_web_app
from handlers.core import SendInvoice
from handlers.router import App
from services.catalog.locations import remember_location
from services.payments import Payments
from services.payments.telegram import TelegramProvider
from services.platform.users import ensure_user
from standins import BotApiStandin
from storage.models import Deal, Order
from tests.conftest import STORY_NOW
from tests.helpers.miniapp import TOKEN, launch_data, miniapp_runtime, tma
from tests.helpers.runtime import recording

BEA = 7_300_001
KUAIAN = (26.02510, 119.41930)  # at Haidilao's Kuai'an store


@dataclass
class Shop:
    client: TestClient
    runtime: Runtime
    telegram: BotApiStandin
    photos: Path


@pytest.fixture
async def shop(app: App, tmp_path: Path) -> AsyncIterator[Shop]:
    async with BotApiStandin(token=TOKEN) as telegram:
        runtime = miniapp_runtime(app, api_base=telegram.base_url,
                                  miniapp_photo_dir=str(tmp_path / "photos"))
        runtime.app.payments = Payments("telegram", {"telegram": TelegramProvider()})
        async with TestClient(TestServer(build_web_app(runtime))) as client:
            yield Shop(client, runtime, telegram, tmp_path / "photos")


def jpeg(width: int, height: int, colour: str = "orange", kind: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, kind)
    return out.getvalue()


async def haidilao_deals(app: App) -> list[int]:
    async with app.db.session() as session:
        deals = (await session.exec(select(Deal).order_by(Deal.id))).all()
    from services.catalog.storefront import shop_header
    header = await shop_header(app.db, "haidilao")
    assert header is not None
    return [d.id for d in deals if d.merchant_id == header.merchant_id]


async def set_photo(app: App, deal_id: int, photo: str | None) -> None:
    async with app.db.transaction() as session:
        await session.exec(update(Deal).where(Deal.id == deal_id).values(photo=photo))


async def test_buying_with_telegram_payments_opens_telegrams_invoice_in_the_page(
        app: App, shop: Shop) -> None:
    sent = recording(shop.runtime)
    bea = tma(launch_data(BEA, STORY_NOW, lang="en"))
    deal_id, other_deal, *_ = await haidilao_deals(app)
    bought = await shop.client.post("/app/api/buy", json={"deal_id": deal_id, "quantity": 2},
                                    headers=bea)
    answer = await bought.json()
    assert bought.status == 200, answer
    assert answer["provider"] == "telegram" and "pay_url" not in answer
    slug = answer["invoice_url"].removeprefix("https://t.me/$")
    invoice = shop.telegram.invoice_links[slug]
    buyer = await ensure_user(app.db, BEA)
    async with app.db.session() as session:
        order = (await session.exec(select(Order).where(Order.user_id == buyer.id))).one()
    assert order.status == "pending" and order.provider == "telegram"
    assert invoice["payload"] == order.provider_ref  # Telegram's payment names this order
    assert invoice["prices"] == [{"label": "2 × voucher", "amount": order.total}]
    assert len(invoice["title"]) <= 32
    assert sent == []  # nothing in the chat: the page opens the invoice

    # Telegram gives no link: the invoice goes to the chat, as the chat's Buy sends it.
    shop.telegram.inject_error("createInvoiceLink", 400, "Bad Request: PAYMENT_PROVIDER_INVALID")
    again = await (await shop.client.post("/app/api/buy", json={"deal_id": other_deal,
                                                                "quantity": 1},
                                          headers=bea)).json()
    assert "invoice_url" not in again and "in the chat" in again["message"]
    [(chat, replies)] = sent
    assert chat == BEA and any(isinstance(r, SendInvoice) for r in replies)


async def test_deal_photos_come_from_telegram_once_and_only_pictures_are_shown(
        app: App, shop: Shop) -> None:
    with_photo, not_a_picture, a_path, *_ = await haidilao_deals(app)
    await set_photo(app, with_photo, shop.telegram.store_file(jpeg(1600, 900), "photos/1.jpg"))
    await set_photo(app, not_a_picture, shop.telegram.store_file(
        b"<script>alert(1)</script>", "photos/2.jpg"))
    await set_photo(app, a_path, "/etc/passwd")  # a file path is never served

    listing = await (await shop.client.get("/app/api/shop/haidilao/deals?sort=newest")).json()
    shown = {d["id"]: d["photo"] for d in listing["deals"]}
    assert shown[with_photo] == f"/app/photo/{with_photo}"
    assert shown[a_path] == ""
    assert f'src="/app/photo/{with_photo}?size=small"' in listing["html"]

    small = await shop.client.get(f"/app/photo/{with_photo}?size=small")
    assert small.status == 200 and small.headers["Content-Type"] == "image/jpeg"
    assert "Content-Security-Policy" in small.headers
    picture = Image.open(io.BytesIO(await small.read()))
    assert picture.format == "JPEG" and max(picture.size) == 128
    large = await shop.client.get(f"/app/photo/{with_photo}")
    assert max(Image.open(io.BytesIO(await large.read())).size) == 720
    assert len(shop.telegram.calls_to("getFile")) == 1  # fetched once, kept on disk
    assert len(list(shop.photos.glob("*.jpg"))) == 2

    for wrong in (f"/app/photo/{not_a_picture}", f"/app/photo/{a_path}", "/app/photo/999999",
                  "/app/photo/abc", "/app/photo/1%27%20OR%201=1", "/app/photo/" + "9" * 40,
                  "/app/photo/%F0%9F%8D%9C"):
        assert (await shop.client.get(wrong)).status == 404, wrong


async def test_the_photo_folder_keeps_to_its_bound_dropping_the_least_recently_shown(
        shop: Shop, tmp_path: Path) -> None:
    api = BotApi(shop.telegram.base_url, TOKEN)
    folder = tmp_path / "bounded"
    photos = PhotoCache(api, folder, max_bytes=40_000)
    try:
        ids = [shop.telegram.store_file(jpeg(1200, 800, colour), f"p/{n}.png")
               for n, colour in enumerate(("red", "green", "blue", "white"))]
        for file_id in ids:
            assert (await photos.photo(file_id, "large"))[:2] == b"\xff\xd8"
        kept = sum(p.stat().st_size for p in folder.glob("*.jpg"))
        assert 0 < kept <= 40_000
        assert not list(folder.glob("*.part"))
        huge = shop.telegram.store_file(jpeg(9000, 9000, kind="PNG"), "p/huge.png")
        with pytest.raises(PhotoUnavailable):  # 81 million pixels: refused unopened
            await photos.photo(huge, "small")
        with pytest.raises(PhotoUnavailable):
            await photos.photo("no-such-file", "small")
    finally:
        await api.close()


async def test_stores_nearest_first_from_the_page_or_the_last_place_shared_in_chat(
        app: App, shop: Shop) -> None:
    bea = tma(launch_data(BEA, STORY_NOW, lang="en"))
    plain = await (await shop.client.get("/app/api/me?slug=haidilao", headers=bea)).json()
    assert plain["by_distance"] is False and all(s["distance"] == "" for s in plain["stores"])

    lat, lon = KUAIAN
    near = await (await shop.client.get(f"/app/api/me?slug=haidilao&lat={lat}&lon={lon}",
                                        headers=bea)).json()
    assert near["by_distance"] is True
    assert [s["name"] for s in near["stores"]] == ["Haidilao (Kuai'an)", "Haidilao (Mawei Wanda)"]
    assert near["stores"][0]["distance"] == "0 m away"
    assert near["stores"][1]["distance"].endswith("km away")
    assert near["html"].index("Kuai") < near["html"].index("Wanda")

    buyer = await ensure_user(app.db, BEA)
    await remember_location(app.db, buyer.id, 25.99325, 119.44276, STORY_NOW)  # at Wanda
    shared = await (await shop.client.get("/app/api/me?slug=haidilao", headers=bea)).json()
    assert shared["by_distance"] is True
    assert shared["stores"][0]["name"] == "Haidilao (Mawei Wanda)"

    for bad in ("lat=91&lon=0", "lat=abc&lon=1", "lat=1e5&lon=1", "lat=26.0",
                "lat=26.0&lon=119.4;DROP", "lat=-0.5&lon=181", "lat=%F0%9F%93%8D&lon=1"):
        answer = await shop.client.get(f"/app/api/me?slug=haidilao&{bad}", headers=bea)
        assert answer.status == 400, bad
