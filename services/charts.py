"""Charts as PNG bytes: a merchant's days, revenue as bars and redemptions as a line.

Drawn with matplotlib's object API (`Figure` on the Agg canvas), never pyplot, so no
global state is touched and charts can be drawn from worker threads. Texts come in
already translated; Chinese needs a CJK font, found the way posters find theirs
(`services.poster.font_candidates`): the first installed font that draws every label.
Without one the `fallback` (English) labels are drawn in matplotlib's own font.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from services.money import minor_digits
from services.poster import font_candidates, missing_glyphs

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


@cache
def _fonts() -> tuple[str, ...]:
    candidates, warnings = font_candidates(None)
    for warning in warnings:  # pragma: no cover - no preferred font is given
        log.warning("chart font: %s", warning)
    return tuple(candidates)


def chart_font(texts: Sequence[str]) -> str | None:
    """The first installed CJK font that draws every one of `texts`, or None."""
    for path in _fonts():
        if not missing_glyphs(texts, path):
            return path
    return None


def daily_chart(
    days: Sequence[date],
    revenue: Sequence[int],
    redemptions: Sequence[int],
    currency: str | None,
    labels: ChartLabels,
    fallback: ChartLabels | None = None,
) -> bytes:
    """A PNG chart: per day, `revenue` (minor units of `currency`) as bars on the left
    axis and `redemptions` as a line on the right axis. `currency` may be None only
    when there is no revenue at all.

    `labels` are used when some installed font draws them (or they are plain ASCII);
    otherwise `fallback` (English) is drawn instead, and a warning logged.
    """
    if not len(days) == len(revenue) == len(redemptions):
        raise ValueError("days, revenue and redemptions must have the same length")
    font = chart_font(labels.all())
    drawable = font is not None or all(text.isascii() for text in labels.all())
    if not drawable and fallback is not None:
        log.warning("no installed font draws the chart labels %r; using %r (install a "
                    "CJK font such as fonts-wqy-microhei)", labels.title, fallback.title)
        labels = fallback
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
