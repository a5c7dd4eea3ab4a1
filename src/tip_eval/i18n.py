"""The languages tip_eval speaks: message catalogs (gettext, managed with Babel) and CLDR formatting.

Everything tip_eval says to a person (problem messages and their fixes, command-line messages,
templates, forms) is written in English in the code, marked for translation, and translated
through the gettext catalogs in ``tip_eval/locale/<lang>/LC_MESSAGES/tip_eval.po`` (compiled to
``.mo`` files that ship with the package). The catalogs are managed with Babel (``pybabel extract``,
``update``, ``compile``; see the README, "Languages"); the Khmer, Thai and Indonesian catalogs are
drafts for review by the partners' staff, and ``docs/glossary.csv`` fixes their key terms.

Choosing the language
---------------------
A language is chosen per call, never globally: :func:`translator` returns a :class:`Translator`
bound to one language, and :func:`using` binds a language for a block of code, so that code deep
in the stack (a reader raising a problem) speaks the caller's language without being passed it::

    from tip_eval.i18n import _, using

    with using("th"):
        text = _("Type a whole number.")      # Thai

The language of :func:`using` lives in a :class:`contextvars.ContextVar`: it is restored when
the block ends (also on an error), it is separate for each thread and each asyncio task (a new
thread starts in English), and nothing leaks from one call to the next.

Marking messages
----------------
``_("...")`` translates at once in the current language. Messages take named placeholders and
``str.format``, so that a translation may put them in its own order::

    _("{column} '{value}' is not a number").format(column=column, value=value)

``ngettext`` chooses the plural form of the language (one form in Khmer, Thai and Indonesian,
two in English); ``pgettext`` separates two uses of the same English words ("Phase" as a sheet
header and as a test); ``N_`` marks a message kept in a constant, translated later with ``_``.

Formatting
----------
:func:`format_number`, :func:`format_percent`, :func:`format_integer` and :func:`format_date` use
the CLDR data of Babel (decimal and grouping symbols, month names, date patterns), with Thai, Khmer,
Lao or Myanmar digits on request and the Thai Buddhist calendar as an option for dates.
:func:`install_jinja2` installs a translator in a Jinja2 environment (``jinja2.ext.i18n``) with
the formatting functions as filters.
"""

from __future__ import annotations

import datetime as _dt
import gettext as _gettext
import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "BUDDHIST_ERA_OFFSET",
    "DIGITS",
    "DOMAIN",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "N_",
    "Translator",
    "catalog_fingerprint",
    "check_language",
    "current_language",
    "format_date",
    "format_integer",
    "format_month",
    "format_number",
    "format_percent",
    "gettext",
    "install_jinja2",
    "language_name",
    "native_digits",
    "ngettext",
    "npgettext",
    "pgettext",
    "translator",
    "using",
]

#: The languages tip_eval writes in (BCP 47): English (the source language), Khmer, Thai, Indonesian.
LANGUAGES: tuple[str, ...] = ("en", "km", "th", "id")
#: Their names in English and in themselves.
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "km": "Khmer", "th": "Thai", "id": "Indonesian"}
NATIVE_NAMES: dict[str, str] = {"en": "English", "km": "ភាសាខ្មែរ", "th": "ภาษาไทย", "id": "Bahasa Indonesia"}
#: The gettext domain: ``locale/<lang>/LC_MESSAGES/tip_eval.mo``.
DOMAIN = "tip_eval"
#: Decimal digits of the scripts tip_eval writes or reads besides ASCII (0-9 in order).
DIGITS: dict[str, str] = {
    "th": "\u0e50\u0e51\u0e52\u0e53\u0e54\u0e55\u0e56\u0e57\u0e58\u0e59",  # Thai
    "km": "\u17e0\u17e1\u17e2\u17e3\u17e4\u17e5\u17e6\u17e7\u17e8\u17e9",  # Khmer
    "lo": "\u0ed0\u0ed1\u0ed2\u0ed3\u0ed4\u0ed5\u0ed6\u0ed7\u0ed8\u0ed9",  # Lao
    "my": "\u1040\u1041\u1042\u1043\u1044\u1045\u1046\u1047\u1048\u1049",  # Myanmar
}
#: The Buddhist era of Thailand and Laos counts from 543 BCE (B.E. 2566 = C.E. 2023).
BUDDHIST_ERA_OFFSET = 543
#: The era's abbreviation written before a Buddhist-era year.
_BUDDHIST_ERA = {"th": "\u0e1e.\u0e28.", "lo": "\u0e9e.\u0eaa.", "en": "B.E.", "km": "B.E.", "id": "B.E."}

