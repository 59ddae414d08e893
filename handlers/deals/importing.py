"""Many deals at once: `/import` explains the CSV and sends a template to fill in, and a
CSV sent as a file (outside any conversation) puts its rows on sale, all or none: a
file with a bad row is refused with the row, the column and the reason.
"""

from __future__ import annotations

from handlers.core import DOCUMENT_FETCH_MAX, Button, Document, Reply, SendDocument, SendText
from handlers.deals import input_problem
from handlers.payloads import DealList
from handlers.roles import Role, owner_refusal, refusal_reply
from handlers.router import Request, Router
from services.merchants.deal_import import (
    MAX_REPORTED_ERRORS,
    MAX_ROWS,
    read_deal_csv,
    template_csv,
)
from services.merchants.deals import publish_deals, seller_of

router = Router()


@router.command("import", role=Role.OWNER, area="deal")
async def import_help(req: Request) -> list[Reply]:
    """How to import deals from a CSV, with a template file to fill in."""
    today = req.now().date()
    return [SendText(req.t("deal-import-help", max=MAX_ROWS)),
            SendDocument(template_csv(today), "deals-template.csv",
                         caption=req.t("deal-import-template"))]


# Anyone may send a file: a shopper's is not understood, an owner's is a CSV of deals.
# So the route is a shopper's and the owner is checked here (`handlers.understand`
# also hands over a file sent while it was asking a question).
@router.on("document", role=Role.SHOPPER)
async def document(req: Request) -> list[Reply]:
    """A file sent outside any conversation: a CSV of deals from an owner."""
    t = req.t
    event = req.incoming.event
    assert isinstance(event, Document)
    seller = await seller_of(req.db, req.user.id)
    if seller is None:  # a shopper's file: nothing to import
        return [SendText(t("unsupported-message", kind=t("kind-document")))]
    refused = owner_refusal(t, seller.status, "deal")
    if refused is not None:
        return [refusal_reply(refused)]
    name = event.file_name.lower()
    if not (name.endswith((".csv", ".txt")) or event.mime_type in ("text/csv", "text/plain")):
        return [SendText(t("deal-import-not-csv"))]
    if event.content is None:
        return [SendText(t("deal-bad-file-big", max_mb=DOCUMENT_FETCH_MAX // (1024 * 1024)))]
    if not seller.stores:
        return [SendText(t("deal-no-stores"))]
    plan = read_deal_csv(event.content, seller, req.now(), req.user.timezone)
    if plan.problem is not None:
        return [SendText(input_problem(t, plan.problem) + "\n" + t("deal-import-see-help"))]
    if plan.errors:
        bad_rows = len({e.row for e in plan.errors})
        lines = [t("deal-import-refused", rows=plan.rows, bad=bad_rows)]
        for error in plan.errors[:MAX_REPORTED_ERRORS]:
            lines.append(t("deal-import-row", row=error.row,
                           column=t(f"deal-column-{error.column}"),
                           problem=input_problem(t, error.error)))
        if len(plan.errors) > MAX_REPORTED_ERRORS:
            lines.append(t("deal-import-more", count=len(plan.errors) - MAX_REPORTED_ERRORS))
        return [SendText("\n".join(lines))]
    outcomes = await publish_deals(req.db, req.user.id, plan.drafts, plan.keys, req.now())
    if any(o.deal_id is None for o in outcomes):
        problem = next(o.problem for o in outcomes if o.deal_id is None)
        return [SendText(t(f"deal-publish-{problem}"))]
    new = sum(1 for o in outcomes if o.problem is None)
    again = len(outcomes) - new
    return [SendText(t("deal-imported", count=new, again=again),
                     buttons=((Button(t("deal-list"), data=DealList(0).pack()),),))]
