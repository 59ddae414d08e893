"""The owner's stores: `/addstore` asks name, address, location, opening hours and
phone, shows the store and saves it; `/stores` lists them, each with an Edit button.

Adding and editing are for the owner of an approved merchant (`Role.OWNER`, area
"store": a suspended or pending owner is told why); `/stores` also lists the stores of
a suspended or pending merchant. The router checks the role again on every press and
answer; the handlers check that the store pressed is the owner's, and the save itself
only touches a store of the presser's own approved merchant.

Editing shows the store with a button per field; choosing one asks the same question
with the same checks as /addstore (one `_ask` and one `_check_answer` serve both), the
new values are kept in the flow until "Save changes" writes them in one go.

The location can be shared (location or venue) or typed as a place the gazetteer
knows ("万达广场").

Buttons (declared in handlers/payloads.py):
  StoreSave / StoreCancel  sts / stx            save / cancel the new store
  StoreEdit                se:<store>           edit a store (from /stores)
  StoreEditField           sef:<store>:<field>  which field to change
  StoreEditSave            sed:<store>          save the changes
  StoreEditCancel          sex:<store>          leave the store unchanged
"""

from __future__ import annotations

from dataclasses import replace

from handlers.common import stale_replies
from handlers.core import (
    Button,
    Buttons,
    KeyButton,
    Location,
    Reply,
    SendText,
    SendVenue,
    Text,
)
from handlers.i18n import Translator
from handlers.payloads import (
    StoreCancel,
    StoreEdit,
    StoreEditCancel,
    StoreEditField,
    StoreEditSave,
    StoreSave,
)
from handlers.roles import Role
from handlers.router import Request, Router
from services.catalog.deal_cards import StoreView
from services.catalog.places import resolve_place, suggest_places
from services.merchants.applications import check_phone
from services.merchants.deals import Seller
from services.merchants.stores import (
    StoreChanges,
    StoreForm,
    add_store,
    check_address,
    check_coordinates,
    check_hours,
    check_store_name,
    list_stores,
    owned_store,
    update_store,
)
from services.platform.conversations import FlowState

router = Router()
FLOW = "store"
FIELDS = ("name", "address", "location", "hours", "phone")  # also the order /addstore asks
EDITING = "edit"  # the flow data key holding the id of the store being edited
MENU = "menu"  # the editing step where the owner picks a field with the buttons


# ----------------------------------------------------------------- add and list


def _seller(req: Request) -> Seller:
    """The owner's merchant, loaded by the router for the owner roles."""
    assert req.seller is not None
    return req.seller


@router.command("addstore", role=Role.OWNER, area="store")
async def addstore(req: Request) -> list[Reply]:
    """Start adding a store."""
    await req.enter_flow(FLOW, FIELDS[0])
    return _ask(req, FIELDS[0])


@router.command("stores", role=Role.OWNER_ANY_STATUS, area="store")
async def stores(req: Request) -> list[Reply]:
    """The owner's stores with address and hours, and an Edit button for each (also
    while the merchant is suspended or pending; editing then says why it may not)."""
    t = req.t
    found = await list_stores(req.db, _seller(req).merchant_id)
    if not found:
        return [SendText(t("store-none"))]
    lines = [t("store-list-title", count=len(found))]
    buttons: list[tuple[Button, ...]] = []
    for store in found:
        name = store.name.get(req.lang)
        lines.append(t("card-store-line", name=name, address=store.address.get(req.lang),
                       hours=store.opening_hours or "-"))
        buttons.append((Button(t("store-edit-button", name=name),
                               data=StoreEdit(store.id).pack()),))
    return [SendText("\n".join(lines), buttons=tuple(buttons))]


# ----------------------------------------------- the questions, shared by add and edit


def _editing(state: FlowState | None) -> int | None:
    """The id of the store this flow edits; None when adding (or in no store flow)."""
    if state is None or state.flow != FLOW:
        return None
    store_id = state.data.get(EDITING)
    return store_id if isinstance(store_id, int) else None


def _ask(req: Request, field: str, problem: str = "") -> list[Reply]:
    """Ask for `field` (after the reason the last answer was wrong, if any)."""
    t = req.t
    key = f"store-edit-ask-{field}" if _editing(req.state) is not None else f"store-ask-{field}"
    text = f"{problem}\n{t(key)}" if problem else t(key)
    if field == "location":
        share = KeyButton(t("store-share-location"), request_location=True)
        return [SendText(text, keyboard=((share,),))]
    return [SendText(text)]