_LANGUAGE: ContextVar[str] = ContextVar("tip_eval_language", default="en")


def check_language(lang: str | None) -> str:
    """Return ``lang`` if tip_eval writes in it (None: the current language); raise ValueError otherwise.

    Examples
    --------
    >>> check_language("km")
    'km'
    """
    if lang is None:
        return _LANGUAGE.get()
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)} (English, Khmer, Thai, Indonesian); got {lang!r}")
    return lang


def current_language() -> str:
    """The language bound by the innermost :func:`using` block of this thread or task (default ``"en"``)."""
    return _LANGUAGE.get()


# ------------------------------------------------------------------------------------- catalogs


def _catalog_file(lang: str):
    return resources.files("tip_eval").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.mo")


@cache
def _catalog(lang: str) -> _gettext.NullTranslations:
    if lang == "en":  # the messages are written in English: no catalog
        return _gettext.NullTranslations()
    with _catalog_file(lang).open("rb") as fh:
        return _gettext.GNUTranslations(fh)


def catalog_fingerprint(lang: str) -> str:
    """A digest of the compiled catalog of ``lang`` ("" for English), e.g. for cache keys: a corrected
    and recompiled catalog gives another digest.
    """
    lang = check_language(lang)
    if lang == "en":
        return ""
    return hashlib.sha256(_catalog_file(lang).read_bytes()).hexdigest()


class Translator:
    """Messages and numbers in one language.

    Parameters
    ----------
    lang : {"en", "km", "th", "id"}
        The language.
    native_digits : bool, default False
        Write numbers and dates with the language's own digits (Thai ``๑๒``, Khmer ``១២``); Arabic
        digits otherwise, as most reports in the region use.

    Notes
    -----
    A translator holds no state that changes: one may be shared between threads.
    """

    def __init__(self, lang: str, native_digits: bool = False) -> None:
        self.lang = check_language(lang)
        self.native_digits = bool(native_digits)
        self._t = _catalog(self.lang)

    def __repr__(self) -> str:
        return f"Translator({self.lang!r}{', native_digits=True' if self.native_digits else ''})"

    # messages
    def gettext(self, message: str) -> str:
        """``message`` in this language (the English when the catalog has no translation)."""
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of ``singular``/``plural`` for ``n`` things, by the language's plural rule."""
        return self._t.ngettext(singular, plural, int(n))

    def pgettext(self, context: str, message: str) -> str:
        """``message`` in this language, as used in ``context`` (e.g. ``"sheet"``)."""
        return self._t.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        """:meth:`ngettext` within ``context``."""
        return self._t.npgettext(context, singular, plural, int(n))

    # numbers and dates
    def number(self, value: Any, digits: int | None = None, missing: str = "\u2013") -> str:
        """See :func:`format_number`."""
        return format_number(value, self.lang, digits=digits, missing=missing, native_digits=self.native_digits)

    def integer(self, value: Any, missing: str = "\u2013") -> str:
        """See :func:`format_integer`."""
        return format_integer(value, self.lang, missing=missing, native_digits=self.native_digits)

    def percent(self, value: Any, digits: int = 0, missing: str = "\u2013") -> str:
        """See :func:`format_percent`."""
        return format_percent(value, self.lang, digits=digits, missing=missing, native_digits=self.native_digits)

    def date(self, value: Any, format: str = "medium", calendar: str = "gregorian", missing: str = "\u2013") -> str:
        """See :func:`format_date`."""
        return format_date(
            value, self.lang, format=format, calendar=calendar, missing=missing, native_digits=self.native_digits
        )


def translator(lang: str | None = None, native_digits: bool = False) -> Translator:
    """The :class:`Translator` of ``lang`` (None: the current language; see :func:`using`).

    Examples
    --------
    >>> t = translator("id")
    >>> t.gettext("Type a whole number.")
    'Ketik bilangan bulat.'
    """
    return _translator(check_language(lang), bool(native_digits))  # None is resolved before the cache


@cache
def _translator(lang: str, native_digits: bool) -> Translator:
    return Translator(lang, native_digits)


@contextmanager
def using(lang: str | None) -> Iterator[Translator]:
    """Bind ``lang`` for the messages made inside the block (None: keep the current language).

    Yields the block's :class:`Translator`. The previous language comes back when the block ends,
    also when it ends with an error; blocks nest.
    """
    lang = check_language(lang)
    token = _LANGUAGE.set(lang)
    try:
        yield translator(lang)
    finally:
        _LANGUAGE.reset(token)


