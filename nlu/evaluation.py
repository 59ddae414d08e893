"""Scoring a parser against labelled utterances.

Two kinds of gold (see tests/data/README.md and ../shared/data/nlu/README.md):

- normalized: our own set; slot values in the parser's normalized forms. Numbers are
  compared as numbers, enumerations exactly, text spans case-insensitively.
- spans: the public sets (records that carry a "source"); slot values are text as
  written, under the names category, merchant, price, radius, place, time, party_size,
  sort. A gold value counts as found when the parser reports a slot of the matching
  kind whose span overlaps an occurrence of the value in the text. Gold there is
  partial, so recall is the reliable figure and precision a lower bound.

Pure: the caller reads the files and hands in the records.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from nlu.types import Intent, Slot

NORMALIZED_SLOTS = ("category", "dish", "merchant", "place", "keywords", "price_min",
                    "price_max", "currency", "radius_m", "time", "party_size", "sort",
                    "discount", "attribute")
# The public sets' schema has no `ask_attribute`: a question about a named or current
# place (its phone, hours, address, dishes) is their `show_deal` (see their README,
# "Mapping judgement calls"). Scoring a public record, these predictions count as the
# gold intent they refine.
PUBLIC_REFINEMENTS: dict[str, tuple[str, ...]] = {"show_deal": ("ask_attribute",)}
# Public span kinds -> the parser's slots that can match them.
SPAN_KINDS: dict[str, tuple[str, ...]] = {
    "category": ("category", "dish", "venue"),
    "merchant": ("merchant",),
    "price": ("price_min", "price_max", "price_level"),
    "radius": ("radius_m",),
    "place": ("place",),
    "area": ("place",),
    "distance": ("radius_m",),
    "time": ("time",),
    "date": ("time",),
    "datetime": ("time",),
    "party_size": ("party_size",),
    "sort": ("sort",),
}
_PUBLIC_NAMES = {"area": "place", "distance": "radius", "date": "time", "datetime": "time"}


@dataclass
class Counts:
    """True positives, false positives and false negatives of one class."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "support": self.tp + self.fn}


@dataclass
class Report:
    """The figures of one evaluation."""

    count: int = 0
    correct: int = 0
    intents: dict[str, Counts] = field(default_factory=dict)
    slots: dict[str, Counts] = field(default_factory=dict)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    has_slot_gold: bool = False

    @property
    def intent_accuracy(self) -> float:
        return self.correct / self.count if self.count else 0.0

    @property
    def slot_micro(self) -> Counts:
        total = Counts()
        for c in self.slots.values():
            total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        return total

    def as_dict(self) -> dict[str, Any]:
        """The report as one JSON-ready object, `intent_accuracy` and `slot_f1` on top."""
        micro = self.slot_micro
        return {
            "intent_accuracy": round(self.intent_accuracy, 4),
            "slot_f1": round(micro.f1, 4) if self.has_slot_gold else None,
            "slot_precision": round(micro.precision, 4) if self.has_slot_gold else None,
            "slot_recall": round(micro.recall, 4) if self.has_slot_gold else None,
            "count": self.count,
            "per_intent": {k: v.as_dict() for k, v in sorted(self.intents.items())},
            "per_slot": {k: v.as_dict() for k, v in sorted(self.slots.items())},
            "confusions": [{"gold": g, "predicted": p, "count": n}
                           for (g, p), n in self.confusions.most_common(10)],
        }


def evaluate(records: Iterable[dict[str, Any]], parse: Callable[[dict[str, Any]], Intent],
             keep_errors: int = 20) -> Report:
    """Parse every record (`parse` gets the record, returns the `Intent`) and score it."""
    report = Report()
    for record in records:
        intent = parse(record)
        gold_intent = str(record.get("intent", "unknown"))
        report.count += 1
        ok = intent.name == gold_intent or (
            "source" in record and intent.name in PUBLIC_REFINEMENTS.get(gold_intent, ()))
        report.correct += ok
        _count(report.intents, gold_intent).tp += ok
        _count(report.intents, gold_intent).fn += not ok
        if not ok:
            _count(report.intents, intent.name).fp += 1
            report.confusions[(gold_intent, intent.name)] += 1
        gold_slots = record.get("slots") or {}
        if gold_slots or ("slots" in record and "source" not in record):
            report.has_slot_gold = True
        if "source" in record:
            misses = _score_spans(report, str(record.get("text", "")), gold_slots, intent.slots)
        else:
            misses = _score_normalized(report, gold_slots, intent.values())
        if (not ok or misses) and len(report.errors) < keep_errors:
            report.errors.append({"text": record.get("text"), "gold": gold_intent,
                                  "predicted": intent.name, "slots": misses,
                                  "parsed": intent.values()})
    return report


