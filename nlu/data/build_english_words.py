"""Writes `english_words.txt`: the everyday English words the typo corrector leaves alone.

    pip install wordfreq==3.1.1 && python nlu/data/build_english_words.py

A word of four letters or more (the corrector looks at no shorter one), a to z only,
used at least once in a million English words (Zipf frequency 3.0 or more): "able",
"green", "palace" and "past" are words, not typos of "table", "greek", "place" and
"fast"; "resturant" (1.9) and "cheep" (2.5) stay below the line and are still corrected.
The list comes from wordfreq's data (Robyn Speer et al., CC BY-SA 4.0; see the file's
header), so it is reproducible and nothing is hand-picked.
"""

from __future__ import annotations

import re
from pathlib import Path

ZIPF_MIN = 3.0
OUT = Path(__file__).with_name("english_words.txt")


def main() -> None:
    """Write the list, one word a line, sorted, under its source's credit."""
    from importlib.metadata import version

    from wordfreq import top_n_list, zipf_frequency

    words = sorted({w for w in top_n_list("en", 100_000)
                    if re.fullmatch(r"[a-z]{4,}", w) and zipf_frequency(w, "en") >= ZIPF_MIN})
    header = (f"# English words with a Zipf frequency of {ZIPF_MIN} or more, from wordfreq "
              f"{version('wordfreq')}\n# (https://github.com/rspeer/wordfreq, data CC BY-SA 4.0, "
              "Robyn Speer et al.); built by build_english_words.py\n")
    OUT.write_text(header + "\n".join(words) + "\n", "utf-8")
    print(f"{len(words)} words -> {OUT}")


if __name__ == "__main__":
    main()