def gettext(message: str) -> str:
    """``message`` in the current language (see :func:`using`)."""
    lang = _LANGUAGE.get()
    return message if lang == "en" else translator(lang).gettext(message)


#: The usual short name of :func:`gettext`, the one ``pybabel extract`` looks for.
_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n`` things in the current language."""
    return translator(_LANGUAGE.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` as used in ``context``, in the current language."""
    return translator(_LANGUAGE.get()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """:func:`ngettext` within ``context``, in the current language."""
    return translator(_LANGUAGE.get()).npgettext(context, singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it (translate it later with ``_``)."""
    return message


# ----------------------------------------------------------------------------------- formatting


def native_digits(text: str, lang: str) -> str:
    """``text`` with ASCII digits written in the digits of ``lang`` (``th``, ``km``, ``lo``, ``my``;
    other languages unchanged).

    Examples
    --------
    >>> native_digits("18/4/2566", "th")
    '๑๘/๔/๒๕๖๖'
    """
    digits = DIGITS.get(lang)
    return text.translate(str.maketrans("0123456789", digits)) if digits else text


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isinf(value))
    except (TypeError, ValueError):
        return False


#: Languages the formatting functions accept: the message languages, and Lao and Burmese (read in
#: data, and formatted on request, but without message catalogs).
FORMAT_LANGUAGES: tuple[str, ...] = (*LANGUAGES, "lo", "my")


def _locale(lang: str | None) -> str:
    if lang is None:
        return _LANGUAGE.get()
    if lang not in FORMAT_LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(FORMAT_LANGUAGES)}; got {lang!r}")
    return lang


def format_number(
    value: Any,
    lang: str | None = None,
    *,
    digits: int | None = None,
    missing: str = "\u2013",
    native_digits: bool = False,
) -> str:
    """A number as written in ``lang`` (CLDR decimal and grouping symbols).

    Parameters
    ----------
    value : float
        The number; None, NaN and infinite values give ``missing``.
    lang : str, optional
        ``en``, ``km``, ``th``, ``id`` (also ``lo``, ``my``); None: the current language.
    digits : int, optional
        Exactly this many decimals (rounded half to even); None: up to three, as CLDR does.
    native_digits : bool, default False
        Thai, Khmer, Lao or Myanmar digits instead of ASCII ones.

    Examples
    --------
    >>> format_number(1234.5, "id", digits=1), format_number(1234.5, "th", digits=1)
    ('1.234,5', '1,234.5')
    """
    from babel.numbers import format_decimal

    loc = _locale(lang)
    if _missing(value):
        return missing
    pattern = None if digits is None else "#,##0" + ("." + "0" * int(digits) if digits > 0 else "")
    text = format_decimal(value, format=pattern, locale=loc)
    return _digits(text, loc) if native_digits else text


def format_integer(value: Any, lang: str | None = None, *, missing: str = "\u2013", native_digits: bool = False) -> str:
    """A whole number (a count) as written in ``lang``: :func:`format_number` with no decimals."""
    return format_number(value, lang, digits=0, missing=missing, native_digits=native_digits)


def format_percent(
    value: Any, lang: str | None = None, *, digits: int = 0, missing: str = "\u2013", native_digits: bool = False
) -> str:
    """A share (0-1) as a percentage written in ``lang`` (CLDR percent pattern).

    Examples
    --------
    >>> format_percent(0.525, "en", digits=1), format_percent(0.525, "id", digits=1)
    ('52.5%', '52,5%')
    """
    from babel.numbers import format_percent as _format_percent

    loc = _locale(lang)
    if _missing(value):
        return missing
    pattern = "#,##0" + ("." + "0" * int(digits) if digits > 0 else "") + "%"
    text = _format_percent(value, format=pattern, locale=loc)
    return _digits(text, loc) if native_digits else text


def _digits(text: str, lang: str) -> str:
    return native_digits(text, lang)


def format_date(
    value: Any,
    lang: str | None = None,
    *,
    format: str = "medium",
    calendar: str = "gregorian",
    missing: str = "\u2013",
    native_digits: bool = False,
) -> str:
    """A date as written in ``lang`` (CLDR month names and patterns).

    Parameters
    ----------
    value : datetime.date, datetime.datetime, pandas.Timestamp or ISO text
        The date (a time of day is ignored); None or NaT give ``missing``.
    lang : str, optional
        ``en``, ``km``, ``th``, ``id`` (also ``lo``, ``my``); None: the current language.
    format : {"short", "medium", "long", "full"}, default "medium"
        The CLDR length.
    calendar : {"gregorian", "buddhist"}, default "gregorian"
        ``"buddhist"``: the year in the Buddhist era of Thailand and Laos (C.E. + 543), as Thai
        official documents write it, with its abbreviation (พ.ศ.) where the pattern has an era;
        for ``th`` and ``lo`` only (Cambodia and Myanmar count the Buddhist era from another year
        and start it in April or May, so a day of their Buddhist era needs its lunar date).
    native_digits : bool, default False
        Thai, Khmer, Lao or Myanmar digits instead of ASCII ones.

    Examples
    --------
    >>> import datetime
    >>> format_date(datetime.date(2023, 4, 18), "th", calendar="buddhist")
    '18 เม.ย. 2566'
    >>> format_date(datetime.date(2023, 4, 18), "th", format="long", calendar="buddhist")
    '18 เมษายน พ.ศ. 2566'
    """
    from babel.dates import format_date as _format_date, get_date_format, tokenize_pattern, untokenize_pattern

    loc = _locale(lang)
    if calendar not in ("gregorian", "buddhist"):
        raise ValueError(f"calendar must be 'gregorian' or 'buddhist'; got {calendar!r}")
    if format not in ("short", "medium", "long", "full"):
        raise ValueError(f"format must be one of short, medium, long, full; got {format!r}")
    if _missing(value):
        return missing
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, _dt.datetime):
        value = value.date()
    if not isinstance(value, _dt.date):
        raise TypeError(f"value must be a date; got {type(value).__name__}")
    if calendar == "gregorian":
        text = _format_date(value, format=format, locale=loc)
    else:
        if loc not in ("th", "lo"):
            raise ValueError(f"calendar='buddhist' is for Thai and Lao dates (the era of C.E. + 543); got lang {loc!r}")
        tokens: list[tuple[str, Any]] = []
        for kind, token in tokenize_pattern(get_date_format(format, locale=loc).pattern):  # type: ignore[arg-type]
            if kind == "field" and token[0] == "y":
                tokens.append(("chars", str(value.year + BUDDHIST_ERA_OFFSET)))
            elif kind == "field" and token[0] == "G":
                tokens.append(("chars", _BUDDHIST_ERA[loc]))
            else:
                tokens.append((kind, token))
        pattern = untokenize_pattern(tokens)
        text = _format_date(value, format=pattern, locale=loc)
    return _digits(text, loc) if native_digits else text


def language_name(code: str, lang: str | None = None) -> str:
    """The name of the language ``code`` written in ``lang`` (CLDR): "Khmer", "เขมร", "ខ្មែរ".

    Examples
    --------
    >>> language_name("km", "th")
    'เขมร'
    """
    loc = _locale(lang)
    if loc == "en" and code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    from babel import Locale

    return Locale.parse(loc).languages.get(code, code)


def format_month(year: int, month: int, lang: str | None = None) -> str:
    """A month of a year as written in ``lang`` (CLDR skeleton ``yMMMM``): "April 2023", "เมษายน 2023".

    Examples
    --------
    >>> format_month(2023, 4, "id")
    'April 2023'
    """
    from babel.dates import format_skeleton

    loc = _locale(lang)
    try:
        day = _dt.date(int(year), int(month), 1)
    except ValueError:
        return f"{int(year):04d}-{int(month):02d}"
    return format_skeleton("yMMMM", day, locale=loc)


# ------------------------------------------------------------------------------------- Jinja2


def install_jinja2(env: Any, lang: str | None = None, *, native_digits: bool = False) -> Translator:
    """Install the translator of ``lang`` in a Jinja2 environment; return it.

    Adds the ``jinja2.ext.i18n`` extension with new-style gettext (templates write
    ``{{ _("%(n)s people", n=n) }}``, ``{% trans %}...{% endtrans %}``, ``ngettext`` and
    ``pgettext``; a literal percent sign is ``%%``), and the filters ``number``, ``integer``,
    ``percent`` and ``date`` (``{{ x | number(1) }}``, ``{{ share | percent }}``) in that language.
    The environment serves one language: make one environment per language.
    """
    t = translator(lang, native_digits)
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(t.gettext, t.ngettext, newstyle=True, pgettext=t.pgettext, npgettext=t.npgettext)
    env.filters.update({"number": t.number, "integer": t.integer, "percent": t.percent, "date": t.date})
    return t
