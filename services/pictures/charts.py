"""Charts as PNG bytes: a merchant's days, revenue as bars and redemptions as a line.

Drawn with matplotlib's object API (`Figure` on the Agg canvas), never pyplot, so no
global state is touched and charts can be drawn from worker threads. Texts come in
already translated. `plan_chart` picks the font the way posters do (the one finder in
`services.pictures.poster`: the configured font, then the CJK fonts installed): the first that
draws every label, else matplotlib's own font if it can. When none draws the wanted
labels (Chinese without a CJK font), the fallback (English) labels are drawn instead
and the plan says so, so the owner can be told; nothing is ever drawn as empty boxes,
and matplotlib never has to warn about a missing glyph.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from services.pictures.poster import first_font_drawing, plain_text
from services.platform.money import minor_digits

log = logging.getLogger(__name__)

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 5.0, 120  # 1200 x 600 px: sharp on a phone
BAR_COLOR = "#4C8BF5"
LINE_COLOR = "#E8590C"
MAX_DAY_LABELS = 10


@dataclass(frozen=True)
class ChartLabels:
    """The words on a chart, in one language."""

    title: str
    revenue: str  # the bars' axis and legend, e.g. "Revenue (CNY)"
    redemptions: str  # the line's axis and legend

    def all(self) -> tuple[str, ...]:
        """Every text, for glyph checks."""
        return (self.title, self.revenue, self.redemptions)


@dataclass(frozen=True)
class ChartPlan:
    """What a chart is drawn with: its labels, in which font file, and whether these
    are the fallback labels because no font draws the wanted ones."""

    labels: ChartLabels
    font: str
    fell_back: bool


@cache
def default_font() -> str:
    """matplotlib's own font file (DejaVu Sans: Latin, Greek, Cyrillic; no CJK)."""
    from matplotlib.font_manager import FontProperties, findfont

    return str(findfont(FontProperties(family="DejaVu Sans")))


def plan_chart(wanted: ChartLabels, fallback: ChartLabels,
               candidates: Sequence[str]) -> ChartPlan:
    """The labels and font to draw a chart with: `wanted` in the first of `candidates`
    (see `services.pictures.poster.font_candidates`) or matplotlib's font that draws them all;
    else `fallback` (English), with letters no font has left out."""
    fonts = [*candidates, default_font()]
    font = first_font_drawing(wanted.all(), fonts)
    if font is not None:
        return ChartPlan(wanted, font, fell_back=False)
    labels = fallback
    font = first_font_drawing(fallback.all(), fonts)
    if font is None:
        font = default_font()
        labels = ChartLabels(*(plain_text(text, font)[0] for text in fallback.all()))
    log.warning("no font draws the chart labels %r; drew %r instead (install a CJK font "
                "such as fonts-wqy-microhei, or set poster_font)", wanted.title, labels.title)
    return ChartPlan(labels, font, fell_back=labels != wanted)


def daily_chart(
    days: Sequence[date],
    revenue: Sequence[int],
    redemptions: Sequence[int],
    currency: str | None,
    labels: ChartLabels,
    font: str | None = None,
) -> bytes:
    """A PNG chart: per day, `revenue` (minor units of `currency`) as bars on the left
    axis and `redemptions` as a line on the right axis. `currency` may be None only
    when there is no revenue at all.

    `labels` are drawn in the font file `font` (None: matplotlib's own); `plan_chart`
    chooses both so that every letter is drawn.
    """
    if not len(days) == len(revenue) == len(redemptions):
        raise ValueError("days, revenue and redemptions must have the same length")
    # Imported here: matplotlib takes a moment to load, and only charts need it.
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    prop = FontProperties(fname=font) if font else FontProperties()
    if currency is None and any(revenue):
        raise ValueError("revenue needs a currency")
    digits = minor_digits(currency) if currency else 0
    amounts = [float(Decimal(amount).scaleb(-digits)) for amount in revenue]  # plot only

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    bars = figure.add_subplot()
    line = bars.twinx()
    places = list(range(len(days)))
    drawn_bars = bars.bar(places, amounts, color=BAR_COLOR, width=0.7, label=labels.revenue)
    (drawn_line,) = line.plot(places, list(redemptions), color=LINE_COLOR, marker="o",
                              linewidth=2, label=labels.redemptions)
    step = max(1, -(-len(days) // MAX_DAY_LABELS))
    bars.set_xticks(places[::step], [d.strftime("%m-%d") for d in days][::step])
    bars.set_xlim(-0.6, len(days) - 0.4)
    bars.set_ylim(bottom=0, top=max([*amounts, 0]) * 1.15 or 1)
    line.set_ylim(bottom=0, top=max([*redemptions, 0]) * 1.15 or 1)
    bars.yaxis.set_major_locator(MaxNLocator(nbins=6, min_n_ticks=1))
    line.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=1))
    bars.set_ylabel(labels.revenue, fontproperties=prop, color=BAR_COLOR)
    line.set_ylabel(labels.redemptions, fontproperties=prop, color=LINE_COLOR)
    bars.set_title(labels.title, fontproperties=prop, fontsize=14, loc="left")
    bars.grid(axis="y", alpha=0.3)
    bars.set_axisbelow(True)
    bars.legend([drawn_bars, drawn_line], [labels.revenue, labels.redemptions],
                prop=prop, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2,
                frameon=False)  # above the plot, beside the title: never over a bar
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
