"""Layouts: how a partner's file is laid out, mapped onto canonical tables (raw cells + provenance).

Each layout is a function ``(source, context) -> list[Mapped]``. It finds sheets and columns by name
(in English, Khmer, Thai or Indonesian), reshapes wide sheets to the tidy canonical form, and keeps
each value's provenance (file, sheet, Excel row and, for melted wide columns, the header) so that
every later problem can be located. Types are parsed later, once, by :mod:`tip_eval.io.coerce`.

Layouts registered here: ``template`` (the project's training workbook), ``item_bank`` and
``followup`` (the project's follow-up coding workbook). :func:`register` adds more. The partners'
layouts register themselves from :mod:`tip_eval.io.layouts_partner` and
:mod:`tip_eval.io.layouts_coding`; :mod:`tip_eval.io.registry` imports them all, so use its
:data:`~tip_eval.io.registry.LAYOUTS` for the complete registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tip_eval.i18n import N_, _
from tip_eval.io.columns import map_headers, template_header, template_sheet, template_sheet_names
from tip_eval.io.phases import PHASE_SHEET_NAMES, own_phases
from tip_eval.io.sheet_lines import SheetLines
from tip_eval.io.sources import SourceConfig
from tip_eval.problems import Problem
from tip_eval.vocab import label_key


@dataclass
class Mapped:
    """Raw cells of one canonical table from one sheet, with provenance.

    ``frame`` has canonical columns (values as read) plus ``_file, _sheet, _row`` (and ``_col`` for
    values melted out of wide columns). ``headers`` maps canonical column -> header as written.
    """

    table: str
    frame: pd.DataFrame
    file: str
    sheet: str | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LayoutContext:
    """What a layout may need: settings from study.toml, and where to put problems."""

    settings: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    date1904: dict[str, bool] = field(default_factory=dict)
    #: every sheet read: (file, sheet) -> its rows below the header (see :func:`read_sheet`)
    lines: SheetLines = field(default_factory=SheetLines)
    #: rows that declared again what an earlier row declared (the same item, roster entry, training)
    repeats: set[tuple] = field(default_factory=set)
    #: documents no documents table maps: normalised name -> the placeholder ID they carry until every
    #: source is read (tip_eval.io.layouts_coding.finish_documents gives the final IDs)
    documents: dict[str, str] = field(default_factory=dict)
    #: the item bank's questions and competencies as an export may write them in a header (their ID,
    #: XLSForm name or words): label key -> (kind, ID); see :func:`tip_eval.io.item_bank.header_names`
    bank: dict[str, tuple[str, str]] = field(default_factory=dict)

    def problem(
        self,
        file: str,
        sheet: str | None,
        row: int | None,
        column: str | None,
        value: Any,
        problem: str,
        fix: str = "",
        severity: str = "error",
        key: str | None = None,
    ) -> None:
        """Record a located problem of this source (file, sheet, row, column, message and fix)."""
        self.problems.append(
            Problem(file, sheet, row, column, None if value is None else str(value), problem, fix, severity, key=key)
        )


Layout = Callable[[SourceConfig, LayoutContext], list[Mapped]]
LAYOUTS: dict[str, Layout] = {}


def register(name: str) -> Callable[[Layout], Layout]:
    """Register a layout function under ``name`` (used in study.toml as ``layout = "name"``)."""

    def deco(fn: Layout) -> Layout:
        LAYOUTS[name] = fn
        return fn

    return deco


# sheet names of the template, in the four languages
SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "training": ("Training", "การอบรม", "វគ្គបណ្តុះបណ្តាល", "Pelatihan"),
    "participants": ("Participants", "Roster", "ผู้เข้าอบรม", "អ្នកចូលរួម", "Peserta"),
    **PHASE_SHEET_NAMES,  # pre, post, delayed
    "confidence": ("Confidence", "Self-rating", "ความมั่นใจ", "ទំនុកចិត្ត", "Kepercayaan diri"),
    "items": ("Items", "Item bank", "Answer key", "ข้อสอบ", "សំណួរ", "Soal"),
    "competencies": ("Competencies", "สมรรถนะ", "សមត្ថភាព", "Kompetensi"),
    "codebook": ("Codebook", "Codes list", "คู่มือรหัส", "សៀវភៅកូដ", "Buku kode"),
    "interviews": ("Interviews", "การสัมภาษณ์", "បទសម្ភាសន៍", "Wawancara"),
    "codes": ("Codes", "Coding", "การลงรหัส", "ការដាក់កូដ", "Pengkodean"),
}


def read_sheet(source: SourceConfig, sheet: str | None, ctx: LayoutContext, header_rows: int = 1):
    """Read one sheet through the guarded reader, recording its problems and notes in ``ctx``."""
    from tip_eval.io.read import read_table

    raw = read_table(source.file, sheet=sheet, header_rows=header_rows)
    for p in raw.problems:
        ctx.problems.append(_relabel(p, source.name))
    for note in getattr(raw, "notes", []) or []:
        if isinstance(note, Problem):
            ctx.problems.append(_relabel(note, source.name))
        else:
            ctx.problem(source.name, raw.sheet, None, None, None, str(note), "", "warning")
    if getattr(raw, "date1904", False):
        ctx.date1904[source.name] = True
    ctx.lines.add(source.name, raw.sheet, raw.lines_read, raw.excel_rows, raw.ignored_rows, raw.row_lines)
    return raw


def _relabel(p: Problem, name: str) -> Problem:
    return Problem(name, p.sheet, p.row, p.column, p.value, p.problem, p.fix, p.severity)


def find_sheet(source: SourceConfig, kind: str, own: Mapping[str, str] | None = None) -> str | None:
    """Return the name of the visible sheet of ``kind`` (by its name in any of the four languages).

    ``own`` maps a study's own phase labels (matching keys) to phases (study.toml ``phases``): a
    sheet named by the label is the sheet of that phase.
    """
    from tip_eval.io.read import list_sheets

    wanted = {label_key(n) for n in (*SHEET_NAMES[kind], *template_sheet_names(kind))} | {
        k for k, v in (own or {}).items() if v == kind
    }
    explicit = (source.get("sheets") or {}).get(kind) if isinstance(source.get("sheets"), dict) else None
    for info in list_sheets(source.file):
        name = info[0] if isinstance(info, tuple) else getattr(info, "name", info)
        visible = info[1] if isinstance(info, tuple) else getattr(info, "visible", True)
        if explicit is not None:
            if name == explicit:
                return name
            continue
        if label_key(name) in wanted and visible in (True, "visible"):
            return name
    return None


def object_frame(data: Mapping[str, Any], n: int) -> pd.DataFrame:
    """A frame of ``n`` rows from arrays, lists and scalars, whose cells stay Python objects; a pandas
    array (a nullable row number) keeps its type.

    A layout only moves cells about: pandas would convert every text column of each of its many small
    frames to its Arrow-backed text type (and back, when the next step takes the cells as arrays),
    which was a large part of the load time of a small study. Types are set once, later, by
    :mod:`tip_eval.io.coerce` and the schemas.
    """
    index = pd.RangeIndex(n)
    columns = {}
    for name, values in data.items():
        if isinstance(values, pd.api.extensions.ExtensionArray):
            columns[name] = pd.Series(values, index=index, copy=False)
        elif isinstance(values, (np.ndarray, list)):
            columns[name] = pd.Series(np.asarray(values, dtype=object), index=index, dtype=object, copy=False)
        else:  # one value for every row (fill: np.full is slow for objects)
            same = np.empty(n, dtype=object)
            same.fill(values)
            columns[name] = pd.Series(same, index=index, dtype=object, copy=False)
    return pd.DataFrame(columns, index=index, copy=False)


def frame_with_provenance(
    raw, columns: dict[str, str], source: SourceConfig, extra: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Select mapped columns of a RawTable as canonical columns, adding ``_file, _sheet, _row`` (then
    the ``extra`` columns: one value for every row, or an array).
    """
    data: dict[str, Any] = {col: raw.values(header) for col, header in columns.items()}
    data["_file"] = source.name
    data["_sheet"] = raw.sheet
    data["_row"] = pd.array(raw.excel_rows.to_numpy(), dtype="Int64")
    data.update(extra or {})
    return object_frame(data, len(raw.excel_rows))


