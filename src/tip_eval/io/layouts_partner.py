"""Layouts of partners' own files: wide, long, separate pre/post files, KoboToolbox/ODK exports, totals.

Each layout is declared per source in study.toml (``layout = "..."``). Columns are found by their
header in English, Khmer, Thai or Indonesian (:mod:`tip_eval.io.columns`); a partner's own header is
mapped with ``columns = {"Their header" = "canonical_column"}``. Options common to all of them:

``sheet``                the sheet with the data (default: the first visible sheet that is not a
                         Training/Participants/Items sheet; CSV files have none)
``header_rows``          1 (default) or 2: two header rows are read as ``"Pre-test / Q01"``
``[sources.training]``   the training, for files without a Training sheet: ``training_id, country,
                         province, venue, organiser, start_date, end_date, language,
                         curriculum_version`` (a training declared identically by several sources
                         counts once). ``training_id = "..."`` alone only says which training the
                         rows belong to. A Training sheet in the workbook (any language) is used
                         first; a ``Training ID`` column on the rows wins over both.
``name_column``          header (or list of headers: first name, family name) of the participants'
                         names, when there is no participant ID: pre and post are linked by name
                         and names are replaced by a keyed pseudonym (:mod:`tip_eval.io.linking`)
``roster``               true/false: read sector, organisation, role, gender and years of
                         experience from these rows as the roster (default: when there is a
                         Sector column, except in a ``phase = "post"`` source). A visible
                         Participants sheet in the same workbook is read as the roster too.
``item_prefix``          how item columns start, before a digit (default ``"Q"``: Q01, Q1, q01)
``confidence_prefix``    how competency columns start (default ``"C"``: C01). Competencies may also
                         be written by their label, in any language, under a confidence group
``pre_prefix`` ``post_prefix`` ``delayed_prefix`` ``pre_suffix`` ``post_suffix`` ``delayed_suffix``
                         how the phase is written in a header (``"pre_"``, ``"_post"``, ``"_3m"``);
                         else words such as Pre, Post, Sebelum, หลัง, មុន, and for a delayed post-test
                         (a retention test months later) Retention, 3-month test, Tes retensi,
                         แบบทดสอบติดตามผล, តេស្តតាមដាន, anywhere in the header (``Q01_post``, ``Pre-test
                         / Q01``, ``Skor (sesudah)``), or study.toml ``phases = { "Mine" = "delayed" }``;
                         "Follow-up" alone (the interviews?) only with ``phases = { "Follow-up" = "delayed" }``
``phase``                ``"pre"``, ``"post"`` or ``"delayed"``: the phase of every column without one
``answers``              ``"letters"`` (default: item cells hold the answer, scored against the
                         answer key) or ``"scores"`` (item cells hold the points scored)
``max_score``            the maximum score of totals without a Max score column
``score_column``         the header of the total score, when it is not recognised

A ``Test date`` column (with a phase: ``Post-test date``) gives the date of the test; the months to
a delayed post-test come from it, or else from study.toml ``delayed_test_months``.

Layouts:

``wide``     one row per participant, pre and post side by side (items, competencies and totals
             marked with their phase), and the roster columns.
``prepost``  a separate pre-test, post-test or delayed post-test file or sheet: ``wide`` with
             ``phase = "pre"``, ``"post"`` or ``"delayed"`` (required). A post-test (or delayed)
             file does not add to the roster by default, so a test of someone not on the roster
             is a located problem.
``long``     one row per participant x phase x item (``Item``, ``Answer`` and/or ``Score``), or per
             participant x phase x competency (``Competency``, ``Rating``), or per participant x
             phase with the total (``Score``, ``Max score``); roster columns may repeat on every row.
``kobo``     a KoboToolbox/ODK export (xlsx, or csv with ``,`` or ``;``): XML names or labels as headers,
             with or without group paths (``test/Q01``, ``แบบทดสอบความรู้/Q01. ...``, ``confidence/C01``);
             the item bank's questions and competencies are known by ID, form name or words, and an
             option's words are read as its letter. Metadata (``_uuid``, ``_index``, ``start``,
             ``meta/instanceID`` ...) and empty columns (a form's notes) are ignored; ``today`` (the day
             the form was filled in) is the test's date. The phase comes from a
             phase question (``pre``, ``ก่อนการอบรม``) or the group (``pretest/``); a label ``5 - ...`` is rating 5.
``totals``   already-scored totals only (``Score``, optional ``Max score``, per phase): the scores
             table, no responses. A score written ``85%`` is a percentage of the maximum score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tip_eval.i18n import _, ngettext
from tip_eval.io.columns import template_header, template_sheet
from tip_eval.io.layouts import SHEET_NAMES, LayoutContext, Mapped, _table_sheet, object_frame, read_sheet, register
from tip_eval.io.partner_columns import (  # noqa: F401 - re-exported: part of this module's names before the split
    _ANY_ID,
    _CONFIDENCE_GROUPS,
    _KOBO_META,
    _TEST_GROUPS,
    LONG_ATTRS,
    PERSON_ATTRS,
    ROSTER,
    TRAINING_COLUMNS,
    Role,
    _Classifier,
    _id_regex,
    classify,
    name_headers,
)
from tip_eval.io.phases import (
    _FIXED_PHASE_FIX,
    _FIXED_PHASE_WORDS,
    attach_dates,
    ignored_column,
    own_phases,
    phase_of,
    split_phase,
)
from tip_eval.io.sources import SourceConfig
from tip_eval.vocab import label_key

# ------------------------------------------------------------------------------------ helpers


def _blank_mask(values: np.ndarray) -> np.ndarray:
    from tip_eval.io.coerce import _is_blank

    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    ub = np.array([_is_blank(u) for u in uniques] + [True], dtype=bool)
    return ub[codes]


def _sheet_infos(source: SourceConfig) -> list:
    from tip_eval.io.read import list_sheets

    return [s for s in list_sheets(source.file) if getattr(s, "kind", "worksheet") == "worksheet"]


def _kind_of_sheet(name: str) -> str | None:
    key = label_key(name)
    for kind, names in SHEET_NAMES.items():
        if key in {label_key(n) for n in names}:
            return kind
    return None


def data_sheet(source: SourceConfig, ctx: LayoutContext, infos: list) -> tuple[bool, str | int | None]:
    """(found, sheet) of the data: the ``sheet`` option, or the first visible sheet of no known kind."""
    want = source.get("sheet")
    if want is not None or not infos:
        return True, want
    for s in infos:
        if s.visible and _kind_of_sheet(s.name) not in (
            "training",
            "participants",
            "items",
            "competencies",
            "codebook",
            "interviews",
        ):
            return True, s.name
    for s in infos:  # a workbook whose only sheets have known names: the first that is not the training
        if s.visible and _kind_of_sheet(s.name) != "training":
            return True, s.name
    ctx.problem(
        source.name,
        None,
        None,
        None,
        None,
        _("no visible sheet with the data was found"),
        _('Name the sheet in study.toml with sheet = "...".'),
    )
    return False, None


def _visible_sheet(infos: list, kind: str) -> str | None:
    for s in infos:
        if s.visible and _kind_of_sheet(s.name) == kind:
            return s.name
    return None


def training_from_source(source: SourceConfig, ctx: LayoutContext, infos: list) -> tuple[list[Mapped], str | None]:
    """The training of a source: its Training sheet, else ``[sources.training]``, else ``training_id``."""
    from tip_eval.io.coerce import normalize_id

    out: list[Mapped] = []
    tid = None
    if _visible_sheet(infos, "training") is not None:
        m, raw = _table_sheet(
            source,
            ctx,
            "training",
            "trainings",
            TRAINING_COLUMNS,
            ["training_id", "country", "province", "start_date", "end_date", "language"],
        )
        if m is not None:
            if len(m.frame) != 1:
                ctx.problem(
                    source.name,
                    raw.sheet,
                    None,
                    None,
                    None,
                    _("the {sheet} sheet should have exactly one row under the header; it has {n}").format(
                        sheet=raw.sheet, n=len(m.frame)
                    ),
                    _("Keep one row describing this training."),
                )
            for c in TRAINING_COLUMNS:
                if c not in m.frame:
                    m.frame[c] = None
            if len(m.frame):
                tid = normalize_id(m.frame["training_id"].iloc[0])
            out.append(m)
    declared = source.get("training")
    if declared is not None and not out:
        if not isinstance(declared, dict):
            ctx.problem(
                "study.toml",
                None,
                None,
                "training",
                None,
                _("sources.training of {source} should be a table of the training's details").format(
                    source=source.name
                ),
                _(
                    "Write it as a sources.training table with training_id, country, province, start_date, "
                    "end_date, language."
                ),
            )
        else:
            unknown = sorted(set(declared) - set(TRAINING_COLUMNS))
            for k in unknown:
                ctx.problem(
                    "study.toml",
                    None,
                    None,
                    f"sources.training {k}",
                    str(declared[k]),
                    _("'{key}' is not a detail of a training (source {source}); it was ignored").format(
                        key=k, source=source.name
                    ),
                    _("Use only: {keys}.").format(keys=", ".join(TRAINING_COLUMNS)),
                    "warning",
                )
            if set(declared) - {"training_id"}:
                row = {c: declared.get(c) for c in TRAINING_COLUMNS}
                frame = pd.DataFrame({c: pd.Series([row[c]], dtype=object) for c in TRAINING_COLUMNS})
                frame["_file"] = source.name
                frame["_sheet"] = None
                frame["_row"] = pd.array([None], dtype="Int64")
                frame["_dedupe"] = True
                headers = {c: f"study.toml sources.training {c}" for c in TRAINING_COLUMNS}
                out.append(Mapped("trainings", frame, source.name, None, headers))
            tid = normalize_id(declared.get("training_id"))
    if tid is None and source.get("training_id") is not None:
        tid = normalize_id(source.get("training_id"))
    return out, tid


def _melt(raw, roles: list[Role], row_phase: np.ndarray | None, value: str, var: str) -> dict[str, np.ndarray]:
    """Melt the columns of ``roles`` (one per item or competency) into long rows with provenance:
    ``{"_i": row of the sheet, var, value, "phase", "_col"}`` as arrays.

    A participant's block of one phase that is blank in every column is dropped (the test was
    not taken); within a block that has any value, blank cells are kept as missing values.
    """
    n, k = len(raw.excel_rows), len(roles)
    if not n or not k:
        return {c: np.empty(0, dtype=np.int64 if c == "_i" else object) for c in ["_i", var, value, "phase", "_col"]}
    vals = raw.block([r.header for r in roles])
    r_idx = np.repeat(np.arange(n), k)
    c_idx = np.tile(np.arange(k), n)
    flat = vals.reshape(-1)
    col_phase = np.array([r.phase for r in roles], dtype=object)
    has_col_phase = np.array([r.phase is not None for r in roles])
    if row_phase is None:
        phase = col_phase[c_idx]
    else:
        phase = np.where(has_col_phase[c_idx], col_phase[c_idx], row_phase[r_idx])
    blank = _blank_mask(flat)
    pcodes = pd.factorize(
        pd.Series(phase, dtype=object).map(lambda p: label_key(p) if isinstance(p, str) else p), use_na_sentinel=False
    )[0]
    block = r_idx * (int(pcodes.max()) + 1 if len(pcodes) else 1) + pcodes
    filled = np.bincount(block, weights=(~blank).astype(float))
    keep = filled[block] > 0
    return {
        "_i": r_idx[keep],
        var: np.array([r.target for r in roles], dtype=object)[c_idx][keep],
        value: flat[keep],
        "phase": phase[keep],
        "_col": np.array([r.header for r in roles], dtype=object)[c_idx][keep],
    }


@dataclass
class _Rows:
    """Row-level values of a person sheet, shared by every table made from it."""

    raw: Any
    source: SourceConfig
    pid: np.ndarray | None
    names: np.ndarray | None
    training: np.ndarray
    phase: np.ndarray | None
    namecol: str | None
    id_header: str | None

    def frame(self, idx: np.ndarray, columns: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """The rows ``idx`` of the sheet: who, which training, where (and the name columns used to
        link tests by name), then ``columns`` (arrays for these rows, or one value for all).
        """
        out: dict[str, Any] = {
            "participant_id": self.pid[idx] if self.pid is not None else np.full(len(idx), None, dtype=object),
            "training_id": self.training[idx],
            "_file": self.source.name,
            "_sheet": self.raw.sheet,
            "_row": pd.array(self.raw.excel_rows.to_numpy()[idx], dtype="Int64"),
        }
        if self.names is not None:
            lst = f"{self.source.name}|{self.raw.sheet}"
            out["_name"] = self.names[idx]
            out["_list"] = [
                lst + "|" + (label_key(p) if isinstance(p, str) else "")
                for p in (self.phase[idx] if self.phase is not None else [None] * len(idx))
            ]
            out["_namecol"] = self.namecol
        out.update(columns or {})
        return object_frame(out, len(idx))


def _row_values(
    raw, roles: list[Role], source: SourceConfig, ctx: LayoutContext, training_id: str | None, fixed_phase: str | None
) -> _Rows | None:
    n = len(raw.excel_rows)
    attr = {r.target: r.header for r in roles if r.kind == "attr"}
    names = [r.header for r in roles if r.kind == "name"]
    wanted_names = name_headers(source)
    if wanted_names and len(names) < len(wanted_names):
        found = {label_key(h) for h in names}
        for h in wanted_names:
            if label_key(h) not in found:
                ctx.problem(
                    source.name,
                    raw.sheet,
                    raw.header_row,
                    h,
                    None,
                    _("the sheet has no column '{header}' (name_column in study.toml)").format(header=h),
                    _("Correct name_column in study.toml to the header of the names column."),
                )
        return None
    if "participant_id" not in attr and not names:
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            template_header("participant_id"),
            None,
            _("the sheet has no column for {column}").format(column="participant_id"),
            _(
                "Add a column headed '{header}' (or map yours in study.toml under columns); if the partner has "
                "only names, set name_column in study.toml."
            ).format(header=template_header("participant_id")),
        )
        return None
    pid = raw.values(attr["participant_id"]) if "participant_id" in attr else None
    name_values = None
    if names:
        parts = [raw.values(h) for h in names]
        name_values = np.array([_join_name(vs) for vs in zip(*parts)], dtype=object)
    if "training_id" in attr:
        tcol = raw.values(attr["training_id"])
        blank = _blank_mask(tcol)
        training = np.where(blank, training_id, tcol).astype(object)
    else:
        if training_id is None:
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                None,
                None,
                _("these rows do not say which training they belong to"),
                _("Add a '{header}' column, a {sheet} sheet, or a sources.training table in study.toml.").format(
                    header=template_header("training_id"), sheet=template_sheet("training")
                ),
            )
            return None
        training = np.full(n, training_id, dtype=object)
    phase = None
    if "phase" in attr:
        phase = raw.values(attr["phase"]).copy()
        if fixed_phase is not None:
            phase[_blank_mask(phase)] = fixed_phase
    elif fixed_phase is not None:
        phase = np.full(n, fixed_phase, dtype=object)
    namecol = " + ".join(names) if names else None
    return _Rows(raw, source, pid, name_values, training, phase, namecol, attr.get("participant_id"))


def _phase_header(attr: dict) -> dict[str, str]:
    return {"phase": attr["phase"]} if "phase" in attr else {}


def _join_name(values: tuple) -> str | None:
    parts = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            continue
        text = str(v).strip()
        if text:
            parts.append(text)
    return " ".join(parts) or None


def _headers_of(rows: _Rows, extra: dict[str, str]) -> dict[str, str]:
    h = dict(extra)
    if rows.id_header:
        h["participant_id"] = rows.id_header
    elif rows.namecol:
        h["participant_id"] = rows.namecol
    return h


def person_sheet(
    raw,
    source: SourceConfig,
    ctx: LayoutContext,
    *,
    training_id: str | None,
    kobo: bool = False,
    totals_only: bool = False,
    roster_only: bool = False,
) -> list[Mapped]:
    """Map a sheet with one row per participant (or per participant and phase) onto canonical tables."""
    own = own_phases(ctx.settings)
    fixed = source.get("phase")
    if fixed is not None:
        fixed = phase_of(str(fixed), own)
        if fixed is None:
            ctx.problem(
                "study.toml",
                None,
                None,
                "phase",
                str(source.get("phase")),
                _(_FIXED_PHASE_WORDS).format(source=source.name),
                _(_FIXED_PHASE_FIX),
            )
            return []
    roles = classify(
        [str(c) for c in raw.columns], source, PERSON_ATTRS, kobo, ctx.bank, own
    )  # the bank's IDs in any layout
    rows = _row_values(raw, roles, source, ctx, training_id, fixed)
    if rows is None:
        return []
    attr = {r.target: r.header for r in roles if r.kind == "attr"}
    dates = [r for r in roles if r.kind == "date"]
    out: list[Mapped] = []
    items = [r for r in roles if r.kind == "item"]
    comps = [r for r in roles if r.kind == "competency"]
    totals = [r for r in roles if r.kind == "total"]
    if roster_only or totals_only:
        for r in items + comps:
            r.kind = "ignore"
        items, comps = [], []
    if roster_only:
        for r in totals + dates:
            r.kind = "ignore"
        totals, dates = [], []
    for r in roles:
        if r.kind == "name_auto":
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                r.header,
                None,
                _("names are personal data: this column was dropped and is in no output"),
                _("Nothing to do; to link tests by name instead of ID, set name_column in study.toml."),
                "warning",
            )
        elif r.kind == "ignore" and not (kobo and _blank_mask(raw.values(r.header)).all()):
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                r.header,
                None,
                *ignored_column(  # (a note: empty)
                    r.header,
                    _(
                        "Map it in study.toml under columns (or check its phase and item or competency ID), "
                        "or remove it if it is not needed."
                    ),
                ),
                "warning",
            )
        elif r.kind == "duplicate":
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                r.header,
                None,
                _("column '{header}' holds the same thing as an earlier column and was ignored").format(
                    header=r.header
                ),
                _("Remove one of the two columns."),
                "warning",
            )
    # columns without a phase need the row's phase
    if rows.phase is None:
        for r in items + comps + [t for t in totals if t.target == "score"]:
            if r.phase is None:
                ctx.problem(
                    source.name,
                    raw.sheet,
                    raw.header_row,
                    r.header,
                    None,
                    _("column '{header}' is not marked pre, post or delayed, and the sheet has no phase column").format(
                        header=r.header
                    ),
                    _(
                        "Head it like pre_Q01, 'Post-test / Q01' or Q01_delayed, add a {phase} column, or set "
                        'phase = "pre" (or "post", "delayed") for this source in study.toml.'
                    ).format(phase=template_header("phase")),
                )
                r.kind = "ignore"
        items = [r for r in items if r.kind == "item"]
        comps = [r for r in comps if r.kind == "competency"]
        totals = [r for r in totals if r.kind == "total"]
    # the roster
    roster_opt = source.get("roster")
    want_roster = (
        bool(roster_opt) if roster_opt is not None else ("sector" in attr and fixed not in ("post", "delayed"))
    )
    if want_roster:
        if "sector" not in attr:
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                template_header("sector"),
                None,
                _("the sheet has no column for sector (roster = true in study.toml)"),
                _("Add a '{header}' column, or set roster = false.").format(header=template_header("sector")),
            )
        else:
            idx = np.arange(len(raw.excel_rows))
            roster: dict[str, Any] = {c: raw.values(attr[c]) if c in attr else None for c in ROSTER}
            if rows.phase is not None and "phase" in attr:
                roster["_dedupe"] = True
            f = rows.frame(idx, roster)
            out.append(
                Mapped(
                    "participants",
                    f,
                    source.name,
                    raw.sheet,
                    _headers_of(rows, {c: attr[c] for c in ROSTER if c in attr}),
                )
            )
    mode = str(source.get("answers", "letters")).casefold()
    scored = mode in ("scores", "scored", "points", "score")
    if items:
        long = _melt(raw, items, rows.phase, "score" if scored else "answer", "item_id")
        answers = {"answer": None, "score": long["score"]} if scored else {"answer": long["answer"]}
        f = rows.frame(
            long["_i"],
            {"phase": long["phase"], "item_id": long["item_id"], **answers, "_col": long["_col"], "_resolve": True},
        )
        date_headers = attach_dates(f, long["_i"], raw, dates)
        out.append(
            Mapped("responses", f, source.name, raw.sheet, _headers_of(rows, {**_phase_header(attr), **date_headers}))
        )
        if totals and not totals_only:
            for t in totals:
                ctx.problem(
                    source.name,
                    raw.sheet,
                    raw.header_row,
                    t.header,
                    None,
                    _("column '{header}' (a total) was ignored: totals are computed from the item answers").format(
                        header=t.header
                    ),
                    _('Nothing to do; remove the column, or load it with layout = "totals" instead.'),
                    "warning",
                )
            totals = []
    if comps:
        long = _melt(raw, comps, rows.phase, "rating", "competency_id")
        f = rows.frame(
            long["_i"],
            {
                "phase": long["phase"],
                "competency_id": long["competency_id"],
                "rating": long["rating"],
                "_col": long["_col"],
                "_resolve": True,
            },
        )
        out.append(Mapped("confidence", f, source.name, raw.sheet, _headers_of(rows, _phase_header(attr))))
    if totals:
        out.extend(_totals(raw, totals, rows, source, ctx, attr, dates))
    elif totals_only:
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            template_header("score"),
            None,
            _("the sheet has no column for the total score"),
            _(
                "Add a '{header}' column (or 'Pre-test score' and 'Post-test score'), or name it in study.toml "
                "with score_column."
            ).format(header=template_header("score")),
        )
    return out


def _totals(
    raw,
    totals: list[Role],
    rows: _Rows,
    source: SourceConfig,
    ctx: LayoutContext,
    attr: dict,
    dates: list[Role] | None = None,
) -> list[Mapped]:
    from tip_eval.io import clean

    n = len(raw.excel_rows)
    scores = [t for t in totals if t.target == "score"]
    maxes = {t.phase: t.header for t in totals if t.target == "max_score"}
    default_max = source.get("max_score")
    thousands = ctx.settings.get("thousands", ",")
    decimal = ctx.settings.get("decimal", ".")
    frames = []
    for s in scores:
        sv = raw.values(s.header)
        mh = maxes.get(s.phase, maxes.get(None))
        mv = raw.values(mh) if mh else np.full(n, default_max, dtype=object)
        keep = ~_blank_mask(sv)
        idx = np.flatnonzero(keep)
        empty = raw.excel_rows.to_numpy()[~keep]
        if len(empty):
            text = {
                "pre": ngettext(
                    "no pre-test score in {n} row ({rows}): treated as not tested",
                    "no pre-test score in {n} rows ({rows}): treated as not tested",
                    len(empty),
                ),
                "post": ngettext(
                    "no post-test score in {n} row ({rows}): treated as not tested",
                    "no post-test score in {n} rows ({rows}): treated as not tested",
                    len(empty),
                ),
            }.get(s.phase) or ngettext(
                "no score in {n} row ({rows}): treated as not tested",
                "no score in {n} rows ({rows}): treated as not tested",
                len(empty),
            )
            ctx.problem(
                source.name,
                raw.sheet,
                int(empty[0]),
                s.header,
                None,
                text.format(n=len(empty), rows=_ranges(empty)),
                _("Fill in the score, or leave it empty if the person did not take the test."),
                "warning",
            )
        f = rows.frame(idx)
        f["phase"] = s.phase if s.phase is not None else rows.phase[idx]
        score = sv[idx].copy()
        mx = mv[idx].copy()
        for j in range(len(idx)):  # "85%" is a percentage of the maximum score
            v = score[j]
            if isinstance(v, str) and v.strip().endswith("%"):
                try:
                    pct = clean.parse_number(v, thousands=thousands, decimal=decimal)
                    m = clean.parse_number(mx[j], thousands=thousands, decimal=decimal) if mx[j] is not None else None
                except (ValueError, TypeError):
                    continue
                if pct is None:
                    continue
                if m is None:
                    score[j], mx[j] = pct, 100.0
                else:
                    score[j] = pct * m / 100.0
        f["score"] = score
        f["max_score"] = mx
        f["_col"] = s.header
        date_headers = attach_dates(f, idx, raw, dates or [])
        frames.append(f)
    if not frames:
        return []
    f = pd.concat(frames, ignore_index=True)
    headers = _headers_of(rows, {**_phase_header(attr), "score": scores[0].header, **date_headers})
    if maxes:
        headers["max_score"] = next(iter(maxes.values()))
    elif default_max is not None:
        headers["max_score"] = "study.toml max_score"
    return [Mapped("scores", f, source.name, raw.sheet, headers)]


# ------------------------------------------------------------------------------------ layouts


def _read_data(source: SourceConfig, ctx: LayoutContext, infos: list):
    found, sheet = data_sheet(source, ctx, infos)
    if not found:
        return None
    header_rows = int(source.get("header_rows", 1) or 1)
    if isinstance(sheet, str) and infos and sheet not in {s.name for s in infos}:
        ctx.problem(
            source.name,
            None,
            None,
            None,
            sheet,
            _("there is no sheet named '{name}'").format(name=sheet),
            _("Use one of: {sheets} (sheet in study.toml).").format(
                sheets=", ".join(s.name for s in infos if s.visible)
            ),
        )
        return None
    return read_sheet(source, sheet, ctx, header_rows=header_rows)


def _training_data_and_roster(source: SourceConfig, ctx: LayoutContext):
    """The training, the data sheet and (from a separate Participants sheet) the roster of a source.

    Returns ``(mapped so far, training_id, data RawTable or None, source)``; when a Participants sheet
    supplied the roster, the returned source no longer reads roster columns from the data sheet.
    """
    infos = _sheet_infos(source)
    out, tid = training_from_source(source, ctx, infos)
    raw = _read_data(source, ctx, infos)
    if raw is None:
        return out, tid, None, source
    roster_sheet = _visible_sheet(infos, "participants")
    if roster_sheet is not None and roster_sheet != raw.sheet:
        rraw = read_sheet(source, roster_sheet, ctx)
        out.extend(person_sheet(rraw, _with(source, phase=None, roster=True), ctx, training_id=tid, roster_only=True))
        if source.get("roster") is None:
            source = _with(source, roster=False)
    return out, tid, raw, source


def _person_layout(
    source: SourceConfig, ctx: LayoutContext, *, kobo: bool = False, totals_only: bool = False
) -> list[Mapped]:
    out, tid, raw, source = _training_data_and_roster(source, ctx)
    if raw is None:
        return out
    out.extend(person_sheet(raw, source, ctx, training_id=tid, kobo=kobo, totals_only=totals_only))
    return out


def _with(source: SourceConfig, **changes: Any) -> SourceConfig:
    opts = dict(source.options)
    for k, v in changes.items():
        if v is None:
            opts.pop(k, None)
        else:
            opts[k] = v
    return SourceConfig(file=source.file, layout=source.layout, name=source.name, options=opts)


@register("wide")
def wide_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """One row per participant with pre and post side by side (see the module docstring)."""
    return _person_layout(source, ctx)


@register("prepost")
def prepost_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """A separate pre-test, post-test or delayed post-test file or sheet (``phase`` is required)."""
    if source.get("phase") is None:
        ctx.problem(
            "study.toml",
            None,
            None,
            "phase",
            None,
            _(
                "source {source} (layout prepost) does not say whether it is the pre-test, the post-test or "
                "a delayed post-test"
            ).format(source=source.name),
            _('Add phase = "pre", phase = "post" or phase = "delayed" to this source.'),
        )
        return []
    return _person_layout(source, ctx)


@register("kobo")
def kobo_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """A KoboToolbox/ODK export: group paths, metadata columns ignored (see the module docstring)."""
    return _person_layout(source, ctx, kobo=True)


@register("totals")
def totals_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """Already-scored totals only: the scores table (see the module docstring)."""
    return _person_layout(source, ctx, totals_only=True)


@register("long")
def long_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """One row per participant x phase x item (or competency, or total score)."""
    out, tid, raw, source = _training_data_and_roster(source, ctx)
    if raw is None:
        return out
    own = own_phases(ctx.settings)
    fixed = phase_of(str(source.get("phase")), own) if source.get("phase") is not None else None
    if source.get("phase") is not None and fixed is None:
        ctx.problem(
            "study.toml",
            None,
            None,
            "phase",
            str(source.get("phase")),
            _(_FIXED_PHASE_WORDS).format(source=source.name),
            _(_FIXED_PHASE_FIX),
        )
        return out
    roles = classify([str(c) for c in raw.columns], source, LONG_ATTRS, bank=ctx.bank, own=own)
    for r in roles:  # in a long sheet every column is one attribute; nothing is melted
        if r.kind in ("item", "competency") or (r.kind == "total" and r.phase is not None):
            r.kind = "ignore"
    rows = _row_values(raw, roles, source, ctx, tid, fixed)
    if rows is None:
        return out
    attr = {r.target: r.header for r in roles if r.kind in ("attr", "total") or (r.kind == "date" and r.phase is None)}
    for r in roles:
        if r.kind == "date" and r.phase is not None:  # one row per phase: a date column of one phase is not used
            r.kind = "ignore"
        if r.kind == "name_auto":
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                r.header,
                None,
                _("names are personal data: this column was dropped and is in no output"),
                _("Nothing to do; to link tests by name instead of ID, set name_column in study.toml."),
                "warning",
            )
        elif r.kind in ("ignore", "duplicate"):
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                r.header,
                None,
                *ignored_column(r.header, _("Map it in study.toml under columns, or remove it if it is not needed.")),
                "warning",
            )
    if rows.phase is None and any(c in attr for c in ("item_id", "competency_id", "score")):
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            template_header("phase"),
            None,
            _("the sheet has no column for {column}").format(column="phase"),
            _("Add a '{header}' column (pre, post or delayed), or set phase in study.toml.").format(
                header=template_header("phase")
            ),
        )
        return out
    n = len(raw.excel_rows)
    col = {c: raw.values(h) for c, h in attr.items()}
    base_headers = _headers_of(rows, {c: h for c, h in attr.items() if c not in ROSTER})
    roster_opt = source.get("roster")
    if bool(roster_opt) if roster_opt is not None else ("sector" in attr and fixed not in ("post", "delayed")):
        if "sector" in attr:
            f = rows.frame(np.arange(n))
            for c in ROSTER:
                f[c] = col.get(c, np.full(n, None, dtype=object))
            f["_dedupe"] = True
            out.append(
                Mapped(
                    "participants",
                    f,
                    source.name,
                    raw.sheet,
                    _headers_of(rows, {c: attr[c] for c in ROSTER if c in attr}),
                )
            )
    no_item = _blank_mask(col["item_id"]) if "item_id" in col else np.ones(n, dtype=bool)
    no_comp = _blank_mask(col["competency_id"]) if "competency_id" in col else np.ones(n, dtype=bool)
    if "item_id" in col:
        # a row with neither an item nor a competency stays, so that its empty item is a located problem
        idx = np.flatnonzero(~no_item | (no_comp if "competency_id" in col else True))
        f = rows.frame(idx)
        f["phase"] = rows.phase[idx]
        f["item_id"] = col["item_id"][idx]
        f["answer"] = col["answer"][idx] if "answer" in col else None
        if "score" in col:
            f["score"] = col["score"][idx]
        if "test_date" in col:
            f["test_date"] = col["test_date"][idx]
        f["_resolve"] = True
        out.append(Mapped("responses", f, source.name, raw.sheet, base_headers))
    if "competency_id" in col:
        idx = np.flatnonzero(~no_comp | (no_item if "item_id" not in col else False))
        f = rows.frame(idx)
        f["phase"] = rows.phase[idx]
        f["competency_id"] = col["competency_id"][idx]
        f["rating"] = col["rating"][idx] if "rating" in col else None
        f["_resolve"] = True
        out.append(Mapped("confidence", f, source.name, raw.sheet, base_headers))
    if "item_id" not in col and "competency_id" not in col:
        if "score" in col:
            totals = [Role(attr["score"], "total", "score")] + (
                [Role(attr["max_score"], "total", "max_score")] if "max_score" in attr else []
            )
            dated = [Role(attr["test_date"], "date", "test_date")] if "test_date" in attr else []
            out.extend(_totals(raw, totals, rows, source, ctx, attr, dated))
        else:
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                template_header("item_id"),
                None,
                _("the sheet has no column for item_id, competency_id or score"),
                _(
                    "Add an 'Item' column with 'Answer' (or 'Score'), a 'Competency' column with 'Rating', or a "
                    "'Score' column."
                ),
            )
    return out


def _ranges(rows) -> str:
    """[5, 6, 7, 9] -> '5-7, 9' (at most 8 pieces)."""
    pieces: list[list[int]] = []
    for r in sorted(int(x) for x in rows):
        if pieces and pieces[-1][1] + 1 == r:
            pieces[-1][1] = r
        else:
            pieces.append([r, r])
    text = [f"{a}" if a == b else f"{a}-{b}" for a, b in pieces]
    return ", ".join(text[:8]) + (" ..." if len(text) > 8 else "")


__all__ = ["Role", "classify", "person_sheet", "phase_of", "split_phase", "training_from_source"]