async def _check_answer(req: Request, field: str) -> dict[str, object] | str:
    """The values a good answer for `field` gives ({"lat": .., "lon": ..} for the
    location), or why it is wrong, in the user's language ("" when it is not even
    the kind of answer asked for, such as a photo for a name)."""
    t, event = req.t, req.incoming.event
    if field == "location":
        if isinstance(event, Location):
            if not check_coordinates(event.lat, event.lon):
                return t("store-bad-location")
            return {"lat": event.lat, "lon": event.lon}
        typed = event.text if isinstance(event, Text) else ""
        if typed and (place := await resolve_place(req.db, typed)):
            return {"lat": place.lat, "lon": place.lon}
        hints = [p.name(req.lang) for p in await suggest_places(req.db, typed)] if typed else []
        return t("store-unknown-place", names="、".join(hints) if hints else "-")
    if not isinstance(event, Text):
        return ""
    text = event.text
    if field == "name":
        name = check_store_name(text)
        return {"name": name} if name is not None else t("store-bad-name")
    if field == "address":
        address = check_address(text)
        return {"address": address} if address is not None else t("store-bad-address")
    if field == "hours":
        hours = check_hours(text)
        return {"hours": hours} if hours is not None else t("store-bad-hours")
    if text.strip() == "-":  # phone: "-" for none
        return {"phone": None}
    phone = check_phone(text)
    return {"phone": phone} if phone is not None else t("merchant-bad-phone")


# Adding asks FIELDS in order, then shows the summary ("confirm"); editing shows the
# menu (MENU) and asks the one field chosen. The role is checked on every answer: an
# owner whose merchant is suspended meanwhile is told so and the flow ends.
store_flow = router.flow(FLOW, role=Role.OWNER, area="store", draft=True)


@store_flow.step("confirm")
async def summary_again(req: Request) -> list[Reply]:
    """Something sent while the new store's Save / Cancel are shown: the summary again."""
    assert req.state is not None
    return _summary(req, dict(req.state.data))


@store_flow.step(MENU)
async def menu_again(req: Request) -> list[Reply]:
    """Something sent while the edit menu's buttons are shown: choose with them."""
    assert req.state is not None
    return [SendText(req.t("store-edit-choose")), *await _edit_menu(req, dict(req.state.data))]


@store_flow.step(*FIELDS)
async def field_answered(req: Request) -> list[Reply]:
    """The answer to the field asked (adding: the next field, or the summary after
    the last; editing: back to the menu); a wrong one is asked again."""
    state = req.state
    assert state is not None
    data = dict(state.data)
    field = state.step
    answer = await _check_answer(req, field)
    if isinstance(answer, str):
        return _ask(req, field, answer)
    data.update(answer)
    if _editing(state) is not None:
        await req.enter_flow(FLOW, MENU, **data)
        menu = await _edit_menu(req, data)
        if field == "location":  # take the "share location" keyboard away
            return [SendText(req.t("store-edit-location-set"), remove_keyboard=True), *menu]
        return menu
    if field == FIELDS[-1]:
        await req.enter_flow(FLOW, "confirm", **data)
        return _summary(req, data)
    following = FIELDS[FIELDS.index(field) + 1]
    await req.enter_flow(FLOW, following, **data)
    replies = _ask(req, following)
    if field == "location":
        first = replies[0]
        assert isinstance(first, SendText)
        replies[0] = replace(first, remove_keyboard=True)
    return replies


def _store_text(t: Translator, name: str, address: str, hours: str | None,
                phone: str | None) -> str:
    """Name, address, and a line of opening hours and phone; what the store does not
    have is left out (no "📞 -")."""
    details = [t("store-hours", hours=hours) if hours else "",
               t("store-phone", phone=phone) if phone else ""]
    line = " · ".join(d for d in details if d)
    text = t("store-summary", name=name, address=address)
    return f"{text}\n{line}" if line else text


def _card(req: Request, data: dict[str, object], header: str, buttons: Buttons) -> list[Reply]:
    """The store on the map, then its details under `header` with `buttons`."""
    text = _store_text(req.t, str(data["name"]), str(data["address"]),
                       str(data.get("hours") or ""), str(data.get("phone") or ""))
    return [
        SendVenue(float(data["lat"]), float(data["lon"]),  # type: ignore[arg-type]
                  str(data["name"]), str(data["address"])),
        SendText(f"{header}\n{text}" if header else text, buttons=buttons),
    ]


def _summary(req: Request, data: dict[str, object]) -> list[Reply]:
    t = req.t
    return _card(req, data, "", ((Button(t("store-save"), data=StoreSave().pack()),
                                  Button(t("merchant-cancel"), data=StoreCancel().pack())),))


@router.button(StoreSave, role=Role.OWNER, area="store")
async def save(req: Request, press: StoreSave) -> list[Reply]:
    """Save the store shown in the summary."""
    state, t = req.state, req.t
    if (state is None or state.flow != FLOW or state.step != "confirm"
            or _editing(state) is not None):
        return stale_replies(req)
    data = state.data
    form = StoreForm(str(data["name"]), str(data["address"]), float(data["lat"]),
                     float(data["lon"]), str(data.get("hours") or ""),
                     str(data["phone"]) if data.get("phone") else None)
    saved = await add_store(req.db, _seller(req).merchant_id, form, req.now())
    await req.leave_flow()
    if saved is None:  # no longer approved since the role was checked
        return [SendText(t("store-not-approved"))]
    return [SendText(t("store-saved", name=saved.name.get(req.lang)))]


