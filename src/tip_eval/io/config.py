"""``study.toml``: which files make up a study and how each one is laid out.

Example::

    [study]
    name = "Regional curriculum roll-out 2022-2023"
    min_cell = 5                 # smallest group any published output shows (at least 3)
    thousands = ","              # thousands separator in typed numbers ("" for none)
    decimal = "."
    currency = "USD"             # reporting currency of costs (optional)
    rates = { KHR = 0.000245, THB = 0.028 }   # USD for one unit of each; given, never looked up
    phases = { "Retention (3 months)" = "delayed" }   # a partner's own name of a test phase
    sectors = { "Fire brigade" = "other" }            # a partner's own sector (or gender: genders) label
    delayed_test_months = 3      # months from training to the delayed post-test, when no test dates

    [limits]                     # optional: raise a reading limit for large files (see ReadLimits)
    max_rows = 500000

    [[sources]]
    file = "item_bank.xlsx"
    layout = "item_bank"

    [[sources]]
    file = "trainings/KHM-PNH-2023.xlsx"
    layout = "template"

    [[sources]]
    file = "followup.xlsx"
    layout = "followup"

Each source may also give ``sheet`` (or ``sheets``), ``columns`` (a partner's header -> canonical
column) and layout-specific settings.

A study folder comes from someone else, so its settings are checked against a schema
(:data:`STUDY_SETTINGS`, :data:`SOURCE_SETTINGS`, :data:`LIMIT_SETTINGS`) before any file is
read: unknown keys, wrong types, values out of range and unknown choices are refused with
:class:`tip_eval.InputRefused`, whose message names the key, what it holds and what is allowed.

Every path a study names (``file``, a ``documents`` file, and any other file option of
:data:`PATH_OPTIONS`) must lie inside the study folder once links are followed: an absolute path
(``/home/...``, ``C:\\...``, ``\\\\server\\share``), a ``..`` that leaves the folder, or a link
(symlink) to a place outside it is refused, and so is ``study.toml`` itself when it is a link out
of its folder. Paths may use ``\\`` (as written on Windows) or ``/``.

To extend the schema (a new setting of ``[study]`` or a new source option), add its key with a
check to :data:`STUDY_SETTINGS` or :data:`SOURCE_SETTINGS`: a check is a function
``value -> None`` that raises :class:`SettingError` with a sentence saying what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import posixpath
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from tip_eval.errors import InputRefused
from tip_eval.i18n import LANGUAGES, N_, _, format_integer, format_number, ngettext
from tip_eval.io.cost_settings import COST_SETTING_KEYS, check_cost_settings
from tip_eval.io.limits import CEILINGS, ReadLimits
from tip_eval.io.sources import SourceConfig, StudyConfig, min_cell_problem  # defined below the layouts

__all__ = [
    "LIMIT_SETTINGS",
    "PATH_OPTIONS",
    "SOURCE_KEYS",
    "SOURCE_SETTINGS",
    "STUDY_KEYS",
    "STUDY_SETTINGS",
    "SettingError",
    "SourceConfig",
    "StudyConfig",
    "contained_path",
    "read_config",
    "study_language",
]

#: Largest study.toml read (a settings file is a few kilobytes).
MAX_TOML_BYTES = 1024 * 1024

_EXAMPLE = N_("compare with sample_data/study.toml")


class SettingError(ValueError):
    """A setting does not hold what the schema allows; the message says what is allowed."""


Check = Callable[[Any], None]


# ------------------------------------------------------------------------------------ checks


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def text(max_len: int = 500, pattern: str | None = None, what: str = "") -> Check:
    """A non-empty string of at most ``max_len`` characters (matching ``pattern``); ``what`` (marked
    with ``N_``) says what it is.
    """

    def check(value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            if what:
                raise SettingError(
                    _("must be {what}, in quotes; got {value}").format(what=_(what), value=_shown(value))
                )
            raise SettingError(_("must be a text in quotes; got {value}").format(value=_shown(value)))
        if len(value) > max_len:
            raise SettingError(
                _("must be at most {n} characters long; got {length}").format(
                    n=format_integer(max_len), length=format_integer(len(value))
                )
            )
        if pattern is not None and not re.fullmatch(pattern, value):
            raise SettingError(
                _("must be {what}; got {value}").format(what=_(what or N_("a valid name")), value=_shown(value))
            )

    return check


def integer(low: int, high: int) -> Check:
    """A whole number from ``low`` to ``high``."""

    def check(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingError(
                _("must be a whole number from {low} to {high} (without quotes); got {value}").format(
                    low=format_integer(low), high=format_integer(high), value=_shown(value)
                )
            )
        if not low <= value <= high:
            raise SettingError(
                _("must be a whole number from {low} to {high}; got {value}").format(
                    low=format_integer(low), high=format_integer(high), value=format_integer(value)
                )
            )

    return check


def number(low: float, high: float, *, above: bool = False) -> Check:
    """A number from ``low`` (or above it) to ``high``."""

    def check(value: Any) -> None:
        words = (_("greater than {low} and at most {high}") if above else _("from {low} to {high}")).format(
            low=format_number(low), high=format_number(high)
        )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SettingError(
                _("must be a number {range} (without quotes); got {value}").format(range=words, value=_shown(value))
            )
        if value < low or value > high or (above and value == low):
            raise SettingError(
                _("must be a number {range}; got {value}").format(range=words, value=format_number(value))
            )

    return check


def boolean(value: Any) -> None:
    if not isinstance(value, bool):
        raise SettingError(_("must be true or false (without quotes); got {value}").format(value=_shown(value)))


def choice(*allowed: str, case: bool = True) -> Check:
    """One of ``allowed`` (ignoring case when ``case`` is False)."""

    def check(value: Any) -> None:
        ok = isinstance(value, str) and (
            value in allowed if case else value.casefold() in {a.casefold() for a in allowed}
        )
        if not ok:
            raise SettingError(
                _("must be one of {allowed}; got {value}").format(
                    allowed=", ".join(repr(a) for a in allowed), value=_shown(value)
                )
            )

    return check


def either(*checks: Check, words: str) -> Check:
    """Any one of ``checks``; ``words`` (marked with ``N_``) says what is allowed."""

    def check(value: Any) -> None:
        for c in checks:
            try:
                c(value)
                return
            except SettingError:
                continue
        raise SettingError(_("must be {what}; got {value}").format(what=_(words), value=_shown(value)))

    return check


def table(keys: Check | None = None, values: Check | None = None, *, words: str = N_("a table")) -> Check:
    """A TOML table (``{ "a" = "b" }``) whose keys and values pass ``keys`` and ``values``; ``words``
    (marked with ``N_``) says what it holds.
    """

    def check(value: Any) -> None:
        if not isinstance(value, dict):
            raise SettingError(
                _("must be {what} such as {example}; got {value}").format(
                    what=_(words), example='{ "key" = "value" }', value=_shown(value)
                )
            )
        if len(value) > 10_000:
            raise SettingError(
                _("must be {what} of at most {n} entries; got {length}").format(
                    what=_(words), n=format_integer(10_000), length=format_integer(len(value))
                )
            )
        for k, v in value.items():
            try:
                if keys is not None:
                    keys(k)
                if values is not None:
                    values(v)
            except SettingError as err:
                raise SettingError(
                    _("has the entry {key} = {value}, which {reason}").format(
                        key=_shown(k), value=_shown(v), reason=err
                    )
                ) from None

    return check


def list_of(item: Check, low: int = 1, high: int = 20, *, words: str) -> Check:
    """A list of ``low`` to ``high`` items, each passing ``item``; ``words`` (marked with ``N_``) says
    what it holds.
    """

    def check(value: Any) -> None:
        if not isinstance(value, list) or not low <= len(value) <= high:
            raise SettingError(_("must be {what}; got {value}").format(what=_(words), value=_shown(value)))
        for v in value:
            try:
                item(v)
            except SettingError:
                raise SettingError(
                    _("must be {what}; got {value}").format(what=_(words), value=_shown(value))
                ) from None

    return check


def _scalar(value: Any) -> None:
    if isinstance(value, (dict, list)) or (isinstance(value, float) and not math.isfinite(value)):
        raise SettingError(_("must be a text, a number or a date; got {value}").format(value=_shown(value)))


def _layout(value: Any) -> None:
    from tip_eval.io.registry import LAYOUTS

    choice(*sorted(LAYOUTS))(value)


def _sheet_kinds(value: Any) -> None:
    from tip_eval.io.layouts import SHEET_NAMES

    choice(*SHEET_NAMES)(value)


def _min_cell(value: Any) -> None:
    """``min_cell``: the one rule of :func:`tip_eval.io.sources.check_min_cell`."""
    problem = min_cell_problem(value)
    if problem is not None:
        raise SettingError(problem)


_NAME = text(300)
_WORDS = text(200)
_ID = either(text(100), integer(0, 10**15), words=N_("a text or a whole number"))

#: ``[study]``: key -> check.
STUDY_SETTINGS: dict[str, Check] = {
    "name": _NAME,
    "min_cell": _min_cell,
    "thousands": choice(",", ".", " ", "'", "\u00a0", "\u202f", ""),
    "decimal": choice(".", ","),
    "dayfirst": boolean,
    "id_case": choice("upper", "as_written"),
    # a study may only choose among tip_eval's own variables, never read another secret of the officer's
    "hash_key_env": text(
        100, r"TIP_EVAL_[A-Z0-9_]+", N_("the name of an environment variable starting with TIP_EVAL_")
    ),
    "hash_key_file": text(1000),
    "name_match": number(50, 100),
    "name_review": number(0, 100),
    # the language tip_eval writes the study's problems, fixes, templates and brief in
    "language": choice(*LANGUAGES),
}


def _phase_code(value: Any) -> None:
    from tip_eval import vocab

    if not isinstance(value, str) or vocab.lookup("phase", value) is None:
        raise SettingError(
            _(
                'must be "pre", "post" or "delayed" (a delayed post-test or retention test taken '
                "weeks or months after the training); got {value}"
            ).format(value=_shown(value))
        )


def _vocab_code(kind: str) -> Check:
    """A code (or label) of a roster vocabulary, for a study's own labels (``sectors``, ``genders``)."""

    def check(value: Any) -> None:
        from tip_eval import vocab

        if not isinstance(value, str) or vocab.lookup(kind, value) is None:
            raise SettingError(
                f"must be a {kind} of the list ({', '.join(map(str, vocab.codes(kind)))}); got {_shown(value)}"
            )

    return check


