"""Reader pages in the reader's language: gettext catalogs compiled with Babel
(src/civility/web/locale/<lang>/LC_MESSAGES/messages.po -> .mo), the page language chosen per
article (its ``lang``) or by the embed's ``lang`` parameter, the writing direction of each, and
relative times ("1 hour ago") with each language's plural rules.

Catalogs: ``pybabel extract -F babel.cfg -o src/civility/web/locale/messages.pot src/civility``,
``pybabel update``/``compile -d src/civility/web/locale`` (tests/web/test_i18n.py checks that the
compiled .mo files match their .po sources)."""

from __future__ import annotations

import gettext as _gettext
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from babel.support import NullTranslations, Translations

from civility.web.timefmt import as_utc

LOCALE_DIR = Path(__file__).with_name("locale")
DEFAULT = "en"
# The publisher's languages, with the CLDR locale Babel knows each by (Kurmanji is "ku")
READER_LANGUAGES = {"en": "en", "ckb": "ckb", "kmr": "ku", "ar": "ar", "fa": "fa", "tr": "tr"}
RTL = frozenset({"ckb", "ar", "fa"})
ALIASES = {"ku": "kmr", "ku-latn": "kmr", "ckb-arab": "ckb", "ku-arab": "ckb", "en-us": "en", "en-gb": "en"}

_UNITS = (
    (365 * 24 * 3600, "year"),
    (30 * 24 * 3600, "month"),
    (7 * 24 * 3600, "week"),
    (24 * 3600, "day"),
    (3600, "hour"),
    (60, "minute"),
)


def reader_language(*candidates: str | None) -> str:
    """The first of ``candidates`` (e.g. the embed's lang, the article's) the pages are written in."""
    for cand in candidates:
        if not cand:
            continue
        code = cand.strip().lower().replace("_", "-")
        code = ALIASES.get(code, code)
        if code in READER_LANGUAGES:
            return code
        base = code.split("-")[0]
        if base in READER_LANGUAGES:
            return base
    return DEFAULT


@lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    if lang == DEFAULT or lang not in READER_LANGUAGES:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [lang], domain="messages")


@dataclass(frozen=True)
class PageLanguage:
    code: str

    @property
    def dir(self) -> str:
        return "rtl" if self.code in RTL else "ltr"

    @property
    def gettext(self) -> Callable[[str], str]:
        return translations(self.code).gettext

    @property
    def ngettext(self) -> Callable[[str, str, int], str]:
        return translations(self.code).ngettext

    def relative(self, moment: datetime | None, now: datetime | None = None) -> str:
        """'3 hours ago' in this language (plural rules from its catalog)."""
        if moment is None:
            return ""
        from datetime import timezone

        now = as_utc(now or datetime.now(timezone.utc))
        seconds = abs(int((now - as_utc(moment)).total_seconds()))
        if seconds < 45:
            return self.gettext("just now")
        count, unit = max(1, round(seconds / 60)), "minute"
        for size, name in _UNITS:
            if seconds >= size:
                count, unit = seconds // size, name
                break
        forms = {
            "minute": ("%(num)d minute ago", "%(num)d minutes ago"),
            "hour": ("%(num)d hour ago", "%(num)d hours ago"),
            "day": ("%(num)d day ago", "%(num)d days ago"),
            "week": ("%(num)d week ago", "%(num)d weeks ago"),
            "month": ("%(num)d month ago", "%(num)d months ago"),
            "year": ("%(num)d year ago", "%(num)d years ago"),
        }[unit]
        return self.ngettext(*forms, count) % {"num": count}

    def context(self) -> dict[str, Any]:
        """What the templates use: _, gettext, ngettext, page_lang, page_dir, relative."""
        return {
            "_": self.gettext,
            "gettext": self.gettext,
            "ngettext": self.ngettext,
            "page_lang": self.code,
            "page_dir": self.dir,
            "relative_in_lang": self.relative,
        }
