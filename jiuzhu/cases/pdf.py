"""Printable PDFs of public notices and decision letters (reportlab).

Chinese text uses reportlab's built-in CID font STSong-Light (Adobe-GB1): nothing is downloaded and no font
file is needed on the intranet server; PDF readers supply the glyphs.
"""
from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def render_pdf(*, title: str, paragraphs: list[str], table: list[list[str]] | None = None,
               closing: list[str] | None = None) -> bytes:
    """A one-document PDF: a centred title, paragraphs, an optional table (first row is the header) and
    closing lines aligned right (issuer, date)."""
    font = _font()
    title_style = ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=8 * mm)
    body = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=19, firstLineIndent=23, spaceAfter=3 * mm,
                          wordWrap="CJK")
    right = ParagraphStyle("right", parent=body, alignment=2, firstLineIndent=0)
    story = [Paragraph(escape(title), title_style)]
    story += [Paragraph(escape(text), body) for text in paragraphs]
    if table:
        t = Table(table, repeatRows=1, hAlign="CENTER")
        t.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), font, 10.5),
            ("GRID", (0, 0), (-1, -1), 0.5, "#555555"),
            ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]))
        story += [Spacer(1, 3 * mm), t, Spacer(1, 6 * mm)]
    story += [Paragraph(escape(text), right) for text in closing or []]
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=25 * mm, rightMargin=25 * mm,
                            topMargin=25 * mm, bottomMargin=20 * mm, author="jiuzhu", creator="jiuzhu")
    doc.build(story)
    return out.getvalue()