# Leaving one's own conversation needs no right (a suspended owner may still cancel).
@router.button(StoreCancel, role=Role.SHOPPER)
async def cancel(req: Request, press: StoreCancel) -> list[Reply]:
    """Leave the add-a-store conversation; nothing is saved. An old Cancel pressed in
    another flow (or while editing a store) is stale: it leaves that flow alone."""
    if req.state is None or req.state.flow != FLOW or _editing(req.state) is not None:
        return stale_replies(req)
    await req.leave_flow()
    return [SendText(req.t("store-cancelled"), remove_keyboard=True)]


# ----------------------------------------------------------------------- edit


def _not_yours(req: Request) -> list[Reply]:
    """A store that is not one of the owner's (another merchant's, or gone)."""
    return [SendText(req.t("store-edit-refused"))]


def _draft(req: Request, store: StoreView, data: dict[str, object]) -> dict[str, object]:
    """The store as it will be once the changes in `data` are saved."""
    draft: dict[str, object] = {
        "name": store.name.get(req.lang), "address": store.address.get(req.lang),
        "lat": store.lat, "lon": store.lon, "hours": store.opening_hours,
        "phone": store.phone}
    draft.update((k, v) for k, v in data.items() if k in draft)
    return draft


async def _edit_menu(req: Request, data: dict[str, object],
                     store: StoreView | None = None) -> list[Reply]:
    """The store with the changes so far and a button per field, Save and Cancel.

    Ownership is checked again here; if the store is no longer the user's, the edit
    ends with a refusal.
    """
    t = req.t
    store_id = data[EDITING]
    assert isinstance(store_id, int)
    store = store or await owned_store(req.db, req.user.id, store_id)
    if store is None:
        await req.leave_flow()
        return _not_yours(req)
    fields = [Button(t(f"store-field-{f}"), data=StoreEditField(store_id, f).pack())
              for f in FIELDS]
    buttons = (tuple(fields[0:2]), tuple(fields[2:4]), tuple(fields[4:]),
               (Button(t("store-edit-save"), data=StoreEditSave(store_id).pack()),
                Button(t("merchant-cancel"), data=StoreEditCancel(store_id).pack())))
    return _card(req, _draft(req, store, data), t("store-edit-title"), buttons)


@router.button(StoreEdit, role=Role.OWNER, area="store")
async def edit(req: Request, press: StoreEdit) -> list[Reply]:
    """Start editing a store (checked now, not when /stores drew it)."""
    store = await owned_store(req.db, req.user.id, press.store_id)
    if store is None:
        return _not_yours(req)
    await req.enter_flow(FLOW, MENU, **{EDITING: store.id})
    return await _edit_menu(req, {EDITING: store.id}, store)


@router.button(StoreEditField, role=Role.OWNER, area="store")
async def edit_field(req: Request, press: StoreEditField) -> list[Reply]:
    """Ask for the new value of the chosen field."""
    state = req.state
    if await owned_store(req.db, req.user.id, press.store_id) is None:
        if _editing(state) == press.store_id:
            await req.leave_flow()
        return _not_yours(req)
    if state is None or _editing(state) != press.store_id:
        return stale_replies(req)
    await req.enter_flow(FLOW, press.field, **state.data)
    return _ask(req, press.field)


def _changes(data: dict[str, object]) -> StoreChanges:
    """The changes kept in the edit flow's data (a key is there only once answered)."""
    location = None
    if "lat" in data and "lon" in data:
        location = (float(data["lat"]), float(data["lon"]))  # type: ignore[arg-type]
    return StoreChanges(
        name=str(data["name"]) if "name" in data else None,
        address=str(data["address"]) if "address" in data else None,
        location=location,
        opening_hours=str(data["hours"]) if "hours" in data else None,
        phone=str(data["phone"] or "") if "phone" in data else None,  # "" removes it
    )


@router.button(StoreEditSave, role=Role.OWNER, area="store")
async def edit_save(req: Request, press: StoreEditSave) -> list[Reply]:
    """Save the changes; the save itself re-checks that the store is the user's."""
    t, state = req.t, req.state
    if state is None or _editing(state) != press.store_id:
        if await owned_store(req.db, req.user.id, press.store_id) is None:
            return _not_yours(req)
        return stale_replies(req)
    changes = _changes(dict(state.data))
    await req.leave_flow()
    if changes.empty():
        return [SendText(t("store-edit-unchanged"), remove_keyboard=True)]
    saved = await update_store(req.db, req.user.id, press.store_id, changes)
    if saved is None:
        return _not_yours(req)
    name, address = saved.name.get(req.lang), saved.address.get(req.lang)
    text = _store_text(t, name, address, saved.opening_hours, saved.phone)
    return [SendVenue(saved.lat, saved.lon, name, address),
            SendText(t("store-edit-saved", name=name) + "\n" + text, remove_keyboard=True)]


@router.button(StoreEditCancel, role=Role.SHOPPER)
async def edit_cancel(req: Request, press: StoreEditCancel) -> list[Reply]:
    """Leave the store as it was (the owner's own edit only; no right needed)."""
    if _editing(req.state) != press.store_id:
        return stale_replies(req)
    await req.leave_flow()
    return [SendText(req.t("store-edit-cancelled"), remove_keyboard=True)]