def _extra_columns(source: SourceConfig) -> dict[str, str]:
    cols = source.get("columns") or {}
    return {str(k): str(v) for k, v in cols.items()}


def _unmapped_warning(ctx: LayoutContext, source: SourceConfig, raw, used: set[str], what: str) -> None:
    for h in raw.columns:
        if h not in used:
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                str(h),
                None,
                _("column '{header}' is not part of the {table} and was ignored").format(header=h, table=what),
                _("Remove or rename it if it should be read (see data_schemas/README.md)."),
                "warning",
            )


def _drop_names(ctx: LayoutContext, source: SourceConfig, raw, mapping: dict[str, str]) -> None:
    if "name" in mapping:
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            mapping["name"],
            None,
            _("names are personal data: this column was dropped and is in no output"),
            _("Nothing to do; to link tests by name instead of ID, use a layout with name_column."),
            "warning",
        )


def _require(ctx: LayoutContext, source: SourceConfig, raw, mapping: dict[str, str], needed: list[str]) -> bool:
    missing = [c for c in needed if c not in mapping]
    for c in missing:
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            template_header(c),
            None,
            _("the sheet has no column for {column}").format(column=c),
            _("Add a column headed '{header}' (or map yours in study.toml under columns).").format(
                header=template_header(c)
            ),
        )
    return not missing


