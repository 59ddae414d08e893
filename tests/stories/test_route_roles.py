"""The authorization matrix, generated from the route table.

Every route declares who may use it (`handlers.roles.Role`). For each route that is not
open to everyone, each of six people uses it on the demo world: a fresh shopper, 海底捞's
staff, 海底捞's owner, 瑞幸's owner, a platform admin, and 海底捞's owner again after the
platform suspended 海底捞. The people the role admits get past the router; everyone else
gets exactly one reply, the role's refusal, and nothing else happens (the handler never
runs: no flow is entered, nobody is notified).

What happens to the things an admitted person acts on (another merchant's deal, a code
checked by someone else) is the hand-written effect matrix's job
(`test_authorization_matrix.py`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.app import build_router
from handlers.core import Reply, SendText
from handlers.i18n import Translator
from handlers.roles import Role, _words
from handlers.router import Route
from services.merchants.admin import suspend_merchant
from services.platform.conversations import FlowState, clear_state, get_state, set_state
from tests.stories.test_authorization_matrix import (  # noqa: F401 - matrix_app is a fixture
    NOW,
    Person,
    World,
    build_world,
    matrix_app,
)

OPEN = (Role.ANYONE, Role.SHOPPER)
PEOPLE = ("shopper", "staff", "owner", "other_owner", "admin", "suspended_owner")
ADMITTED: dict[Role, set[str]] = {
    Role.STAFF: {"staff", "owner", "other_owner", "suspended_owner"},
    Role.OWNER: {"owner", "other_owner"},
    Role.OWNER_ANY_STATUS: {"owner", "other_owner", "suspended_owner"},
    Role.ADMIN: {"admin"},
}
REFUSALS = ("role-owner-only", "role-suspended", "role-not-approved", "role-not-staff",
            "role-admin-only")
GATED = [r for r in build_router().routes() if r.role not in OPEN]


def refusal_texts(route: Route) -> set[str]:
    t = Translator("zh")
    return {_words(t, route.area, key) for key in REFUSALS}


async def use(route: Route, person: Person, world: World) -> list[Reply]:
    """Use the route the way a person would reach it: the command, a press of the
    button (data as declared), or an answer inside the flow."""
    if route.kind == "command":
        return await person.say(f"/{route.key}")
    if route.kind == "button":
        data = route.payload.example().pack() if route.payload else f"{route.key}:1"
        return await person.press_data(data)
    assert route.kind == "flow" and route.flow is not None
    step = next(iter(route.flow.steps), "")
    await set_state(world.db, person.sender.id, person.sender.id,
                    FlowState(route.key, step, {}), timedelta(minutes=30), NOW)
    return await person.say("1")


def test_every_route_declares_a_role() -> None:
    routes = build_router().routes()
    assert routes
    assert [r.name for r in routes if not isinstance(r.role, Role)] == []


def test_what_no_person_drives_and_what_the_parser_understands_is_open() -> None:
    """Events (payments, inline queries, errors) and the parser's intents reach the
    router with no command to gate; this test is the reminder to extend the matrix the
    day one of them is not open to everyone."""
    routes = build_router().routes()
    closed = [r.name for r in routes if r.kind in ("event", "intent") and r.role not in OPEN]
    assert closed == []


def test_the_matrix_covers_commands_buttons_and_flows_of_every_closed_role() -> None:
    kinds = {r.kind for r in GATED}
    roles = {r.role for r in GATED}
    assert kinds == {"command", "button", "flow"}
    assert roles == set(ADMITTED)


@pytest.mark.parametrize("route", GATED, ids=[r.name for r in GATED])
async def test_who_gets_past_the_router(route: Route, matrix_app) -> None:  # noqa: F811
    world = await build_world(matrix_app)
    refused = refusal_texts(route)
    for who in PEOPLE:
        if who == "suspended_owner":
            await suspend_merchant(world.db, world.haidilao, NOW)
            person = Person(world.app, "owner")
        else:
            person = Person(world.app, who)  # type: ignore[arg-type]
        await clear_state(world.db, person.sender.id, person.sender.id)
        replies = await use(route, person, world)
        texts = [r.text for r in replies if isinstance(r, SendText)]
        if who in ADMITTED[route.role]:
            assert not refused & set(texts), f"{who} was refused {route.name}"
        else:
            assert len(texts) == 1 and texts[0] in refused, (
                f"{who} got {texts} from {route.name}")
            assert all(isinstance(r, SendText) or type(r).__name__ == "AnswerButton"
                       for r in replies), f"{route.name} did more than refuse {who}"
            state = await get_state(world.db, person.sender.id, person.sender.id, NOW)
            assert state is None, f"{route.name} left {who} in a flow"


async def test_a_flow_button_refused_mid_draft_ends_the_draft(matrix_app) -> None:  # noqa: F811
    """海底捞 is suspended while its owner is half-way through /newdeal: pressing one of
    the draft's own buttons is refused, and the draft is gone (a later command does not
    say it was kept)."""
    from handlers.payloads import NewDealChoice

    world = await build_world(matrix_app)
    owner = Person(world.app, "owner")
    await owner.say("/newdeal")
    assert (await owner.state()) is not None
    await suspend_merchant(world.db, world.haidilao, NOW)
    replies = await owner.press_data(NewDealChoice.example().pack())
    texts = [r.text for r in replies if isinstance(r, SendText)]
    assert len(texts) == 1 and texts[0] in refusal_texts(
        next(r for r in GATED if r.name == "flow newdeal"))
    assert await owner.state() is None
