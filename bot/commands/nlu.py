"""`o2o nlu parse|eval`: look at what the parser makes of text, and score it.

    o2o nlu parse "附近有什么火锅，人均100以内"
    o2o nlu parse --json "cheap sushi near me under 50"
    printf '我的券\\nhelp\\n' | o2o nlu parse --json
    o2o nlu eval tests/data/nlu_eval.jsonl
    o2o nlu eval tests/data/public/*.jsonl --json
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from handlers.vocabulary import shipped_vocabulary
from nlu import Intent, Parser
from nlu.evaluation import evaluate, format_report


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("nlu", help="parse text or evaluate the parser")
    verbs = parser.add_subparsers(dest="nlu_verb", metavar="VERB", required=True)

    parse = verbs.add_parser("parse", help="show the parse of TEXT (or of each stdin line)")
    parse.add_argument("text", nargs="?", help="the message; without it, one per stdin line")
    parse.add_argument("--json", action="store_true", help="one JSON object per message")
    _common(parse)
    parse.set_defaults(func=run_parse)

    ev = verbs.add_parser("eval", help="score the parser on labelled JSON Lines files")
    ev.add_argument("files", nargs="+", type=Path, metavar="FILE.jsonl")
    ev.add_argument("--json", action="store_true", help="one JSON object per file")
    ev.add_argument("--errors", type=int, default=0, metavar="N",
                    help="also list the first N utterances parsed wrongly")
    _common(ev)
    ev.set_defaults(func=run_eval)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("zh", "en"), help="language (default: guessed)")
    parser.add_argument("--now", help="the time to resolve 今晚 / tomorrow against (ISO 8601)")
    parser.add_argument("--tz", default="Asia/Shanghai", help="the user's timezone")


def _now(args: argparse.Namespace) -> datetime | None:
    if not args.now:
        return None
    moment = datetime.fromisoformat(args.now)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(args.tz))


def as_json(intent: Intent) -> dict[str, Any]:
    """`{"intent", "confidence", "slots"}` with slot values normalized as in the
    evaluation format; the time window and spans ride along under their own keys."""
    out: dict[str, Any] = {"intent": intent.name, "confidence": intent.confidence,
                           "slots": intent.values()}
    if intent.window is not None:
        out["time_window"] = [intent.window.start.isoformat(), intent.window.end.isoformat()]
    out["spans"] = [{"slot": s.name, "start": s.start, "end": s.end, "text": s.text}
                    for s in intent.slots]
    if intent.alternatives:
        out["alternatives"] = [{"intent": n, "confidence": c} for n, c in intent.alternatives]
    return out


def _show(text: str, intent: Intent) -> str:
    lines = [f"{text}", f"  intent      {intent.name} ({intent.confidence:.2f})"]
    for name, confidence in intent.alternatives:
        lines.append(f"  or perhaps  {name} ({confidence:.2f})")
    for slot in intent.slots:
        lines.append(f"  {slot.name:11} {slot.value!r:24} from {slot.text!r}")
    if intent.window is not None:
        lines.append(f"  window      {intent.window.start:%a %Y-%m-%d %H:%M} to "
                     f"{intent.window.end:%a %Y-%m-%d %H:%M} ({intent.window.start.tzinfo})")
    for wrong, right in intent.corrections:
        lines.append(f"  read {wrong!r} as {right!r}")
    return "\n".join(lines)


def run_parse(args: argparse.Namespace) -> int:
    parser = Parser(shipped_vocabulary(), tz=args.tz)
    now = _now(args)
    texts = [args.text] if args.text is not None else [line.rstrip("\n") for line in sys.stdin]
    for text in texts:
        intent = parser.parse(text, lang=args.lang, now=now, tz=args.tz)
        if args.json:
            print(json.dumps(as_json(intent), ensure_ascii=False))
        else:
            print(_show(text, intent))
    return 0


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON Lines file; a bad line stops with its line number."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise SystemExit(f"{path}:{number}: not JSON ({e.msg})") from None
        if not isinstance(record, dict) or "text" not in record:
            raise SystemExit(f"{path}:{number}: expected an object with \"text\"")
        records.append(record)
    return records


def run_eval(args: argparse.Namespace) -> int:
    parser = Parser(shipped_vocabulary(), tz=args.tz)
    now = _now(args)
    for path in args.files:
        if not path.is_file():
            print(f"no such file: {path}", file=sys.stderr)
            return 2
        records = read_jsonl(path)
        report = evaluate(records, lambda r: parser.parse(
            str(r["text"]), lang=r.get("lang"), now=now, tz=args.tz), keep_errors=args.errors)
        if args.json:
            print(json.dumps({"file": str(path), **report.as_dict()}, ensure_ascii=False))
        else:
            print(format_report(report, str(path)))
            for error in report.errors:
                print(f"  ✗ {error['text']!r}: {error['gold']} -> {error['predicted']} "
                      f"{'; '.join(error['slots'])}")
            print()
    return 0
