"""The owner's deals, in three parts, each with its own router (see `handlers.app`):

- `handlers.deals.new`: `/newdeal`, guided one question at a time or typed on one
  line, to a preview with Publish / Edit / Cancel;
- `handlers.deals.importing`: `/import` (how, with a template) and a CSV of deals sent
  as a file;
- `handlers.deals.manage`: `/deals`, one deal's page, pause / resume / end, and
  changing one field of a deal.

The router checks who may use each route (an approved merchant's owner; the list and
a deal's page also for an owner whose merchant is suspended or pending); the handlers
check that the deal pressed belongs to that owner's merchant.
"""

from __future__ import annotations

from handlers.i18n import Translator
from services.merchants.deal_input import GROUP_HOURS, GROUP_SIZE, DealInputError, GroupTerms
from services.platform.money import format_money


def input_problem(t: Translator, error: DealInputError) -> str:
    """Why a value typed for a deal (a price, a date, a CSV cell) was refused, in words."""
    return t(f"deal-bad-{error.reason}", **error.args_)


def group_terms_text(t: Translator, terms: GroupTerms | None, currency: str) -> str:
    """A group deal's terms as the owner reads them ("3人团 ¥39 · 24小时内成团"), or that
    the deal is not one."""
    if terms is None:
        return t("deal-group-none")
    return t("deal-group-terms", size=terms.size, hours=terms.hours,
             price=format_money(terms.price, currency, t.lang))


def group_bounds(t: Translator, price: int | None, currency: str) -> dict[str, object]:
    """What the group question and its refusals say about the bounds."""
    return {"min_size": GROUP_SIZE[0], "max_size": GROUP_SIZE[1],
            "min_hours": GROUP_HOURS[0], "max_hours": GROUP_HOURS[1],
            "price": format_money(price, currency, t.lang) if price else "-"}
