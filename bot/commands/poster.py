"""`o2o poster MERCHANT`: a printable PNG poster with the storefront's QR code.

The code opens the merchant's storefront in the bot (`/start shop_<slug>`), so the
bot's username must be the real one: set `bot_username` (or O2O_BOT_USERNAME).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.commands.common import add_database_option, settings_from
from handlers.i18n import LANGUAGES, Translator
from handlers.links import shop_payload, start_link
from handlers.stats import poster_texts
from services.catalog.storefront import MerchantLookup, Storefront, find_merchant, get_storefront
from services.pictures.poster import (
    BUILTIN_FONT,
    PosterFontError,
    font_candidates,
    plan_poster,
    render_poster,
)
from services.platform.clock import utcnow
from services.platform.database import Database


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "poster", help="make a merchant's printable QR poster (PNG) for its counter",
        description="Make a printable PNG poster for a merchant's counter: its name, "
                    "the QR code of its storefront link, and its store addresses. The "
                    "link is t.me/<bot_username>: set bot_username (O2O_BOT_USERNAME) "
                    "to your bot's.",
    )
    parser.add_argument("merchant", metavar="MERCHANT",
                        help="merchant slug (e.g. haidilao) or its exact Chinese or English name")
    parser.add_argument("--out", metavar="FILE.png", type=Path,
                        help="where to write the poster (default: poster-<slug>.png here)")
    parser.add_argument("--lang", choices=LANGUAGES,
                        help="poster language (default: the default_language setting)")
    parser.add_argument("--font", metavar="PATH",
                        help="font file to draw with (default: the poster_font setting)")
    add_database_option(parser)
    parser.set_defaults(func=run_poster)


def _unknown(name: str, lookup: MerchantLookup) -> str:
    if lookup.suggestions:
        return f"unknown merchant {name!r}; close slugs: {', '.join(lookup.suggestions)}"
    if not lookup.merchants:
        return (f"unknown merchant {name!r}: the database has no merchants yet "
                "(`o2o seed demo` loads the demo ones)")
    return f"unknown merchant {name!r}, and no merchant's slug or name comes close"


def run_poster(args: argparse.Namespace) -> int:
    """Write the poster; unknown or unapproved merchant: one line on stderr, exit 2."""
    settings = settings_from(args, poster_font=args.font)
    lang = args.lang or settings.default_language

    async def fetch() -> tuple[MerchantLookup, Storefront | None]:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            lookup = await find_merchant(db, args.merchant)
            if lookup.slug is None:
                return lookup, None
            return lookup, await get_storefront(db, lookup.slug, utcnow())
        finally:
            await db.dispose()

    lookup, storefront = asyncio.run(fetch())
    if lookup.slug is None:
        print(_unknown(args.merchant, lookup), file=sys.stderr)
        return 2
    if storefront is None:
        print(f"merchant {lookup.slug!r} is {lookup.status}, not approved: its storefront "
              "link would not open yet", file=sys.stderr)
        return 2
    try:
        link = start_link(settings.bot_username, shop_payload(storefront.slug))
    except ValueError as exc:
        print(f"merchant {storefront.slug!r}: {exc}", file=sys.stderr)
        return 2

    candidates, warnings = font_candidates(settings.poster_font, settings.font_dirs)
    texts, font, more = plan_poster(
        poster_texts(Translator(lang), storefront), poster_texts(Translator("en"), storefront),
        candidates
    )
    for warning in [*warnings, *more]:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        png = render_poster(texts.title, texts.tagline, link, texts.addresses,
                            lang=texts.lang, font_path=font, heading=texts.heading)
    except PosterFontError as exc:  # pragma: no cover - plan_poster prevents it
        print(f"poster: {exc}", file=sys.stderr)
        return 2
    out: Path = args.out or Path(f"poster-{storefront.slug}.png")
    try:
        out.write_bytes(png)
    except OSError as exc:
        print(f"{out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(out)
    print(f"{texts.lang} poster, font: {font or BUILTIN_FONT}, link: {link}", file=sys.stderr)
    return 0
