"""The strings of the page scripts (``t("…")`` calls), found with Babel's JavaScript extractor.

The page passes their translations to the scripts in its JSON config; the same extraction
feeds the catalogues (``babel.cfg``), so the list is never kept by hand.
"""

from __future__ import annotations

from babel.messages.extract import extract_javascript

from geo_clsm.package_data import package_dir

SCRIPTS_DIR = package_dir("geo_clsm") / "web" / "static" / "app"  # not importing the web package


def _extract() -> list[str]:
    found: list[str] = []
    for path in sorted(SCRIPTS_DIR.glob("*.js")):
        with path.open("rb") as f:
            for _, _, message, _ in extract_javascript(f, {"t": None}, [], {}):
                text = message[0] if isinstance(message, tuple) else message
                if isinstance(text, str) and text not in found:
                    found.append(text)
    return found


JS_MSGIDS: list[str] = _extract()
