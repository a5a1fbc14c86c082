"""The printed certificate (PDF) and the same content as rows for the verification page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.platypus import Spacer, Table, TableStyle

from exitentry.core import pdf
from exitentry.core.i18n import localized
from exitentry.identity.models import HeldDocumentType
from exitentry.records.models import Certificate, Direction
from exitentry.records.services import format_code, verify_url


def crossing_rows(content: dict[str, Any]) -> list[dict[str, str]]:
    """The crossings of a certificate's content, labelled in the active language."""
    directions = dict(Direction.choices)
    documents = dict(HeldDocumentType.choices)
    return [
        {
            "date": row["date"],
            "direction": str(directions.get(row["direction"], row["direction"])),
            "port": localized(row["port_names"]) or row["port"],
            "document": str(documents.get(row["document_type"], row["document_type"])),
            "document_number": row["document_number_masked"],
        }
        for row in content["crossings"]
    ]


def certificate_pdf(certificate: Certificate, *, base_url: str | None = None) -> bytes:
    content = certificate.content
    s = pdf.styles()
    title = _("Exit-entry record certificate")
    story: list[Any] = [
        pdf.paragraph(title, s["title"]),
        pdf.key_value_table(
            [
                (pgettext("person", "Name"), content["name"]),
                (_("Resident ID number"), content["id_number_masked"]),
                (pgettext("date range", "Period"), f"{content['period_from']} – {content['period_to']}"),
                (_("Issued on"), content["issued_on"]),
                (_("Verification code"), format_code(certificate.code)),
            ]
        ),
        Spacer(1, 12),
        pdf.paragraph(_("Border crossings"), s["heading"]),
    ]
    rows = crossing_rows(content)
    if rows:
        header = [_("Date"), _("Direction"), _("Port"), _("Document"), _("Document number")]
        data = [[pdf.paragraph(text, s["label"]) for text in header]]
        for row in rows:
            data.append(
                [
                    pdf.paragraph(row[key], s["small"])
                    for key in ("date", "direction", "port", "document", "document_number")
                ]
            )
        table = Table(data, repeatRows=1, colWidths=["16%", "12%", "28%", "26%", "18%"])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, "#8a8f98"),
                    ("BACKGROUND", (0, 0), (-1, 0), "#e8ecf2"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    else:
        story.append(pdf.paragraph(_("No border crossings are on record for this period."), s["body"]))
    url = verify_url(certificate, base_url)
    story += [
        Spacer(1, 14),
        pdf.paragraph(_("Verify this certificate"), s["heading"]),
        pdf.paragraph(
            _("Scan the code or open %(url)s and enter the verification code %(code)s.")
            % {"url": url.split("?")[0], "code": format_code(certificate.code)},
            s["body"],
        ),
        pdf.qr_flowable(url, size_mm=32),
    ]
    return pdf.build_pdf(title=title, story=story)
