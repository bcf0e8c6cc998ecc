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
from typing import Any

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


TEMPLATES.env.filters["json_script"] = json_script


def render(name: str, /, **context: Any) -> str:
    """A template of ``templates/`` rendered to a string (pages cached or built outside a request)."""
    return TEMPLATES.env.get_template(name).render(**context)