def _table_sheet(
    source: SourceConfig,
    ctx: LayoutContext,
    kind: str,
    table: str,
    wanted: list[str],
    needed: list[str],
    required: bool = True,
    fill: list[str] | None = None,
    constants: Mapping[str, Any] | None = None,
) -> tuple[Mapped | None, Any]:
    """The sheet of ``kind`` as the table ``table`` (None, and a located problem, when it cannot be):
    the ``wanted`` columns it has, then the columns of ``fill`` it lacks (empty) and ``constants``.
    """
    name = find_sheet(source, kind)
    if name is None and kind == "items" and source.file.suffix.lower() in (".csv", ".txt", ".tsv"):
        name = ""  # an answer key kept as a CSV file: the file is the Items table
    if name is None:
        if required:
            elsewhere = (
                _(
                    " or, when the study keeps it in another file (an item bank), check the whole study folder, "
                    "whose study.toml names that file"
                )
                if kind in ("items", "competencies", "codebook")
                else ""
            )
            ctx.problem(
                source.name,
                None,
                None,
                None,
                None,
                _("no visible sheet named '{name}'").format(name=template_sheet(kind)),
                _("Add the sheet '{name}' (see `tip-eval template`){elsewhere}.").format(
                    name=template_sheet(kind), elsewhere=elsewhere
                ),
                key=f"no-sheet:{kind}",
            )
        return None, None
    raw = read_sheet(source, name or None, ctx)
    mapping = map_headers(list(raw.columns), wanted + ["name"], _extra_columns(source))
    _drop_names(ctx, source, raw, mapping)
    mapping.pop("name", None)
    if not _require(ctx, source, raw, mapping, needed):
        return None, raw
    _unmapped_warning(ctx, source, raw, set(mapping.values()) | _name_headers(raw, source), table)
    extra = {**{c: None for c in fill or [] if c not in mapping}, **(constants or {})}
    frame = frame_with_provenance(raw, mapping, source, extra)
    return Mapped(table, frame, source.name, raw.sheet, dict(mapping)), raw


def _name_headers(raw, source: SourceConfig) -> set[str]:
    m = map_headers(list(raw.columns), ["name"], _extra_columns(source))
    return set(m.values())