#: study.toml keys of a study's own labels of the roster's vocabularies -> the vocabulary
OWN_LABEL_SETTINGS: dict[str, str] = {"sectors": "sector", "genders": "gender"}

_MONTHS = number(0, 120)
# a partner's own label of a test phase, and the months from a training to its delayed post-test when
# the files do not record the dates of the tests (one number, or one per training)
STUDY_SETTINGS.update(
    {
        "phases": table(text(200), _phase_code, words=N_("a table of your label = phase (pre, post or delayed)")),
        # a partner's own labels on the roster: sectors = { "Fire brigade" = "other" }, genders = { ... }
        **{
            key: table(text(200), _vocab_code(kind), words=f"a table of your label = {kind}")
            for key, kind in OWN_LABEL_SETTINGS.items()
        },
        "delayed_test_months": either(
            _MONTHS,
            table(text(100), _MONTHS, words=N_("a table of training ID = months")),
            words=N_(
                'a number of months from 0 to 120, or a table of training ID = months such as { "KHM-PNH-2023" = 3 }'
            ),
        ),
    }
)


def _checked_together(value: Any) -> None:
    """The costing settings are checked together by :func:`tip_eval.io.cost_settings.check_cost_settings`."""


STUDY_SETTINGS.update({key: _checked_together for key in sorted(COST_SETTING_KEYS)})