def _count(table: dict[str, Counts], key: str) -> Counts:
    return table.setdefault(key, Counts())


def _same(gold: Any, predicted: Any) -> bool:
    if isinstance(gold, bool) or isinstance(predicted, bool):
        return gold == predicted
    if isinstance(gold, int | float) and isinstance(predicted, int | float):
        return abs(float(gold) - float(predicted)) < 1e-6
    if isinstance(gold, str) and isinstance(predicted, str):
        return " ".join(gold.lower().split()) == " ".join(predicted.lower().split())
    return False


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _score_normalized(report: Report, gold: dict[str, Any], predicted: dict[str, Any],
                      ) -> list[str]:
    misses = []
    for name in NORMALIZED_SLOTS:
        wanted = _as_list(gold[name]) if name in gold else []
        got = _as_list(predicted[name]) if name in predicted else []
        counts = _count(report.slots, name) if wanted or got else None
        if counts is None:
            continue
        unmatched = list(got)
        for value in wanted:
            hit = next((i for i, g in enumerate(unmatched) if _same(value, g)), None)
            if hit is None:
                counts.fn += 1
                misses.append(f"missed {name}={value!r}")
            else:
                counts.tp += 1
                unmatched.pop(hit)
        counts.fp += len(unmatched)
        misses.extend(f"extra {name}={value!r}" for value in unmatched)
    return misses


def _occurrences(text: str, value: str) -> list[tuple[int, int]]:
    if not value:
        return []
    bounded = value.isdigit() or value.isascii()
    pattern = (rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])" if bounded
               else re.escape(value))
    return [m.span() for m in re.finditer(pattern, text)]


def _score_spans(report: Report, text: str, gold: dict[str, Any], slots: tuple[Slot, ...],
                 ) -> list[str]:
    misses = []
    gold_spans: dict[str, list[tuple[int, int]]] = {}
    for key, value in gold.items():
        if key not in SPAN_KINDS:
            continue
        kind = _PUBLIC_NAMES.get(key, key)
        kinds = SPAN_KINDS[key]
        counts = _count(report.slots, kind)
        for v in _as_list(value):
            spans = _occurrences(text, str(v))
            gold_spans.setdefault(kind, []).extend(spans)
            if any(s.name in kinds and s.overlaps(a, b) for s in slots for a, b in spans):
                counts.tp += 1
            else:
                counts.fn += 1
                misses.append(f"missed {kind}={v!r}")
    # Predictions of a kind the public set labels, that overlap no gold value of it.
    seen: set[tuple[str, int, int]] = set()
    for kind in {_PUBLIC_NAMES.get(k, k) for k in SPAN_KINDS}:
        kinds = SPAN_KINDS[kind]
        for s in slots:
            if s.name in kinds and (kind, s.start, s.end) not in seen:
                seen.add((kind, s.start, s.end))
                if not any(s.overlaps(a, b) for a, b in gold_spans.get(kind, [])):
                    _count(report.slots, kind).fp += 1
    return misses


def format_report(report: Report, title: str = "") -> str:
    """The report as text for a person."""
    lines = [f"== {title}" if title else "== evaluation",
             f"utterances       {report.count}",
             f"intent accuracy  {report.intent_accuracy:.3f}"]
    if report.has_slot_gold:
        micro = report.slot_micro
        lines.append(f"slot micro P/R/F1  {micro.precision:.3f} / {micro.recall:.3f} / "
                     f"{micro.f1:.3f}")
    for heading, table in (("intent", report.intents), ("slot", report.slots)):
        if table:
            lines.append("")
            lines.append(f"{heading:14} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>5}")
            lines.extend(f"{name:14} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} "
                         f"{c.tp + c.fn:5d}" for name, c in sorted(table.items()))
    if report.confusions:
        lines.append("")
        lines.append("worst confusions (gold -> predicted):")
        for (g, p), n in report.confusions.most_common(8):
            lines.append(f"  {g} -> {p}: {n}")
    return "\n".join(lines)
