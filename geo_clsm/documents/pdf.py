"""HTML to accessible PDF with WeasyPrint (for the guide and the diagnostic report).

The PDF is tagged (PDF/UA-1: structure tree, reading order from the HTML, real text);
its language and title come from the HTML's ``lang`` attribute and ``<title>``.
WeasyPrint needs Pango (Debian ``libpango-1.0-0``, ``libpangoft2-1.0-0``): ``make`` installs it.
"""

from __future__ import annotations

from geo_clsm.model.errors import GeoClsmError


class PdfUnavailableError(GeoClsmError):
    """The PDF engine (WeasyPrint and its system libraries) is not installed."""


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render a self-contained HTML document to a tagged PDF (PDF/UA-1)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise PdfUnavailableError(
            "génération PDF indisponible : installer WeasyPrint et Pango (make install) ou demander le format HTML"
        ) from exc
    pdf = HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    assert pdf is not None  # write_pdf without a target returns the bytes
    return pdf
