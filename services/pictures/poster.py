"""Printable QR posters for a merchant's counter.

A poster shows the merchant's name, a line inviting people to scan, the QR code of the
storefront's deep link (with the link printed small under it, for people who type) and
the addresses of the merchant's stores. `render_poster` draws one; it is pure (texts
in, PNG bytes out) and never draws a glyph its font lacks: text a font cannot draw is
refused with `PosterFontError`, so nobody prints a poster full of empty boxes ("tofu").

Chinese text needs a CJK font. `font_candidates` lists the usable ones (the
`poster_font` setting first, then CJK fonts found in the `font_dirs` setting's folders)
and `first_font_drawing` picks the first that draws given texts: this is the one font
finder, for posters and charts (`services.pictures.charts`) alike. `plan_poster` falls back to
the English texts when no font draws the wanted ones (and, with no usable font at all,
to Pillow's built-in Latin font), explaining each change in a warning for the operator.
"""

from __future__ import annotations

import fnmatch
import io
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

# Page: the A-series ratio (1:√2), portrait; 1240 x 1748 px is A4 at 150 dpi, A6 at 300.
WIDTH, HEIGHT = 1240, 1748
DPI = 150
MARGIN = 96
QR_SHARE = 0.58  # QR code width (quiet zone included) as a share of the page width
MIN_QR_SHARE = 0.40
QR_BORDER = 4  # modules of quiet zone around the code, as the QR standard asks
INK, PAPER = 0, 255  # black on white, grayscale: prints well anywhere

# Where CJK fonts usually live (Debian/Ubuntu packages fonts-wqy-microhei,
# fonts-noto-cjk, fonts-droid-fallback), then a search of the font directories.
CJK_FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
FONT_DIRS: tuple[str, ...] = (
    "/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
)
CJK_FONT_GLOBS: tuple[str, ...] = ("*cjk*", "*wqy*", "*droid*fallback*")  # case-insensitive
FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")
BUILTIN_FONT = "Pillow's built-in font"

# Characters that must not start a line in CJK typesetting.
_NO_LINE_START = set("，。、；：？！）」』】》〉’”,.;:?!)]}%")
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
# A run of non-CJK, non-space characters with its trailing spaces; a space run; one char.
_TOKEN = re.compile(rf"[^\s{_CJK}]+\s*|\s+|.", re.S)
# Letters the built-in font lacks, spelled with ones it has.
_PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                        "•": "-", "·": "-", "…": "...", "\u00a0": " "})


class PosterFontError(ValueError):
    """The chosen font cannot draw some text of the poster (it would print as boxes)."""


@dataclass(frozen=True)
class PosterTexts:
    """Everything written on a poster, in one language."""

    lang: str
    title: str
    tagline: str
    heading: str  # above the store addresses
    addresses: tuple[str, ...]

    def all(self) -> tuple[str, ...]:
        """Every text, for glyph checks."""
        return (self.title, self.tagline, self.heading, *self.addresses)


# ---------------------------------------------------------------------------- fonts


@cache
def _face_index(path: str) -> int:
    """For a font collection, the face for Simplified Chinese when there is one."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    for index in range(16):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:
            break
        if family.endswith(" SC"):
            return index
    return 0


@cache
def load_font(font_path: str | None, size: int) -> ImageFont.FreeTypeFont:
    """The font at `font_path` in `size` pixels; None means Pillow's built-in font."""
    if font_path is None:
        font = ImageFont.load_default(size=size)
        if not isinstance(font, ImageFont.FreeTypeFont):  # pragma: no cover - no FreeType
            raise PosterFontError("Pillow was built without FreeType; no scalable font")
        return font
    return ImageFont.truetype(font_path, size, index=_face_index(font_path))


