"""The web package's one Jinja environment (the editor screens and the public pages), and where the
templates and static files are.

Templates live in ``geo_clsm/web/templates/`` (``admin/`` for the editor screens, ``pages/`` for the
public pages); ``.html`` templates are autoescaped. Pages get their URLs from the app's routes and
static mounts (:data:`PathFor`, i.e. ``app.url_path_for``): each URL is defined once, where it is
routed or mounted. Inline ``<script>`` and ``<style>`` elements get their CSP nonce from the
security middleware on the way out (cached pages included).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_decimal
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from geo_clsm.package_data import package_dir

TEMPLATE_DIR = package_dir("geo_clsm.web") / "templates"
STATIC_DIR = package_dir("geo_clsm.web") / "static"
"""Mounted by the app factory (``/static/app``, ``/static/vendor``, ``/static/admin``)."""
TEMPLATES = Jinja2Templates(directory=str(TEMPLATE_DIR))

PathFor = Callable[..., str]
"""``app.url_path_for``: a route's or a static file's path from its name (``path_for("gaps")``,
``path_for("app-static", path="map.js")``)."""


def json_script(data: Any) -> Markup:
    """``data`` as JSON safe inside a ``<script>`` element (key order kept, non-ASCII as is)."""
    return Markup(json.dumps(data, ensure_ascii=False).replace("</", "<\\/"))  # JSON, "</" escaped


def when(value: Any, lang: str) -> str:
    """A date and time (``datetime``) in ``lang`` (« 5 mars 2026, 14:07 »); anything else as it is."""
    if not isinstance(value, datetime):
        return str(value)
    return format_datetime(value, "d MMM y, HH:mm", locale=lang)


def number(value: int | float, lang: str) -> str:
    """A number in ``lang``'s format (« 12 345 » in French)."""
    return format_decimal(value, locale=lang)


TEMPLATES.env.filters["json_script"] = json_script
TEMPLATES.env.globals["when"] = when
TEMPLATES.env.globals["number"] = number


def render(name: str, /, **context: Any) -> str:
    """A template of ``templates/`` rendered to a string (pages cached or built outside a request)."""
    return TEMPLATES.env.get_template(name).render(**context)
