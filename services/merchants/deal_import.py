"""Many deals at once: a CSV file the owner sends as a document.

The file is read whole and every row checked with the same rules as `/newdeal`
(`services.merchants.deals`); only when every row is good are they published, in one
transaction (nothing half-imported). Each row gets a key from its content, so sending
the same file twice publishes nothing the second time.

Columns are found by their header, in English or Chinese (`title`/`标题`, ...); only
title, price and original price are required. A group deal (拼团) fills three more:
group size and group price (both, or neither), group hours (24 when left empty).

Files saved by Excel in China are usually GBK: UTF-8 (with or without BOM), UTF-16 and
GB18030 (a superset of GBK) are all read.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from services.merchants.deal_input import (
    DESCRIPTION_MAX,
    GROUP_HOURS_DEFAULT,
    RULES_MAX,
    DealDraft,
    DealInputError,
    GroupTerms,
    check_group_window,
    check_long_text,
    check_original_price,
    check_title,
    default_valid_until,
    group_data,
    parse_category,
    parse_count,
    parse_group_hours,
    parse_group_price,
    parse_group_size,
    parse_price,
    parse_refund_policy,
    parse_tags,
    parse_valid_from,
    parse_valid_until,
)
from services.merchants.deals import Seller
from services.platform.merchant_input import PER_USER_MAX, QUANTITY_MAX, clean_text

MAX_ROWS = 1000  # deals per file; a bigger catalogue is split into several files
MAX_BYTES = 20 * 1024 * 1024  # what a bot may fetch from Telegram at all
MAX_REPORTED_ERRORS = 15

COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "name", "标题", "名称", "套餐名称", "团购名称"),
    "price": ("price", "价格", "团购价", "售价", "现价"),
    "original_price": ("original_price", "original price", "original", "原价", "门市价"),
    "quantity": ("quantity", "stock", "qty", "数量", "库存", "份数"),
    "valid_until": ("valid_until", "valid until", "until", "end", "有效期至", "截止日期",
                    "结束日期", "到期日"),
    "valid_from": ("valid_from", "valid from", "from", "start", "开始日期", "生效日期"),
    "per_user_limit": ("per_user_limit", "limit", "per user", "每人限购", "限购"),
    "description": ("description", "描述", "介绍", "说明"),
    "usage_rules": ("usage_rules", "rules", "使用规则", "规则"),
    "category": ("category", "分类", "类别"),
    "tags": ("tags", "标签"),
    "refund_policy": ("refund_policy", "refund", "退款", "退款规则"),
    "stores": ("stores", "store", "门店", "适用门店"),
    "group_size": ("group_size", "group size", "成团人数", "拼团人数"),
    "group_price": ("group_price", "group price", "拼团价"),
    "group_hours": ("group_hours", "group hours", "成团时限", "拼团时限", "成团小时"),
}
GROUP_COLUMNS = ("group_size", "group_price", "group_hours")
REQUIRED = ("title", "price", "original_price")
TEMPLATE_HEADER = ("title", "price", "original_price", "quantity", "valid_until",
                   "per_user_limit", "description", "usage_rules", "tags", "refund_policy",
                   "stores", "group_size", "group_price", "group_hours")


@dataclass(frozen=True)
class RowError:
    """Why one row (its line number in the file, the header being line 1) was refused."""

    row: int
    column: str
    error: DealInputError


@dataclass
class ImportPlan:
    """What a file holds: good drafts with their keys, or what is wrong with it."""

    drafts: list[DealDraft] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    problem: DealInputError | None = None  # the file as a whole cannot be read

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.errors and bool(self.drafts)


def decode(content: bytes) -> str:
    """The file's text, whichever of UTF-8, UTF-16 or GBK/GB18030 it is in."""
    if content[:4] == b"PK\x03\x04" or content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DealInputError("file-excel")
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise DealInputError("file-encoding") from None
    if b"\x00" in content:
        raise DealInputError("file-binary")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DealInputError("file-encoding")


