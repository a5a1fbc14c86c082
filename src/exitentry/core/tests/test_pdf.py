"""The shared PDF toolkit: embedded fonts for every language, extractable text, a readable QR code."""

import base64
import re
import zlib

import cv2
import numpy as np
import pytest
from django.utils import translation
from reportlab.graphics.shapes import Rect
from reportlab.platypus import Paragraph, Table

from exitentry.core import pdf

SAMPLES = {
    "zh": "您的护照已办理完成",
    "ja": "パスポートの申請",
    "ko": "여권 신청이 완료되었습니다",
    "ru": "Ваш паспорт готов",
    "en": "Your passport is ready",
}


def _streams(data: bytes) -> str:
    """Every stream of the PDF, inflated where compressed, as latin-1 text."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        body = raw.strip()
        if body.endswith(b"~>"):  # ASCII85 wrapped (page content streams)
            body = base64.a85decode(body if body.startswith(b"<~") else b"<~" + body, adobe=True)
        try:
            out.append(zlib.decompressobj().decompress(body).decode("latin-1"))
        except zlib.error:
            out.append(body.decode("latin-1"))
    return "\n".join(out)


def _unicode_mapped(text: str, streams: str) -> bool:
    """True when every character of ``text`` appears as a target of a ToUnicode CMap."""
    targets = {m.lower() for m in re.findall(r"<[0-9A-Fa-f]+> <([0-9A-Fa-f]{4})>", streams)}
    return all(f"{ord(ch):04x}" in targets for ch in text if not ch.isspace())


def test_every_language_is_drawn_in_an_embedded_font_and_maps_back_to_unicode():
    s = pdf.styles()
    story = [pdf.paragraph(text, s["body"]) for text in SAMPLES.values()]
    data = pdf.build_pdf(title="Test", story=story)

    assert data.startswith(b"%PDF-")
    # Latin/Cyrillic, CJK and Hangul faces, each embedded as a TrueType subset.
    assert data.count(b"/FontFile2") == 3
    for name in (b"DejaVuSans", b"DroidSansFallback", b"NanumGothic"):
        assert re.search(rb"/BaseFont /[A-Z]{6}\+" + name, data)
    streams = _streams(data)
    for language, text in SAMPLES.items():
        assert _unicode_mapped(text, streams), language


def test_a_mixed_run_is_split_into_the_font_that_has_each_glyph():
    para = pdf.paragraph("张三 / Иван / 김민수", pdf.styles()["body"])

    assert [(frag.fontName, frag.text) for frag in para.frags] == [
        (pdf.CJK, "张三 "),
        (pdf.SANS, "/ Иван / "),
        (pdf.HANGUL, "김민수"),
    ]


def test_build_pdf_applies_the_fallback_to_paragraphs_inside_tables():
    s = pdf.styles()
    cell = Paragraph("이름", s["body"])
    pdf.build_pdf(title="T", story=[Table([[cell]])])

    assert [frag.fontName for frag in cell.frags] == [pdf.HANGUL]


def test_user_text_is_escaped_not_interpreted_as_markup():
    para = pdf.paragraph("<b>x</b> & y", pdf.styles()["body"])

    assert "".join(frag.text for frag in para.frags) == "<b>x</b> & y"


def test_footer_numbers_pages_out_of_the_total():
    s = pdf.styles()
    story = [pdf.paragraph(f"line {i}", s["body"]) for i in range(120)]
    data = pdf.build_pdf(title="Long", story=story)

    # 120 lines at 14 pt leading fill three A4 pages; each footer knows the total.
    assert len(re.findall(rb"/Type /Page\b", data)) == 3
    footers = re.findall(r"\(Long \S+ (\d / \d)\) Tj", _streams(data))
    assert footers == ["1 / 3", "2 / 3", "3 / 3"]


def test_cjk_languages_wrap_without_spaces_others_on_words():
    with translation.override("zh-hans"):
        assert pdf.styles()["body"].wordWrap == "CJK"
    with translation.override("ja"):
        assert pdf.styles()["body"].wordWrap == "CJK"
    with translation.override("ru"):
        assert pdf.styles()["body"].wordWrap is None


def _rasterise(drawing, scale: int = 8) -> np.ndarray:
    size = round(drawing.width * scale)
    img = np.full((size, size), 255, np.uint8)
    for shape in drawing.contents:
        if isinstance(shape, Rect) and shape.fillColor is not None and shape.fillColor.red == 0:
            x0 = round(shape.x * scale)
            x1 = round((shape.x + shape.width) * scale)
            y1 = size - round(shape.y * scale)
            y0 = size - round((shape.y + shape.height) * scale)
            img[y0:y1, x0:x1] = 0
    return img


@pytest.mark.parametrize("size_mm", [20, 30])
def test_qr_flowable_decodes_to_the_data_at_the_requested_size(size_mm):
    url = "https://exitentry.example/track/?number=EA2026000123"
    drawing = pdf.qr_flowable(url, size_mm=size_mm)

    assert drawing.width == pytest.approx(size_mm * 72 / 25.4)
    decoded, _points, _ = cv2.QRCodeDetector().detectAndDecode(_rasterise(drawing))
    assert decoded == url


def test_key_value_table_has_one_row_per_pair_with_label_and_value():
    table = pdf.key_value_table([("姓名", "张三"), ("Номер", "EA1")])

    cells = [["".join(f.text for f in cell.frags) for cell in row] for row in table._cellvalues]
    assert cells == [["姓名", "张三"], ["Номер", "EA1"]]
