"""Languages of the resident pages: French source strings, Babel/gettext catalogues.

French is the source language: every user-facing sentence in the code is its own msgid
(``t("Chercher")``). ``locales/<lang>/LC_MESSAGES/messages.po`` holds the translations; the
catalogues are read with Babel's API when first used (no compiled ``.mo`` file is committed).
See ``docs/i18n.md`` for how a CLSM adds a language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from babel import Locale, negotiate_locale
from babel.messages.pofile import read_po

from geo_clsm.package_data import package_dir

LOCALES_DIR = package_dir("geo_clsm.i18n") / "locales"
DEFAULT_LANG = "fr"
RTL_LANGS = frozenset({"ar", "he", "fa", "ur"})


def available_langs() -> list[str]:
    """French, then every language with a catalogue, in alphabetical order."""
    found = sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file())
    return [DEFAULT_LANG, *[lang for lang in found if lang != DEFAULT_LANG]]


@dataclass(frozen=True)
class Translator:
    """Translates French msgids to one language; unknown msgids stay in French."""

    lang: str
    messages: dict[str, str] = field(default_factory=dict)

    def __call__(self, text: str, /, **values: object) -> str:
        out = self.messages.get(text) or text
        return out.format(**values) if values else out

    @property
    def dir(self) -> str:
        return "rtl" if self.lang in RTL_LANGS else "ltr"

    @property
    def name(self) -> str:
        """The language's own name ("English", "العربية")."""
        return Locale.parse(self.lang).get_display_name(self.lang) or self.lang

    def language_name(self, code: str) -> str:
        """A language's name in this translator's language ("arabe" in French), from Babel's CLDR data."""
        return str(Locale.parse(self.lang).languages.get(code, code))


@cache
def translator(lang: str) -> Translator:
    """The translator for ``lang`` (French, or a language with a catalogue)."""
    if lang == DEFAULT_LANG or lang not in available_langs():
        return Translator(DEFAULT_LANG)
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    messages = {
        str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }
    return Translator(lang, messages)


def choose_lang(requested: str | None, accept_language: str | None) -> str:
    """``?lang=`` when it names an available language, else the browser's preference, else French."""
    langs = available_langs()
    if requested and requested in langs:
        return requested
    if accept_language:
        prefs = []
        for part in accept_language.split(","):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                continue
            if tag and tag != "*":
                prefs.append((weight, tag.strip()))
        ordered = [tag for _, tag in sorted(prefs, key=lambda p: -p[0])]
        found = negotiate_locale(ordered, langs, sep="-") or negotiate_locale(
            [t.split("-")[0] for t in ordered], langs, sep="-"
        )
        if found:
            return found
    return DEFAULT_LANG


def N_(text: str, /) -> str:
    """Marks a French msgid shown later through a translator (``t(KIND_LABELS[k])``): returns it as it is,
    and ``python -m geo_clsm.i18n.extract`` collects it like a ``t("…")`` call."""
    return text


def js_messages(t: Translator, msgids: Iterable[str]) -> dict[str, str]:
    """The translations of the script's strings, for the page's JSON config."""
    return {m: t(m) for m in msgids if t(m) != m}