def _header_map(header: list[str]) -> dict[str, int]:
    names = {alias.lower(): column for column, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = names.get(clean_text(cell).lower().replace("*", "").strip())
        if column is not None and column not in found:
            found[column] = index
    return found


def _row_key(merchant_id: int, cells: dict[str, str]) -> str:
    digest = hashlib.sha256(
        "\x1f".join(f"{k}={cells[k]}" for k in sorted(cells)).encode()).hexdigest()
    return f"csv:{merchant_id}:{digest[:40]}"


def _store_ids(text: str, seller: Seller) -> tuple[int, ...]:
    if not clean_text(text):
        return ()
    by_name = {}
    for store_id, name in seller.stores:
        for variant in (name.zh, name.en):
            if variant:
                by_name[clean_text(variant).lower()] = store_id
    ids: list[int] = []
    for piece in text.replace("；", ";").replace("、", ";").split(";"):
        name = clean_text(piece).lower()
        if not name:
            continue
        if name not in by_name:
            raise DealInputError("store-unknown", store=clean_text(piece)[:40])
        ids.append(by_name[name])
    return tuple(sorted(set(ids)))


T = TypeVar("T")


class _Row:
    """One CSV row being checked: each cell parsed, problems collected."""

    def __init__(self, cells: dict[str, str]) -> None:
        self.cells = cells
        self.errors: list[tuple[str, DealInputError]] = []

    def cell(self, column: str, parse: Callable[[str], T], default: T) -> T:
        raw = self.cells.get(column, "")
        if not clean_text(raw):
            if column in REQUIRED:
                self.errors.append((column, DealInputError("cell-empty")))
            return default
        try:
            return parse(raw)
        except DealInputError as exc:
            self.errors.append((column, exc))
            return default


def _draft(cells: dict[str, str], seller: Seller, now: datetime,
           timezone: str) -> tuple[DealDraft | None, list[tuple[str, DealInputError]]]:
    row = _Row(cells)
    title = row.cell("title", check_title, "")
    price = row.cell("price", parse_price, 0)
    original = row.cell("original_price", parse_price, 0)
    if price and original:
        row.cell("original_price", lambda _: check_original_price(price, original), 0)
    stock = row.cell("quantity", lambda raw: parse_count(raw, QUANTITY_MAX, unlimited=True),
                     None)
    valid_from = row.cell("valid_from", lambda raw: parse_valid_from(raw, now, timezone), None)
    valid_until = row.cell(
        "valid_until", lambda raw: parse_valid_until(raw, now, timezone, valid_from),
        default_valid_until(now, timezone))
    limit = row.cell("per_user_limit",
                     lambda raw: parse_count(raw, PER_USER_MAX, unlimited=False), 1) or 1
    description = row.cell("description", lambda raw: check_long_text(raw, DESCRIPTION_MAX), "")
    rules = row.cell("usage_rules", lambda raw: check_long_text(raw, RULES_MAX), "")
    category = row.cell("category", parse_category, None)
    tags = row.cell("tags", parse_tags, ())
    policy = row.cell("refund_policy", parse_refund_policy, "anytime")
    stores = row.cell("stores", lambda raw: _store_ids(raw, seller), ())
    group = _group(row, price, valid_until, now)
    if row.errors:
        return None, row.errors
    return DealDraft(title=title, price=price, original_price=original,
                     valid_until=valid_until, valid_from=valid_from, stock=stock,
                     per_user_limit=limit, description=description, usage_rules=rules,
                     category=category, tags=tags, refund_policy=policy,
                     store_ids=stores, **group_data(group)), []


def _group(row: _Row, price: int, valid_until: datetime, now: datetime) -> GroupTerms | None:
    """A row's group deal: None when its group cells are empty; size and price are then
    both needed, the window defaults to 24 h and must fit before the deal's last day."""
    if not any(clean_text(row.cells.get(c, "")) for c in GROUP_COLUMNS):
        return None
    for column in ("group_size", "group_price"):
        if not clean_text(row.cells.get(column, "")):
            row.errors.append((column, DealInputError("cell-empty")))
    size = row.cell("group_size", parse_group_size, 0)
    group_price = row.cell("group_price", lambda raw: parse_group_price(raw, price or None), 0)
    hours = row.cell("group_hours", parse_group_hours, 0)
    if not clean_text(row.cells.get("group_hours", "")):
        hours = GROUP_HOURS_DEFAULT
    if hours:
        try:
            check_group_window(hours, valid_until, now)
        except DealInputError as problem:
            row.errors.append(("group_hours", problem))
            return None
    if not (size and group_price and hours):
        return None
    return GroupTerms(size, group_price, hours)


def read_deal_csv(content: bytes, seller: Seller, now: datetime, timezone: str) -> ImportPlan:
    """Check every row of a deals CSV; see `ImportPlan` for the outcome."""
    plan = ImportPlan()
    if len(content) > MAX_BYTES:
        plan.problem = DealInputError("file-big", max_mb=MAX_BYTES // (1024 * 1024))
        return plan
    try:
        text = decode(content)
    except DealInputError as exc:
        plan.problem = exc
        return plan
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        plan.problem = DealInputError("file-unreadable", detail=str(exc)[:80])
        return plan
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        plan.problem = DealInputError("file-empty")
        return plan
    header, body = rows[0], rows[1:]
    columns = _header_map(header)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        plan.problem = DealInputError("file-columns", missing=", ".join(missing),
                                      found=", ".join(clean_text(h)[:20] for h in header[:8]))
        return plan
    plan.rows = len(body)
    if not body:
        plan.problem = DealInputError("file-no-rows")
        return plan
    if len(body) > MAX_ROWS:
        plan.problem = DealInputError("file-rows", rows=len(body), max=MAX_ROWS)
        return plan
    seen: dict[str, int] = {}
    for line, row in enumerate(body, start=2):
        cells = {c: (row[i] if i < len(row) else "") for c, i in columns.items()}
        draft, errors = _draft(cells, seller, now, timezone)
        plan.errors += [RowError(line, column, error) for column, error in errors]
        if draft is None:
            continue
        key = _row_key(seller.merchant_id, {k: clean_text(v) for k, v in cells.items()})
        if key in seen:
            plan.errors.append(RowError(line, "row", DealInputError("row-repeated",
                                                                     first=seen[key])))
            continue
        seen[key] = line
        plan.drafts.append(draft)
        plan.keys.append(key)
    return plan


def template_csv(today: date) -> bytes:
    """An example file to fill in (UTF-8 with BOM so Excel shows Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADER)
    until = (today + timedelta(days=60)).isoformat()
    writer.writerow(("双人火锅套餐", "88", "168", "100", until, "2",
                     "锅底+6份菜品", "周末通用；需提前预约", "火锅,双人", "随时退", "",
                     "3", "69", "24"))
    writer.writerow(("Coffee for two", "39.9", "64", "不限", "", "1", "", "", "coffee",
                     "anytime", "", "", "", ""))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
