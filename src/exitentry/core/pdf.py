"""The shared PDF toolkit (ReportLab): every printable document of exitentry goes through here.

API (keyword arguments as shown; everything returns plain ReportLab objects)::

    from exitentry.core import pdf

    s = pdf.styles()                      # {"title", "heading", "body", "small", "label"}
    story = [
        pdf.paragraph(_("Application form"), s["title"]),
        pdf.key_value_table([(_("Number"), "EA2026…"), (_("Name"), "张三")]),
        pdf.qr_flowable("https://…/track/?number=EA2026…", size_mm=30),
    ]
    data: bytes = pdf.build_pdf(title=_("Application form"), story=story)

- ``build_pdf(*, title, story, author="exitentry") -> bytes``: A4 portrait, 18 mm side margins,
  "title · page n / m" footer on every page, PDF metadata (title, author).
- ``styles() -> dict[str, ParagraphStyle]``: "title", "heading", "body", "small", "label". A fresh
  dict on each call (mutate freely). Line wrapping is CJK-aware when the active language is
  Chinese or Japanese (no spaces between words there).
- ``paragraph(text, style) -> Paragraph``: a Paragraph whose text is escaped first (pass user data
  here: names, addresses). Use ReportLab's ``Paragraph`` directly only for your own markup.
- ``qr_flowable(data, size_mm=30) -> Flowable``: a QR code (segno, error level M, vector drawing,
  no raster) of ``size_mm`` × ``size_mm``.
- ``key_value_table(rows) -> Flowable``: a two-column label/value table with wrapped cells.

Fonts and scripts: the fonts are EMBEDDED TrueType files vendored in ``core/fonts/`` (licences
next to them): DejaVu Sans (Latin, Cyrillic), Droid Sans Fallback (Chinese, Japanese kana) and
Nanum Gothic (Korean Hangul). ReportLab has no glyph fallback, so ``build_pdf`` walks the story
(paragraphs at top level, in tables and in nested flowable lists) and splits every run of text
by script into the font that has the glyph; any language, or a mix ("张三 / Иван / 김민수"), renders
and stays extractable as text. Paragraphs you build with ``paragraph()`` are split immediately.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import translation
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

FONT_DIR = Path(__file__).resolve().parent / "fonts"

SANS = "ExitentrySans"
SANS_BOLD = "ExitentrySans-Bold"
CJK = "ExitentryCJK"
HANGUL = "ExitentryHangul"

_FONT_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    CJK: "DroidSansFallbackFull.ttf",
    HANGUL: "NanumGothic.ttf",
}
_registered = False
_lock = threading.Lock()
# ReportLab's TTFont objects are shared by every document and read their font file through one
# cursor (TTFontFile._pos): two threads building font subsets at once corrupt each other. The web
# server renders in several threads, so documents are saved (subsets built) one at a time.
_save_lock = threading.Lock()
_cmaps: dict[str, dict[int, int]] = {}


def register_fonts() -> None:
    """Register the vendored fonts with ReportLab once per process (idempotent, thread-safe)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, filename in _FONT_FILES.items():
            font = TTFont(name, str(FONT_DIR / filename))
            pdfmetrics.registerFont(font)
            _cmaps[name] = font.face.charToGlyph
        # <b>/<i> in markup map onto the registered faces (there is no italic face: upright is used).
        pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD)
        pdfmetrics.registerFontFamily(CJK, normal=CJK, bold=CJK, italic=CJK, boldItalic=CJK)
        pdfmetrics.registerFontFamily(HANGUL, normal=HANGUL, bold=HANGUL, italic=HANGUL, boldItalic=HANGUL)
        _registered = True


def _is_hangul(code: int) -> bool:
    return 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def font_for_char(char: str, base: str) -> str:
    """The font that draws ``char``: ``base`` when it has the glyph, else CJK / Hangul fallback."""
    register_fonts()
    code = ord(char)
    if base not in _cmaps or char.isspace() or code in _cmaps[base]:
        return base
    if _is_hangul(code) and code in _cmaps[HANGUL]:
        return HANGUL
    if code in _cmaps[CJK]:
        return CJK
    if code in _cmaps[HANGUL]:
        return HANGUL
    return base


def _split_runs(text: str, base: str) -> list[tuple[str, str]]:
    runs: list[tuple[str, str]] = []
    for char in text:
        font = font_for_char(char, base)
        if char.isspace() and runs:
            font = runs[-1][0]  # spaces join the run they follow: fewer, longer runs
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def apply_font_fallback(para: Paragraph) -> Paragraph:
    """Split the text fragments of ``para`` so every character is drawn by a font that has it."""
    register_fonts()
    frags = getattr(para, "frags", None)
    if not frags or getattr(para, "_exitentry_fallback", False):
        return para
    new_frags: list[Any] = []
    for frag in frags:
        text = getattr(frag, "text", None)
        base = getattr(frag, "fontName", None)
        if not text or base not in _cmaps or hasattr(frag, "cbDefn"):
            new_frags.append(frag)
            continue
        runs = _split_runs(text, base)
        if len(runs) == 1 and runs[0][0] == base:
            new_frags.append(frag)
            continue
        for font, chunk in runs:
            piece = frag.clone()
            piece.text = chunk
            piece.fontName = font
            new_frags.append(piece)
    para.frags = new_frags
    para._exitentry_fallback = True
    return para


