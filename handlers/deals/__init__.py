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
from services.merchants.deal_input import DealInputError


def input_problem(t: Translator, error: DealInputError) -> str:
    """Why a value typed for a deal (a price, a date, a CSV cell) was refused, in words."""
    return t(f"deal-bad-{error.reason}", **error.args_)