def melt_wide(
    raw,
    id_header: str,
    source: SourceConfig,
    id_col: str,
    var_col: str,
    value_col: str,
    skip: set[str],
    constants: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Melt a wide sheet (one column per item/competency) to long rows with per-cell provenance;
    ``constants`` are further columns (one value for every row, or an array of the long rows).
    """
    value_headers = [h for h in raw.columns if h != id_header and h not in skip]
    n = len(raw.excel_rows)
    k = len(value_headers)
    ids = raw.values(id_header)
    rows = np.asarray(raw.excel_rows, dtype=np.int64)
    headers = np.asarray(value_headers, dtype=object)
    # row-major, as the sheet reads: every value of the first row, then the second, ... (vectorised:
    # a Python loop over rows took most of the load time of a large study)
    data = {
        id_col: np.repeat(ids, k),
        var_col: np.tile(headers, n),
        value_col: raw.block(value_headers).ravel().tolist() if k else [],
        "_file": source.name,
        "_sheet": raw.sheet,
        "_row": pd.array(np.repeat(rows, k), dtype="Int64"),
        "_col": np.tile(headers, n),
        **(constants or {}),
    }
    return object_frame(data, n * k)


@register("template")
def template_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """The project's training workbook: Training, Participants, Pre-test, Post-test, an optional
    Delayed post-test (a retention test months later; also found as Retention test, Follow-up test,
    3-month test, or the study's own label in study.toml ``phases``), Confidence, and the
    workbook's own Items and Competencies sheets when it has them (``tip-eval template`` writes
    them), so that a filled-in template needs no separate item bank source. A test sheet may have a
    Test date column (the date each person took that test).
    """
    out: list[Mapped] = []
    tcols = [
        "training_id",
        "country",
        "province",
        "venue",
        "organiser",
        "start_date",
        "end_date",
        "language",
        "curriculum_version",
        "delayed_test_months",
    ]
    training, traw = _table_sheet(
        source,
        ctx,
        "training",
        "trainings",
        tcols,
        ["training_id", "country", "province", "start_date", "end_date", "language"],
        fill=tcols,
    )
    training_id = source.get("training_id")
    if training is not None:
        frame = training.frame
        if len(frame) != 1:
            ctx.problem(
                source.name,
                traw.sheet,
                None,
                None,
                None,
                _("the {sheet} sheet should have exactly one row under the header; it has {n}").format(
                    sheet=traw.sheet, n=len(frame)
                ),
                _("Keep one row describing this training."),
            )
        if len(frame):
            from tip_eval.io.coerce import normalize_id

            training_id = normalize_id(frame["training_id"].iloc[0]) or training_id
        out.append(training)
    if training_id is None:
        return out
    pcols = ["participant_id", "sector", "organisation", "role", "gender", "years_experience"]
    part, praw = _table_sheet(
        source,
        ctx,
        "participants",
        "participants",
        pcols,
        ["participant_id", "sector"],
        fill=pcols,
        constants={"training_id": training_id},
    )
    if part is not None:
        out.append(part)
    for phase in ("pre", "post", "delayed"):
        name = find_sheet(source, phase, own_phases(ctx.settings))
        if name is None:
            if phase != "delayed":  # a delayed post-test is optional
                ctx.problem(
                    source.name,
                    None,
                    None,
                    None,
                    None,
                    _("no visible sheet named '{name}'").format(name=template_sheet(phase)),
                    _("Add the sheet '{name}' with one row per participant who took the test.").format(
                        name=template_sheet(phase)
                    ),
                    "warning",
                )
            continue
        raw = read_sheet(source, name, ctx)
        mapping = map_headers(list(raw.columns), ["participant_id", "name", "test_date"], _extra_columns(source))
        _drop_names(ctx, source, raw, mapping)
        if not _require(ctx, source, raw, mapping, ["participant_id"]):
            continue
        skip = {mapping[c] for c in ("name", "test_date") if c in mapping}
        constants: dict[str, Any] = {"phase": phase, "training_id": training_id}
        headers = {"participant_id": mapping["participant_id"]}
        if "test_date" in mapping:  # the date each person took the test, on every one of their answers
            k = len([h for h in raw.columns if h != mapping["participant_id"] and h not in skip])
            constants["test_date"] = np.repeat(raw.values(mapping["test_date"]), k)
            headers["test_date"] = mapping["test_date"]
        long = melt_wide(raw, mapping["participant_id"], source, "participant_id", "item_id", "answer", skip, constants)
        out.append(Mapped("responses", long, source.name, raw.sheet, headers))
    name = find_sheet(source, "confidence")
    if name is not None:
        raw = read_sheet(source, name, ctx)
        mapping = map_headers(list(raw.columns), ["participant_id", "phase", "name"], _extra_columns(source))
        _drop_names(ctx, source, raw, mapping)
        if _require(ctx, source, raw, mapping, ["participant_id", "phase"]):
            skip = {mapping["phase"]} | ({mapping["name"]} if "name" in mapping else set())
            k = len([h for h in raw.columns if h != mapping["participant_id"] and h not in skip])
            phases = {"phase": np.repeat(raw.values(mapping["phase"]), k)}
            long = melt_wide(
                raw, mapping["participant_id"], source, "participant_id", "competency_id", "rating", skip, phases
            )
            out.append(
                Mapped(
                    "confidence",
                    long,
                    source.name,
                    raw.sheet,
                    {"participant_id": mapping["participant_id"], "phase": mapping["phase"]},
                )
            )
    # a filled-in template carries its own item bank and competency list
    out.extend(bank_sheets(source, ctx, items_required=False))
    return out


@register("item_bank")
def item_bank_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """The item bank workbook: Items (with the answer key) and Competencies; or one CSV of items."""
    return bank_sheets(source, ctx, items_required=True)


def bank_sheets(source: SourceConfig, ctx: LayoutContext, items_required: bool) -> list[Mapped]:
    """The Items and Competencies sheets of a workbook (the item bank and the competency list).

    Read by the ``item_bank`` layout and, when the workbook has them, by ``template``: a filled-in
    template carries its own item bank. The same item or competency declared identically by
    several sources (the item bank and every training workbook) counts once; one declared
    differently is a located problem (see :func:`tip_eval.io.layouts_finish.finish_sources`).
    """
    from tip_eval.io import item_bank

    out = []
    icols = ["item_id", "module", "text", "correct_answer", "points", "n_options"]
    items, _sheet = _table_sheet(
        source,
        ctx,
        "items",
        "items",
        icols + item_bank.EXTRA_COLUMNS,
        ["item_id", "module", "correct_answer"],
        required=items_required,
    )
    if items is not None:
        if "points" not in items.frame:
            items.frame["points"] = 1.0
        for c in icols:
            if c not in items.frame:
                items.frame[c] = None
        # the item bank's own rules (the key is an option, option texts agree with n_options, ...)
        ctx.problems.extend(item_bank.check_item_bank(items.frame, items.headers, key_consequence=_(UNSCORABLE_WORDS)))
        # a question whose key is not one of its options cannot be judged: it is set aside by the
        # loader (tip_eval.io.load), and with it every answer to it, rather than scored 0 for all
        rows: list[dict[str, Any]] = items.frame.to_dict("records")  # type: ignore[assignment]  # str labels
        items.frame["_unscorable"] = [None if (k := item_bank.key_problem(r)) is None else k[0] for r in rows]
        items.frame["n_options"] = item_bank.infer_n_options(items.frame)
        items.frame["_dedupe"] = True
        out.append(items)
    ccols = ["competency_id", "label", "label_km", "label_th", "label_id"]
    comps, _sheet = _table_sheet(
        source, ctx, "competencies", "competencies", ccols, ["competency_id", "label"], required=False
    )
    if comps is not None:
        for c in ccols:
            if c not in comps.frame:
                comps.frame[c] = None
        comps.frame["_dedupe"] = True
        out.append(comps)
    ctx.bank.update(
        item_bank.header_names(items.frame if items is not None else None, comps.frame if comps is not None else None)
    )
    return out


#: said of a question whose answer key cannot judge answers (see :func:`tip_eval.io.load.set_aside_unscorable`)
UNSCORABLE_WORDS = N_(
    "; the question is left out of every score (its answers are set aside, and the tests are scored "
    "out of the other questions) until the key is corrected"
)  # translated where said


CODEBOOK_COLUMNS = ["code_id", "label", "theme", "level", "applied_practice", "definition"]
INTERVIEW_COLUMNS = ["interview_id", "participant_id", "interview_date", "coders"]


def codebook_and_interviews(source: SourceConfig, ctx: LayoutContext, interviews_required: bool) -> list[Mapped]:
    """The Codebook sheet (applied_practice defaults to no) and the Interviews sheet of a coding workbook."""
    out = []
    cb, _sheet = _table_sheet(
        source, ctx, "codebook", "codebook", CODEBOOK_COLUMNS, ["code_id", "label", "theme", "level"]
    )
    if cb is not None:
        if "applied_practice" not in cb.frame:
            cb.frame["applied_practice"] = False
        if "definition" not in cb.frame:
            cb.frame["definition"] = None
        out.append(cb)
    iv, _sheet = _table_sheet(
        source, ctx, "interviews", "interviews", INTERVIEW_COLUMNS, INTERVIEW_COLUMNS, required=interviews_required
    )
    if iv is not None:
        out.append(iv)
    return out


@register("followup")
def followup_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """The follow-up coding workbook: Codebook, Interviews, Codes (long; or wide 0/1 per code)."""
    out = codebook_and_interviews(source, ctx, interviews_required=True)
    name = find_sheet(source, "codes")
    if name is None:
        ctx.problem(
            source.name,
            None,
            None,
            None,
            None,
            _("no visible sheet named '{name}'").format(name=template_sheet("codes")),
            _("Add the {name} sheet.").format(name=template_sheet("codes")),
            key="no-sheet:codes",
        )
        return out
    raw = read_sheet(source, name, ctx)
    mapping = map_headers(list(raw.columns), ["interview_id", "coder", "code_id", "present"], _extra_columns(source))
    if "code_id" in mapping:  # long: one row per interview x coder x code
        if _require(ctx, source, raw, mapping, ["interview_id", "coder", "code_id"]):
            frame = frame_with_provenance(raw, mapping, source)
            if "present" not in frame:
                frame["present"] = True
            out.append(Mapped("followup_codes", frame, source.name, raw.sheet, dict(mapping)))
    else:  # wide: one column per code holding 1/0
        if _require(ctx, source, raw, mapping, ["interview_id", "coder"]):
            k = len(raw.columns) - 2
            coders = {"coder": np.repeat(raw.values(mapping["coder"]), k)}
            long = melt_wide(
                raw, mapping["interview_id"], source, "interview_id", "code_id", "present", {mapping["coder"]}, coders
            )
            out.append(
                Mapped(
                    "followup_codes",
                    long,
                    source.name,
                    raw.sheet,
                    {"interview_id": mapping["interview_id"], "coder": mapping["coder"]},
                )
            )
    return out