def _walk(flowables: Iterable[Any]) -> None:
    for item in flowables:
        if isinstance(item, Paragraph):
            apply_font_fallback(item)
        elif isinstance(item, Table):
            for row in item._cellvalues:
                _walk(cell for cell in row if cell is not None)
        elif isinstance(item, list | tuple):
            _walk(item)
        else:
            nested = getattr(item, "_content", None) or getattr(item, "_flowables", None)
            if isinstance(nested, list | tuple):
                _walk(nested)


def _cjk_wrap() -> bool:
    language = (translation.get_language() or "zh-hans").lower()
    return language.startswith(("zh", "ja"))


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles "title", "heading", "body", "small", "label" in the embedded fonts."""
    register_fonts()
    wrap = "CJK" if _cjk_wrap() else None
    base = ParagraphStyle("body", fontName=SANS, fontSize=10, leading=14, wordWrap=wrap)
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontName=SANS_BOLD, fontSize=17, leading=22, spaceAfter=4 * mm
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=12,
            leading=16,
            spaceBefore=4 * mm,
            spaceAfter=2 * mm,
        ),
        "body": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#444444")
        ),
        "label": ParagraphStyle(
            "label",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=9,
            leading=12,
            textColor=colors.HexColor("#333333"),
        ),
    }


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of plain ``text`` (escaped, newlines kept) with font fallback already applied."""
    markup = escape(str(text)).replace("\n", "<br/>")
    return apply_font_fallback(Paragraph(markup, style))


def qr_flowable(data: str, size_mm: float = 30) -> Flowable:
    """A QR code for ``data`` drawn as vector squares, ``size_mm`` wide and high (quiet zone included)."""
    import segno

    qr = segno.make(data, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    modules = len(matrix)
    side = size_mm * mm
    cell = side / modules
    drawing = Drawing(side, side)
    drawing.add(Rect(0, 0, side, side, fillColor=colors.white, strokeColor=None))
    for y, row in enumerate(matrix):
        x = 0
        while x < modules:  # one rectangle per horizontal run of dark modules
            if row[x]:
                start = x
                while x < modules and row[x]:
                    x += 1
                drawing.add(
                    Rect(
                        start * cell,
                        side - (y + 1) * cell,
                        (x - start) * cell,
                        cell,
                        fillColor=colors.black,
                        strokeColor=None,
                        strokeWidth=0,
                    )
                )
            else:
                x += 1
    return drawing


def key_value_table(rows: list[tuple[str, str]]) -> Flowable:
    """Label/value rows as a bordered two-column table (35 % / 65 % of the text width)."""
    s = styles()
    width = A4[0] - 2 * _MARGIN
    data = [[paragraph(label, s["label"]), paragraph(value, s["body"])] for label, value in rows]
    table = Table(data, colWidths=[width * 0.35, width * 0.65], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F4F7")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#B8BEC8")),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


_MARGIN = 18 * mm


def build_pdf(*, title: str, story: list[Flowable], author: str = "exitentry") -> bytes:
    """Lay out ``story`` on A4 pages with a "title · page n / m" footer and return the PDF bytes."""
    register_fonts()
    _walk(story)
    title = str(title)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=author,
        creator="exitentry",
    )

    def canvasmaker(*args: Any, **kwargs: Any) -> _FooterCanvas:
        kwargs["initialFontName"] = SANS
        return _FooterCanvas(*args, footer_title=title, **kwargs)

    doc.build(list(story), canvasmaker=canvasmaker)
    return buffer.getvalue()


class _FooterCanvas(Canvas):
    """Holds every page until the end so the footer can say "page n / m" in one layout pass."""

    def __init__(self, *args: Any, footer_title: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer_title = footer_title
        self._saved_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        with _save_lock:
            super().save()

    def _draw_footer(self, total: int) -> None:
        text = f"{self._footer_title} · {self._pageNumber} / {total}"
        self.saveState()
        self.setStrokeColor(colors.HexColor("#B8BEC8"))
        self.setLineWidth(0.5)
        self.line(_MARGIN, 14 * mm, A4[0] - _MARGIN, 14 * mm)
        x = A4[0] - _MARGIN
        for font, chunk in reversed(_split_runs(text, SANS)):
            self.setFont(font, 8)
            x -= pdfmetrics.stringWidth(chunk, font, 8)
            self.drawString(x, 10 * mm, chunk)
        self.restoreState()
