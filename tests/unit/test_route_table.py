"""The route table: every route says who may use it, and only real event kinds exist."""

from __future__ import annotations

import pytest

from handlers.app import build_router
from handlers.roles import Role
from handlers.router import EVENT_KINDS, Router


def test_a_route_without_a_role_cannot_be_registered() -> None:
    router = Router()
    with pytest.raises(TypeError):
        router.command("nobody")(lambda req: None)  # type: ignore[call-arg, arg-type]
    with pytest.raises(TypeError):
        router.command("nobody", role="owner")(  # type: ignore[arg-type]
            lambda req: None)  # type: ignore[arg-type, return-value]


def test_on_accepts_only_the_event_kinds_that_exist() -> None:
    router = Router()
    with pytest.raises(ValueError, match="no event kind"):
        router.on("txet", role=Role.ANYONE)
    for kind in EVENT_KINDS:
        router.on(kind, role=Role.ANYONE)(lambda req: None)  # type: ignore[arg-type]


def test_a_route_is_registered_once() -> None:
    router = Router()
    router.command("twice", role=Role.SHOPPER)(lambda req: None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="twice"):
        router.command("twice", role=Role.SHOPPER)(lambda req: None)  # type: ignore[arg-type]


def test_a_flow_step_is_declared_once() -> None:
    flow = Router().flow("f", role=Role.SHOPPER)
    flow.step("one")(lambda req: None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="declared twice"):
        flow.step("one")(lambda req: None)  # type: ignore[arg-type]


def test_every_button_declares_its_data() -> None:
    """No button data is parsed by hand: each button route has a Payload class."""
    hand_parsed = [r.name for r in build_router().routes()
                   if r.kind == "button" and r.payload is None]
    assert hand_parsed == []


def test_the_route_table_lists_every_command_and_button_with_its_role() -> None:
    table = {r.name: r.role for r in build_router().routes()}
    assert table["/start"] in (Role.SHOPPER, Role.ANYONE)
    assert table["/admin"] == Role.ADMIN
    assert table["/newdeal"] == Role.OWNER
    assert table["/redeem"] == Role.STAFF


def test_docs_routes_md_is_the_route_table_as_it_is() -> None:
    """docs/routes.md is `o2o routes`' output: regenerate it when a route changes."""
    from pathlib import Path

    from bot.commands.routes import route_table_markdown

    written = (Path(__file__).resolve().parents[2] / "docs" / "routes.md").read_text(
        encoding="utf-8")
    assert written == route_table_markdown(), "run: o2o routes > docs/routes.md"
