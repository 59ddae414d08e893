"""The owner's stores: `/addstore` asks name, address, location, opening hours and
phone, shows the store and saves it; `/stores` lists them.

The location can be shared (location or venue) or typed as a place the gazetteer
knows ("万达广场"). Buttons: `sts` save, `stx` cancel.
"""

from __future__ import annotations

from handlers.common import stale_replies
from handlers.core import Button, KeyButton, Location, Reply, SendText, SendVenue, Text
from handlers.router import Request, Router
from services.merchants import check_phone
from services.places import resolve_place, suggest_places
from services.staff import owned_merchant
from services.stores import (
    StoreForm,
    add_store,
    check_address,
    check_coordinates,
    check_hours,
    check_store_name,
    list_stores,
)

router = Router()
FLOW = "store"


@router.command("addstore")
async def addstore(req: Request) -> list[Reply]:
    """Start adding a store (owners of an approved merchant only)."""
    merchant = await owned_merchant(req.db, req.user.id)
    if merchant is None:
        return [SendText(req.t("staff-owner-only"))]
    if merchant.status != "approved":
        return [SendText(req.t("store-not-approved"))]
    await req.enter_flow(FLOW, "name")
    return [SendText(req.t("store-ask-name"))]


@router.command("stores")
async def stores(req: Request) -> list[Reply]:
    """The owner's stores with address, hours and phone."""
    t = req.t
    found = await list_stores(req.db, req.user.id)
    if found is None:
        return [SendText(t("staff-owner-only"))]
    if not found:
        return [SendText(t("store-none"))]
    lines = [t("store-list-title", count=len(found))]
    for store in found:
        lines.append(t("card-store-line", name=store.name.get(req.lang),
                       address=store.address.get(req.lang), hours=store.opening_hours or "-"))
    return [SendText("\n".join(lines))]


def _ask_location(req: Request) -> SendText:
    return SendText(req.t("store-ask-location"),
                    keyboard=((KeyButton(req.t("store-share-location"), request_location=True),),))


@router.flow(FLOW)
async def store_step(req: Request) -> list[Reply]:
    """One answer of the add-a-store conversation; a wrong one is asked again."""
    t, state, event = req.t, req.state, req.incoming.event
    assert state is not None
    data = dict(state.data)
    if state.step == "location":
        return await _location_step(req, data)
    if not isinstance(event, Text):
        return [SendText(t(f"store-ask-{state.step}"))]
    text = event.text
    if state.step == "name":
        name = check_store_name(text)
        if name is None:
            return [SendText(t("store-bad-name") + "\n" + t("store-ask-name"))]
        await req.enter_flow(FLOW, "address", **data, name=name)
        return [SendText(t("store-ask-address"))]
    if state.step == "address":
        address = check_address(text)
        if address is None:
            return [SendText(t("store-bad-address") + "\n" + t("store-ask-address"))]
        await req.enter_flow(FLOW, "location", **data, address=address)
        return [_ask_location(req)]
    if state.step == "hours":
        hours = check_hours(text)
        if hours is None:
            return [SendText(t("store-bad-hours") + "\n" + t("store-ask-hours"))]
        await req.enter_flow(FLOW, "phone", **data, hours=hours)
        return [SendText(t("store-ask-phone"))]
    if state.step == "phone":
        phone = None if text.strip() == "-" else check_phone(text)
        if phone is None and text.strip() != "-":
            return [SendText(t("merchant-bad-phone") + "\n" + t("store-ask-phone"))]
        data["phone"] = phone
        await req.enter_flow(FLOW, "confirm", **data)
        return _summary(req, data)
    return _summary(req, data)


async def _location_step(req: Request, data: dict[str, object]) -> list[Reply]:
    t, event = req.t, req.incoming.event
    if isinstance(event, Location):
        if not check_coordinates(event.lat, event.lon):
            return [SendText(t("store-bad-location")), _ask_location(req)]
        lat, lon = event.lat, event.lon
    elif isinstance(event, Text) and (place := await resolve_place(req.db, event.text)):
        lat, lon = place.lat, place.lon
    else:
        typed = event.text if isinstance(event, Text) else ""
        hints = [p.name(req.lang) for p in await suggest_places(req.db, typed)] if typed else []
        text = t("store-unknown-place", names="、".join(hints) if hints else "-")
        return [SendText(text), _ask_location(req)]
    await req.enter_flow(FLOW, "hours", **data, lat=lat, lon=lon)
    return [SendText(t("store-ask-hours"), remove_keyboard=True)]


def _summary(req: Request, data: dict[str, object]) -> list[Reply]:
    t = req.t
    text = t("store-summary", name=str(data["name"]), address=str(data["address"]),
             hours=str(data.get("hours") or "-"), phone=str(data.get("phone") or "-"))
    return [
        SendVenue(float(data["lat"]), float(data["lon"]),  # type: ignore[arg-type]
                  str(data["name"]), str(data["address"])),
        SendText(text, buttons=((Button(t("store-save"), data="sts"),
                                 Button(t("merchant-cancel"), data="stx")),)),
    ]


@router.button("sts")
async def save(req: Request) -> list[Reply]:
    """Save the store shown in the summary."""
    state, t = req.state, req.t
    if state is None or state.flow != FLOW or state.step != "confirm":
        return stale_replies(req)
    data = state.data
    form = StoreForm(str(data["name"]), str(data["address"]), float(data["lat"]),
                     float(data["lon"]), str(data.get("hours") or ""),
                     str(data["phone"]) if data.get("phone") else None)
    saved = await add_store(req.db, req.user.id, form, req.now())
    await req.leave_flow()
    if saved is None:
        return [SendText(t("store-not-approved"))]
    return [SendText(t("store-saved", name=saved.name.get(req.lang)))]


@router.button("stx")
async def cancel(req: Request) -> list[Reply]:
    await req.leave_flow()
    return [SendText(req.t("store-cancelled"), remove_keyboard=True)]