#: ``[[sources]]``: option -> check (``file`` and ``layout`` are required).
SOURCE_SETTINGS: dict[str, Check] = {
    "file": text(1000),
    "layout": _layout,
    "sheet": either(text(100), integer(0, 10_000), words=N_("a sheet name in quotes, or a sheet number from 0")),
    "sheets": table(_sheet_kinds, text(100), words=N_("a table of sheet kind = sheet name")),
    "columns": table(text(500), text(100), words=N_('a table of "their header" = "canonical column"')),
    "training_id": _ID,
    "training": table(text(100), _scalar, words=N_("a table of the training's details")),
    "phase": text(50),
    "header_rows": integer(1, 2),
    "answers": choice("letters", "scores", case=False),
    "score_column": text(500),
    "max_score": number(0, 1e9, above=True),
    "name_column": either(
        text(500),
        list_of(text(500), 1, 5, words=N_("a list of headers")),
        words=N_('a header in quotes, or a list of headers such as ["First name", "Family name"]'),
    ),
    "documents": either(
        text(1000),
        table(text(1000), _ID, words=N_("a table of document = interview ID")),
        words=N_("a file or sheet name in quotes, or a table of document = interview ID"),
    ),
    "coder": _ID,
    "form_language": text(35, r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*", N_('a language code such as "km" or "th"')),
    "item_prefix": _WORDS,
    "confidence_prefix": _WORDS,
    "pre_prefix": _WORDS,
    "post_prefix": _WORDS,
    "pre_suffix": _WORDS,
    "post_suffix": _WORDS,
    "delayed_prefix": _WORDS,
    "delayed_suffix": _WORDS,
    "present": boolean,
    "cleared_for_publication": boolean,
    "roster": boolean,
    "codes": table(text(500), _ID, words=N_("a table of tag = code ID")),
    "document_column": text(500),
}

#: The keys of ``[study]`` and of a ``[[sources]]`` block.
STUDY_KEYS = frozenset(STUDY_SETTINGS)
SOURCE_KEYS = frozenset(SOURCE_SETTINGS)

#: ``[limits]``: a limit of :class:`~tip_eval.io.limits.ReadLimits` -> check (at most its ceiling).
LIMIT_SETTINGS: dict[str, Check] = {
    f.name: (
        number(1, CEILINGS[f.name])
        if f.name == "max_zip_ratio"
        else integer(0 if f.name == "ratio_floor_bytes" else 1, int(CEILINGS[f.name]))
    )
    for f in dataclasses.fields(ReadLimits)
}

#: Source options that name a file: the file must be inside the study folder. For ``documents``,
#: only when it names a file (it may also name a sheet, or be a table).
PATH_OPTIONS = ("file", "documents")
#: ``documents`` names a file (not a sheet) when it ends with one of these
_FILE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xltx", ".xltm", ".ods", ".xls", ".xlsb")

_SECTIONS = ("study", "limits", "sources")


# ------------------------------------------------------------------------------- containment


def _refuse(file: str, reason: str, fix: str) -> None:
    raise InputRefused(file, reason, fix)


def contained_path(root: Path, value: str, key: str, file: str = "study.toml") -> tuple[Path, str]:
    """The path ``value`` names in the study folder ``root``, and its normal form; refuse one outside it.

    ``value`` is relative to ``root`` and may use ``\\`` or ``/``. Refused: an empty path, an
    absolute path (``/x``, ``C:\\x``, ``C:x``, ``\\\\server\\x``, ``~/x``), a path that ``..``
    takes out of the folder, and a path that leads outside the folder once links are followed.

    Returns
    -------
    (Path, str)
        ``root`` joined with the normal form, and the normal form (``a/b.xlsx``).
    """
    fix = _(
        "Give the path of a file inside the study folder, relative to study.toml "
        '(for example "trainings/KHM-PNH-2023.xlsx"), and copy the file into the folder if it is not there.'
    )
    raw = str(value)
    if "\x00" in raw or not raw.strip():
        _refuse(file, _("{key} is empty or not a usable path.").format(key=key), fix)
    slashed = raw.strip().replace("\\", "/")
    win = PureWindowsPath(raw.strip())
    if slashed.startswith(("/", "~")) or win.drive or win.root or re.match(r"^[A-Za-z]:", slashed):
        _refuse(
            file,
            _("{key} = {value} is an absolute path; a study may only name files inside its own folder.").format(
                key=key, value=repr(raw)
            ),
            fix,
        )
    normal = posixpath.normpath(slashed)
    if normal == ".." or normal.startswith("../") or normal == ".":
        _refuse(
            file,
            _(
                "{key} = {value} leads out of the study folder ('..'); a study may only name files inside "
                "its own folder."
            ).format(key=key, value=repr(raw)),
            fix,
        )
    path = root / PurePosixPath(normal)
    try:
        real, real_root = path.resolve(), root.resolve()
    except (OSError, RuntimeError):  # a loop of links
        _refuse(
            file,
            _("{key} = {value} is a link that cannot be followed (a loop of links).").format(key=key, value=repr(raw)),
            fix,
        )
    if not real.is_relative_to(real_root):
        _refuse(
            file,
            _(
                "{key} = {value} is a link (shortcut) to a place outside the study folder; a study may only "
                "name files inside its own folder."
            ).format(key=key, value=repr(raw)),
            fix,
        )
    if real.exists() and not real.is_file():
        _refuse(
            file,
            _("{key} = {value} is not a file (it is a folder or a special file).").format(key=key, value=repr(raw)),
            fix,
        )
    return path, normal


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


# ------------------------------------------------------------------------------------ parsing


def _check(section: dict, schema: Mapping[str, Check], where: str, file: str) -> None:
    unknown = sorted(str(k) for k in set(section) - set(schema))
    if unknown:
        _refuse(
            file,
            ngettext(
                "has an unknown key in {where}: {keys}.", "has unknown keys in {where}: {keys}.", len(unknown)
            ).format(where=where, keys=", ".join(unknown)),
            _("Allowed keys: {keys}.").format(keys=", ".join(sorted(schema))),
        )
    for key, check in schema.items():
        if key in section:
            try:
                check(section[key])
            except SettingError as err:
                _refuse(
                    file,
                    f"{where} {key} {err}.",
                    _("Correct {key} in study.toml ({example}).").format(key=key, example=_(_EXAMPLE)),
                )


def _read_toml(p: Path, file: str) -> dict:
    if not _inside(p, p.parent):
        _refuse(
            file,
            _("is a link (shortcut) to a file outside the study folder."),
            _("Use a study.toml that is a real file inside the study folder."),
        )
    if not p.is_file():
        _refuse(file, _("is not a file."), _("Give a study folder with a study.toml, a study.toml, or one workbook."))
    size = p.stat().st_size
    if size > MAX_TOML_BYTES:
        _refuse(
            file,
            _("is {n} bytes, far larger than a settings file.").format(n=format_integer(size)),
            _("Check that this is the right study.toml."),
        )
    try:
        text_ = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        _refuse(
            file,
            _("is not saved as UTF-8 text (byte {n} cannot be read).").format(n=format_integer(err.start + 1)),
            _("Open it in a text editor and save it with the encoding UTF-8."),
        )
    except OSError as err:
        _refuse(
            file,
            _("cannot be read ({reason}).").format(reason=err.strerror or err),
            _("Check that the file can be opened."),
        )
    try:
        return tomllib.loads(text_.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as err:
        _refuse(
            file,
            _("is not valid TOML ({reason}).").format(reason=err),
            _("Fix the line it names; {example}.").format(example=_(_EXAMPLE)),
        )
    except RecursionError:
        _refuse(
            file, _("is not valid TOML (nested too deeply)."), _("Fix the file; {example}.").format(example=_(_EXAMPLE))
        )
    raise AssertionError("unreachable")  # pragma: no cover


def _limits(section: Any, file: str) -> ReadLimits | None:
    if section is None:
        return None
    if not isinstance(section, dict):
        _refuse(
            file,
            _("[limits] must be a section of limits; got {value}.").format(value=_shown(section)),
            _("Write [limits] on its own line, then one limit per line such as max_rows = 500000."),
        )
    _check(section, LIMIT_SETTINGS, "[limits]", file)
    return ReadLimits(**section) if section else None


def _source(p: Path, i: int, src: Any, file: str) -> SourceConfig:
    if not isinstance(src, dict):
        _refuse(
            file,
            _("source number {i} must be a [[sources]] block with file and layout; got {value}.").format(
                i=i, value=_shown(src)
            ),
            _('Write each source as a [[sources]] block with file = "..." and layout = "...".'),
        )
    if "file" not in src or "layout" not in src:
        _refuse(file, _("source number {i} needs both 'file' and 'layout'.").format(i=i), _("Add the missing key."))
    where = _("source number {i}:").format(i=i)
    _check(src, SOURCE_SETTINGS, where, file)
    path, name = contained_path(p.parent, src["file"], f"{where} file", file)
    opts = {k: v for k, v in src.items() if k not in ("file", "layout")}
    docs = opts.get("documents")
    if isinstance(docs, str) and (
        docs.replace("\\", "/") != PurePosixPath(docs.replace("\\", "/")).name
        or docs.strip().lower().endswith(_FILE_SUFFIXES)
        or ":" in docs
    ):
        opts["documents"] = contained_path(p.parent, docs, f"{where} documents", file)[1]
    return SourceConfig(file=path, layout=src["layout"], name=name, options=opts)


def read_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> StudyConfig:
    """Parse a study folder, a ``study.toml`` or a single template workbook into a :class:`StudyConfig`.

    Every setting is checked against the schema and every path the study names is checked to lie
    inside the study folder before anything else is read (see the module docstring).

    Parameters
    ----------
    path : str or Path
        A study folder with a ``study.toml``, a ``study.toml``, or one workbook in the template layout.
    overrides : mapping, optional
        Settings of ``[study]`` that replace those in ``study.toml``; checked the same way.

    Raises
    ------
    tip_eval.InputRefused
        The path does not exist or leads outside its folder, the file is not UTF-8 TOML, a key is
        unknown, a value is not what the schema allows, or a path leaves the study folder.
    """
    p = Path(path)
    if not p.exists():
        raise InputRefused(
            str(path),
            _("does not exist."),
            _("Check the path: give a study folder with a study.toml, a study.toml, or one workbook."),
        )
    if p.is_dir():
        toml = p / "study.toml"
        if not toml.exists() and not toml.is_symlink():
            raise InputRefused(
                str(path),
                _("is a folder without a study.toml."),
                _("Add a study.toml listing the files (see sample_data/study.toml), or give one workbook."),
            )
        p = toml
    overrides = dict(overrides or {})
    if p.suffix.lower() != ".toml":
        # one workbook in the template layout; its Items (and Competencies) sheets are the item bank
        _check(overrides, STUDY_SETTINGS, _("the settings"), str(p))
        check_cost_settings(overrides, str(p))
        if not _inside(p, p.parent):
            _refuse(
                str(p),
                _("is a link (shortcut) to a file outside its folder."),
                _("Give the workbook itself, not a link to it."),
            )
        return StudyConfig(
            root=p.parent,
            name=p.stem,
            min_cell=int(overrides.get("min_cell", 5)),
            sources=[
                SourceConfig(file=p, layout="item_bank", name=p.name),
                SourceConfig(file=p, layout="template", name=p.name),
            ],
            settings=overrides,
        )
    file = str(p)
    data = _read_toml(p, file)
    extra_top = sorted(set(data) - set(_SECTIONS))
    if extra_top:
        _refuse(
            file,
            ngettext("has an unknown section: {sections}.", "has unknown sections: {sections}.", len(extra_top)).format(
                sections=", ".join(extra_top)
            ),
            _("Use [study], [limits] and [[sources]]."),
        )
    study = data.get("study", {})
    if not isinstance(study, dict):
        _refuse(
            file,
            _("[study] must be a section of settings; got study = {value}.").format(value=_shown(study)),
            _('Write [study] on its own line, then one setting per line such as name = "..." ({example}).').format(
                example=_(_EXAMPLE)
            ),
        )
    study = {**study, **overrides}
    _check(study, STUDY_SETTINGS, "[study]", file)
    check_cost_settings(study, file)
    if "name_review" in study and study["name_review"] > study.get("name_match", 90.0):
        _refuse(
            file,
            _("[study] name_review ({review}) must not be above name_match ({match}).").format(
                review=format_number(study["name_review"]), match=format_number(study.get("name_match", 90.0))
            ),
            _("Set name_review below name_match (defaults 75 and 90)."),
        )
    limits = _limits(data.get("limits"), file)
    sources_in = data.get("sources", [])
    if not isinstance(sources_in, list):
        _refuse(
            file,
            _("sources must be [[sources]] blocks; got sources = {value}.").format(value=_shown(sources_in)),
            _("Write one [[sources]] block per file ({example}).").format(example=_(_EXAMPLE)),
        )
    sources = [_source(p, i, src, file) for i, src in enumerate(sources_in, start=1)]
    if not sources:
        raise InputRefused(file, _("lists no [[sources]]."), _("Add one [[sources]] block per file."))
    return StudyConfig(
        root=p.parent,
        name=str(study.get("name", p.parent.name)),
        min_cell=int(study.get("min_cell", 5)),
        sources=sources,
        settings=study,
        limits=limits,
    )


def study_language(path: str | Path, overrides: Mapping[str, Any] | None = None) -> str:
    """The language a study asks tip_eval to write in: ``[study] language`` (or ``overrides``), else ``"en"``.

    Never raises: a study whose settings cannot be read is in English until they can (the load then
    refuses it, saying why).
    """
    given = (overrides or {}).get("language")
    if given in LANGUAGES:
        return str(given)
    try:
        cfg = read_config(path, overrides)
    except Exception:  # noqa: BLE001 - the load itself reports what is wrong, in English
        return "en"
    lang = cfg.settings.get("language", "en")
    return lang if lang in LANGUAGES else "en"