def _signature(font: ImageFont.FreeTypeFont, char: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


def missing_glyphs(texts: Iterable[str], font_path: str | None) -> str:
    """The characters of `texts` that the font would draw as its "missing" box, in order."""
    font = load_font(font_path, 40)
    notdef = _signature(font, "\U0010ffff")  # a noncharacter: no font maps it
    missing: dict[str, None] = {}
    for char in "".join(texts):
        if char in missing or char.isspace() or unicodedata.category(char) in ("Cf", "Cc"):
            continue
        if _signature(font, char) == notdef:
            missing[char] = None
    return "".join(missing)


def _inside(path: str, directories: Sequence[Path]) -> bool:
    return any(Path(path).is_relative_to(directory) for directory in directories)


def system_cjk_fonts(dirs: Sequence[str] = FONT_DIRS) -> list[str]:
    """CJK fonts installed in the folders `dirs` (and below): the usual paths first,
    then whatever else a search finds. No folders: no fonts."""
    roots = [Path(directory).expanduser() for directory in dirs]
    found = [p for p in CJK_FONT_PATHS if _inside(p, roots) and os.path.isfile(p)]
    searched: list[str] = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            name = path.name.lower()
            if name.endswith(FONT_SUFFIXES) and any(
                fnmatch.fnmatch(name, g) for g in CJK_FONT_GLOBS
            ):
                searched.append(str(path))
    # Regular weights first: a thin or black face is harder to read at a counter.
    odd = ("bold", "black", "heavy", "light", "thin", "mono")
    searched.sort(key=lambda p: (any(w in Path(p).name.lower() for w in odd), p))
    return list(dict.fromkeys([*found, *searched]))


def font_candidates(preferred: str | None,
                    dirs: Sequence[str] = FONT_DIRS) -> tuple[list[str], list[str]]:
    """Fonts to try, best first (`preferred`, then the CJK fonts in `dirs`), and warnings.

    A `preferred` path that is missing or not a font is left out with a warning.
    """
    warnings: list[str] = []
    candidates: list[str] = []
    if preferred and preferred.strip():
        path = str(Path(preferred.strip()).expanduser())
        if not os.path.isfile(path):
            warnings.append(f"poster_font {path}: no such file; looking for a system CJK font")
        else:
            try:
                load_font(path, 40)
                candidates.append(path)
            except OSError as exc:
                warnings.append(f"poster_font {path}: not a usable font ({exc})")
    for path in system_cjk_fonts(dirs):
        try:
            load_font(path, 40)
        except OSError:
            continue
        candidates.append(path)
    return list(dict.fromkeys(candidates)), warnings


def first_font_drawing(texts: Iterable[str], candidates: Sequence[str]) -> str | None:
    """The first of `candidates` that draws every character of `texts`, or None."""
    texts = list(texts)
    return next((path for path in candidates if not missing_glyphs(texts, path)), None)


def plain_text(text: str, font_path: str | None) -> tuple[str, str]:
    """`text` with letters the font lacks simplified (é -> e, ’ -> '), and the
    characters it had to leave out because no simpler spelling exists."""
    text = text.translate(_PLAIN)
    missing = missing_glyphs([text], font_path)
    if not missing:
        return text, ""
    out, dropped = [], []
    for char in text:
        if char in missing:
            decomposed = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            if base and not missing_glyphs([base], font_path):
                char = base
            else:
                dropped.append(char)
                char = " "
        out.append(char)
    return re.sub(r"\s{2,}", " ", "".join(out)).strip(), "".join(dict.fromkeys(dropped))


def plan_poster(
    wanted: PosterTexts, fallback: PosterTexts, candidates: Sequence[str]
) -> tuple[PosterTexts, str | None, list[str]]:
    """The texts and font to draw a poster with, and warnings about any change.

    The first candidate font that draws every text of `wanted` wins. If none does, the
    `fallback` texts (English) are drawn with the first candidate that can, or else
    with Pillow's built-in font (None): letters it lacks are simplified (é -> e), an
    address it cannot draw is left out, and each change is a warning.
    """
    path = first_font_drawing(wanted.all(), candidates)
    if path is not None:
        return wanted, path, []
    warnings: list[str] = []
    lacking = missing_glyphs(wanted.all(), candidates[0] if candidates else None)
    tried = ", ".join(candidates) if candidates else "no CJK font found"
    if fallback != wanted:
        warnings.append(
            f"no font draws the {wanted.lang} poster (missing {lacking[:10]!r}; tried: "
            f"{tried}); made the {fallback.lang} poster instead. Install a CJK font "
            "(e.g. fonts-wqy-microhei) or set poster_font"
        )
    path = first_font_drawing(fallback.all(), candidates)
    if path is not None:
        return fallback, path, warnings
    warnings.append(f"using {BUILTIN_FONT}, which has Latin letters only")
    font = None
    title, dropped = plain_text(fallback.title, font)
    if dropped:
        warnings.append(f"left {dropped!r} out of the name {fallback.title!r}")
    addresses = []
    for address in fallback.addresses:
        plain, dropped = plain_text(address, font)
        if dropped:
            warnings.append(f"left out an address the font cannot draw: {address}")
        else:
            addresses.append(plain)
    texts = replace(
        fallback,
        title=title,
        tagline=plain_text(fallback.tagline, font)[0],
        heading=plain_text(fallback.heading, font)[0],
        addresses=tuple(addresses),
    )
    return texts, font, warnings


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Block:
    """Lines of text set in one font, ready to draw."""

    font: ImageFont.FreeTypeFont
    lines: tuple[str, ...]
    line_height: int
    stroke: int = 0

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def _width(text: str, font: ImageFont.FreeTypeFont, stroke: int = 0) -> float:
    return font.getlength(text) + 2 * stroke


def _split_long(token: str, font: ImageFont.FreeTypeFont, width: int,
                stroke: int) -> list[str]:
    """A token wider than the line, cut into pieces that fit (character by character)."""
    pieces, current = [], ""
    for char in token:
        if current and _width(current + char, font, stroke) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current] if current else pieces


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, stroke: int = 0) -> list[str]:
    """Break `text` into lines no wider than `width` pixels.

    Latin words stay whole unless a word alone is too wide; Chinese breaks between any
    two characters, but closing punctuation never starts a line.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for token in _TOKEN.findall(paragraph):
            if _width((current + token).rstrip(), font, stroke) <= width:
                current += token
                continue
            if not current.strip():
                current = ""
                token = token.lstrip()
            elif token[0] in _NO_LINE_START and len(current.rstrip()) > 1:
                # Carry the last character over so the punctuation has company.
                carried = current.rstrip()[-1]
                lines.append(current.rstrip()[:-1].rstrip())
                current = carried
                if _width(current + token.rstrip(), font, stroke) <= width:
                    current += token
                    continue
                lines.append(current)
                current = ""
            else:
                lines.append(current.rstrip())
                current = ""
                token = token.lstrip()
            if token and _width(token.rstrip(), font, stroke) > width:
                *done, token = _split_long(token.rstrip(), font, width, stroke)
                lines.extend(done)
            current = token
        if current.strip() or not lines:
            lines.append(current.rstrip())
    return [line for line in lines if line] or [""]


def _ellipsis(font_path: str | None) -> str:
    return "…" if not missing_glyphs(["…"], font_path) else "..."


def _truncate(line: str, font: ImageFont.FreeTypeFont, width: int, stroke: int,
              mark: str) -> str:
    while line and _width(line + mark, font, stroke) > width:
        line = line[:-1]
    return line.rstrip() + mark


def fit_text(
    text: str,
    font_path: str | None,
    width: int,
    max_height: int,
    sizes: Iterable[int],
    max_lines: int,
    bold: bool = False,
) -> _Block:
    """Set `text` in the largest of `sizes` that fits `width` x `max_height` in at most
    `max_lines` lines; at the smallest size, what does not fit ends in an ellipsis."""
    block: _Block | None = None
    for size in sizes:
        font = load_font(font_path, size)
        stroke = max(1, size // 48) if bold else 0
        line_height = round(size * 1.3)
        lines = wrap(text, font, width, stroke)
        block = _Block(font, tuple(lines), line_height, stroke)
        if len(lines) <= max_lines and block.height <= max_height:
            return block
    assert block is not None, "no sizes given"
    keep = max(1, min(max_lines, max_height // block.line_height))
    lines = list(block.lines[:keep])
    mark = _ellipsis(font_path)
    lines[-1] = _truncate(lines[-1], block.font, width, block.stroke, mark)
    return replace(block, lines=tuple(lines))


def _draw_centered(draw: ImageDraw.ImageDraw, block: _Block, top: int) -> int:
    y = top
    for line in block.lines:
        draw.text((WIDTH // 2, y), line, font=block.font, fill=INK, anchor="ma",
                  stroke_width=block.stroke, stroke_fill=INK)
        y += block.line_height
    return y


def _qr_image(link: str) -> Image.Image:
    """The QR code of `link`: error correction M or better, 4-module quiet zone kept."""
    qr = segno.make(link, error="m", micro=False, boost_error=True)
    modules = qr.symbol_size(scale=1, border=QR_BORDER)[0]
    scale = max(int(WIDTH * QR_SHARE) // modules, math.ceil(WIDTH * MIN_QR_SHARE / modules))
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=QR_BORDER, dark="black", light="white")
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def _address_blocks(
    addresses: Sequence[str], font_path: str | None, width: int, max_height: int
) -> tuple[list[_Block], int, str]:
    """Addresses set in the largest size where all fit; else as many as fit at the
    smallest size, and a "+N" line for the rest. Returns blocks, indent and bullet."""
    bullet = "•" if not missing_glyphs(["•"], font_path) else "-"
    sizes = list(range(40, 25, -2))
    for size in sizes:
        font = load_font(font_path, size)
        indent = round(_width(bullet + " ", font))
        line_height = round(size * 1.3)
        gap = line_height // 2
        blocks = [
            _Block(font, tuple(wrap(a, font, width - indent)), line_height) for a in addresses
        ]
        total = sum(b.height for b in blocks) + gap * max(0, len(blocks) - 1)
        if total <= max_height:
            return blocks, indent, bullet
    # Smallest size: keep whole addresses while they fit, leaving room for "+N".
    kept: list[_Block] = []
    used = 0
    for block in blocks:
        need = block.height + (gap if kept else 0)
        if used + need + line_height + gap > max_height:
            break
        kept.append(block)
        used += need
    rest = len(addresses) - len(kept)
    if rest:
        mark = _ellipsis(font_path)
        kept.append(_Block(font, (f"{mark} +{rest}",), line_height))
    return kept, indent, bullet


def render_poster(
    title: str,
    tagline: str,
    link: str,
    addresses: Sequence[str],
    lang: str = "zh",
    font_path: str | None = None,
    heading: str = "",
) -> bytes:
    """A printable poster as PNG bytes (WIDTH x HEIGHT px at DPI, grayscale).

    From the top: `title` (the merchant's name, large), `tagline`, the QR code of
    `link` with the link printed small under it, then `heading` and the `addresses`.
    Long texts wrap, shrink, and at worst end in an ellipsis; nothing leaves the page.
    `font_path` is a TrueType/OpenType font (a CJK one for Chinese); None uses Pillow's
    built-in Latin font. `lang` is recorded in the PNG's metadata.

    Raises PosterFontError if the font lacks a glyph of any text (see `plan_poster`).
    """
    lacking = missing_glyphs([title, tagline, heading, link, *addresses], font_path)
    if lacking:
        raise PosterFontError(
            f"{font_path or BUILTIN_FONT} cannot draw {lacking[:20]!r}; choose another font"
        )
    content = WIDTH - 2 * MARGIN
    page = Image.new("L", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(page)

    title_block = fit_text(title, font_path, content, 360, range(120, 51, -4), 3, bold=True)
    tagline_block = fit_text(tagline, font_path, content, 170, range(64, 31, -4), 2)
    code = _qr_image(link)
    link_block = fit_text(link, font_path, content, 80, range(30, 17, -2), 2)
    fixed = title_block.height + tagline_block.height + code.height + link_block.height
    heading_block = (
        fit_text(heading, font_path, content, 60, range(40, 23, -2), 1, bold=True)
        if heading and addresses else None
    )
    gaps = [28, 36, 8, 48, 20]  # title|tagline|code|link|rule, heading|addresses
    room = HEIGHT - 2 * MARGIN - fixed - sum(gaps)
    if heading_block is not None:
        room -= heading_block.height
    blocks, indent, bullet = _address_blocks(addresses, font_path, content, max(room, 0))
    used = sum(b.height for b in blocks) + sum(b.line_height // 2 for b in blocks[1:])
    slack = max(0, room - used)
    # Spread what is left: a little more air around the code, the rest top and bottom.
    extra = min(slack // 3, 60)
    y = MARGIN + (slack - 2 * extra) // 2

    y = _draw_centered(draw, title_block, y) + gaps[0]
    y = _draw_centered(draw, tagline_block, y) + gaps[1] + extra
    page.paste(code, ((WIDTH - code.width) // 2, y))
    y += code.height + gaps[2]
    y = _draw_centered(draw, link_block, y) + extra
    if blocks:
        y += gaps[3] // 2
        draw.line([(MARGIN, y), (WIDTH - MARGIN, y)], fill=INK, width=3)
        y += gaps[3] // 2
        if heading_block is not None:
            y = _draw_centered(draw, heading_block, y) + gaps[4]
        for i, block in enumerate(blocks):
            is_rest = i == len(blocks) - 1 and len(blocks) != len(addresses)
            if not is_rest:
                draw.text((MARGIN, y), bullet, font=block.font, fill=INK, anchor="la")
            for line in block.lines:
                draw.text((MARGIN + indent, y), line, font=block.font, fill=INK, anchor="la")
                y += block.line_height
            y += block.line_height // 2

    info = PngInfo()
    info.add_itxt("Title", title)
    info.add_itxt("URL", link)
    info.add_itxt("Language", lang)
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(DPI, DPI), pnginfo=info, optimize=True)
    return out.getvalue()
