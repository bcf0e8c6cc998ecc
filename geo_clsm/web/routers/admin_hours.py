"""The editor form's opening-hours preview: ``GET /admin/hours/preview`` (JSON, for the form's script)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from geo_clsm.model.hours import OpeningHoursError
from geo_clsm.model.hours_grid import grid_from_form, grid_from_text, hours_in_words, text_from_grid
from geo_clsm.web.admin_form import editor_translator, grid_fields
from geo_clsm.web.forms import to_login
from geo_clsm.web.rights import AUTHORISE
from geo_clsm.web.sessions import optional_session

router = APIRouter(include_in_schema=False, dependencies=[AUTHORISE])


@router.get("/admin/hours/preview")
def hours_preview(request: Request) -> Response:
    """The editor's opening hours: the grid's text, the hours in words, or the French error; for a
    typed text, its grid. The form's script asks as the editor types (one evaluation: the server's)."""
    if optional_session(request) is None:
        return to_login()
    t = editor_translator(request)
    params = {k: v[:50] for k, v in request.query_params.items()}
    grid = None
    try:
        if "text" in params:
            text = request.query_params["text"][:500].strip()
        else:
            text = text_from_grid(grid_from_form(params))
        words = hours_in_words(text, t)
        grid = grid_from_text(text)
    except OpeningHoursError as exc:
        return JSONResponse({"text": "", "words": "", "error": str(exc), "grid": None})
    return JSONResponse({"text": text, "words": words, "error": "", "grid": grid_fields(grid) if grid else None})
