"""Validation of canonical tables: pandera (lazy) within tables, and the cross-table rules, in one place.

Input frames carry their provenance in three extra columns, ``_file``, ``_sheet`` and ``_row`` (the
Excel row number), and a mapping from canonical column to the header as written, so that every
problem names the file, sheet, row and column a person must fix. Rows with an error are set aside
(quarantined) with their reason; rows read = rows kept + rows quarantined, per file and sheet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tip_eval import schemas
from tip_eval.i18n import N_, _, current_language, ngettext, translator
from tip_eval.io.coerce import SOFT_COLUMNS, soft_words
from tip_eval.io.columns import template_sheet
from tip_eval.problems import (
    LINK_COLUMNS,
    PROBLEM_COLUMNS,
    Problem,
    link_causes,
    problems_html,
    problems_text,
    root_causes,
)

PROVENANCE = ("_file", "_sheet", "_row")
QUARANTINE_COLUMNS = ("table", "file", "sheet", "row", "problem", "record")
RECONCILIATION_COLUMNS = ("file", "sheet", "table", "rows_read", "rows_kept", "rows_quarantined")

# the cross-table rules, documented once: (table, column, parent table, parent column, words)
REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("participants", "training_id", "trainings", "training_id"),
    ("responses", "participant_id", "participants", "participant_id"),
    ("responses", "item_id", "items", "item_id"),
    ("scores", "participant_id", "participants", "participant_id"),
    ("confidence", "participant_id", "participants", "participant_id"),
    ("confidence", "competency_id", "competencies", "competency_id"),
    ("interviews", "participant_id", "participants", "participant_id"),
    ("followup_codes", "interview_id", "interviews", "interview_id"),
    ("followup_codes", "code_id", "codebook", "code_id"),
    ("costs", "training_id", "trainings", "training_id"),
)
_PARENT_WORDS = {
    "trainings": N_("the trainings"),
    "participants": N_("the roster"),
    "items": N_("the item bank"),
    "competencies": N_("the competency list"),
    "interviews": N_("the interview list"),
    "codebook": N_("the codebook"),
}
#: the same lists, as what a study may lack ("the study has no item bank")
_PARENT_NAMES = {
    "trainings": N_("trainings"),
    "participants": N_("roster"),
    "items": N_("item bank"),
    "competencies": N_("competency list"),
    "interviews": N_("interview list"),
    "codebook": N_("codebook"),
}


@dataclass
class ValidationReport:
    """Every problem found in a study, located, and how rows reconcile per file.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem: ``file, sheet, row, column, value, problem, fix, severity``, then
        ``caused_by`` (the index label of the root cause this line follows from, e.g. a
        participant's test rows set aside because their roster row has a bad sector; missing for
        a root cause) and ``rows_set_aside`` (records the line sets aside). Root causes come
        first. :meth:`root_causes` lists them with what follows from each; displayed in a
        notebook or printed, the report shows root causes with their consequences counted beneath.
    reconciliation : pandas.DataFrame
        One row per file, sheet and table: ``rows_read, rows_kept, rows_quarantined``
        (rows read = rows kept + rows quarantined) counting the records of each canonical table;
        and, per sheet, one row whose ``table`` is ``"(rows of the sheet)"`` counting the sheet's own
        rows (for a CSV file, its lines) before any parsing: each is used, or left out or set aside
        with a problem line naming it.
    """

    problems: pd.DataFrame = field(default_factory=lambda: link_causes([]))
    reconciliation: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(RECONCILIATION_COLUMNS)))
    #: the language the problems and fixes are written in (``en``, ``km``, ``th``, ``id``)
    language: str = "en"

    @property
    def ok(self) -> bool:
        """True when no problem has severity ``error`` (warnings are allowed)."""
        return not bool((self.problems["severity"] == "error").any())

    @property
    def n_errors(self) -> int:
        """Number of problems of severity ``error``."""
        return int((self.problems["severity"] == "error").sum())

    @property
    def n_warnings(self) -> int:
        """Number of problems of severity ``warning``."""
        return int((self.problems["severity"] == "warning").sum())

    def summary(self, lang: str | None = None) -> str:
        """One paragraph in plain words, in ``lang`` (default: the report's :attr:`language`)."""
        t = translator(lang or self.language)
        if self.problems.empty:
            text = t.gettext("No problems found.")
        else:
            text = t.gettext("{errors} and {warnings} found.").format(
                errors=t.ngettext("{n} error", "{n} errors", self.n_errors).format(n=self.n_errors),
                warnings=t.ngettext("{n} warning", "{n} warnings", self.n_warnings).format(n=self.n_warnings),
            )
        if len(self.reconciliation):
            r = self.reconciliation
            sheets = r[r["table"] == SOURCE_ROWS]
            if len(sheets):  # the sheets' own rows (lines of a CSV file), counted before parsing
                n = int(sheets["rows_read"].sum())
                text += " " + t.ngettext(
                    "{n} row read, {used} used, {out} left out or set aside.",
                    "{n} rows read, {used} used, {out} left out or set aside.",
                    n,
                ).format(n=n, used=int(sheets["rows_kept"].sum()), out=int(sheets["rows_quarantined"].sum()))
            else:
                n = int(r["rows_read"].sum())
                text += " " + t.ngettext(
                    "{n} row read, {kept} kept, {out} set aside.", "{n} rows read, {kept} kept, {out} set aside.", n
                ).format(n=n, kept=int(r["rows_kept"].sum()), out=int(r["rows_quarantined"].sum()))
        return text

    def root_causes(self) -> pd.DataFrame:
        """The problems no other problem explains, each with ``consequences`` (the lines that
        follow from it) and ``rows_depending`` (the records those lines set aside).
        """
        return root_causes(self.problems)

    def to_excel(self, path: str, lang: str | None = None) -> str:
        """Write the internal problems file an officer can open (the file ``tip-eval brief`` writes too).

        Its first sheet says it is internal and not for publication (it lists rows of the files);
        values are quoted only from checked columns, any other text by its place (see
        :mod:`tip_eval.problems_file`). Root causes come first; ``caused_by`` gives the Excel row (of
        the Problems sheet) of the root cause a line follows from. Every text cell is written as inert
        text (a value that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is never a
        formula).

        Parameters
        ----------
        path : str
            The ``.xlsx`` file to write.
        lang : {"en", "km", "th", "id"}, optional
            The language of the sheet names, headers, severities and the About sheet (default: the
            report's :attr:`language`). The problems and fixes themselves are in the language the
            report was made in: ``te.validate(path, lang="th")`` makes them in Thai.
        """
        from tip_eval.problems_file import write_problems_file

        return str(write_problems_file(self, None, path, lang=lang or self.language))

    def to_text(self, limit: int | None = 20, width: int | None = None) -> str:
        """The summary and the root causes as plain text, each with its fix and what follows from it.

        Parameters
        ----------
        limit : int, optional
            Root causes shown (None: all).
        width : int, optional
            Wrap lines at this width, between words only; None leaves them whole (pipes, logs).
        """
        head = ("OK: " if self.ok else "Problems found: ") + self.summary()
        return problems_text(self.problems, title=head, limit=limit, width=width)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"ValidationReport(ok={self.ok}, errors={self.n_errors}, warnings={self.n_warnings})\n" + problems_text(
            self.problems, limit=10
        )

    def _repr_html_(self) -> str:
        import html

        t = translator(self.language)
        head = f"<p><b>{t.gettext('OK') if self.ok else t.gettext('Problems found')}</b>: {html.escape(self.summary())}</p>"
        return head + problems_html(self.problems)


from tip_eval.validation_checks import (  # noqa: E402, F401 - split out; names kept here for callers
    _DF_CHECK_COLUMN,
    _FAILURE_COLUMNS,
    _MELTED,
    _Checked,
    _count_rows,
    _header,
    _isin,
    _loc,
    _maps_to,
    _own_key,
    _records_per_row,
    _run_schema,
    _schema_failures,
    _schema_without_uniqueness,
    _sheet_codes,
    _unique_keys,
    _words_for_check,
    coerce_columns,
    factorized,
    may_repeat,
    schema_holds,
)

_NO_FAILURES = pd.DataFrame(columns=_FAILURE_COLUMNS)  # what pandera reports when the schema holds (read only)


def check_tables(
    tables: Mapping[str, pd.DataFrame],
    headers: Mapping[tuple, Mapping[str, str]] | None = None,
    extra_problems: list[Problem] | None = None,
    pre_quarantined: Mapping[str, pd.DataFrame] | None = None,
) -> _Checked:
    """Validate canonical tables (within and across), and split rows into kept and quarantined.

    Parameters
    ----------
    tables : mapping of table name -> DataFrame
        Canonical tables, each optionally with provenance columns ``_file, _sheet, _row``.
    headers : mapping, optional
        ``(file, sheet) -> {canonical column: header as written}``, for problem messages.
    extra_problems : list of Problem, optional
        Problems found earlier (reading, mapping); they are reported too.
    pre_quarantined : mapping of table name -> DataFrame, optional
        Rows the mapping layer already set aside (same columns plus ``_reason``); they count in the
        reconciliation.

    Returns
    -------
    _Checked
        ``kept`` (clean canonical tables without provenance), ``quarantine`` (``table, file, sheet,
        row, problem, record``), ``problems`` and ``reconciliation``.
    """
    problems: list[Problem] = list(extra_problems or [])
    quarantine_rows: list[dict] = []
    kept: dict[str, pd.DataFrame] = {}
    prov_all: dict[str, pd.DataFrame] = {}
    read_counts: list[pd.DataFrame] = []
    coerced: dict[str, pd.DataFrame] = {}  # table -> its frame with the schema's types, row for row
    passed: dict[tuple, set] = {}  # a rule on single values -> the values that passed it (see schema_holds)

    def quarantine(table: str, frame: pd.DataFrame, prov: pd.DataFrame, mask: np.ndarray, reasons: pd.Series) -> None:
        for idx in frame.index[mask]:
            f, sh, r = _loc(prov, idx)
            rec = {k: (None if pd.isna(v) else str(v)) for k, v in frame.loc[idx].items()} if True else {}
            quarantine_rows.append(
                {
                    "table": table,
                    "file": f,
                    "sheet": sh,
                    "row": r,
                    "problem": reasons.get(idx, _("set aside")),
                    "record": json.dumps(rec, ensure_ascii=False),
                }
            )

    raw_keys: dict[str, set] = {}
    # the problem that set aside each identifier of a table (table -> value -> problem), so that the
    # rows referring to it name it as their cause; the mapping layer's problems found by their place
    set_aside_by: dict[str, dict] = {}
    at_place: dict[tuple, Problem] = {}
    for p in problems:
        if p.severity == "error" and p.row is not None:
            at_place.setdefault((p.file, p.sheet, int(p.row)), p)
    for table in schemas.TABLES:
        raw = tables.get(table)
        if raw is None:
            raw = schemas.empty(table)
        raw = raw.reset_index(drop=True)
        present = [c for c in (*PROVENANCE, "_col", "_softened") if c in raw.columns]
        prov = pd.DataFrame(  # the columns as read, shared (pandas copies a column only when it is written)
            {  # _col and _softened only where the loader wrote them: a column of None is 8 bytes a row
                **{c: raw[c] for c in present},
                **{c: None for c in PROVENANCE if c not in present},
            },
            index=raw.index,
            copy=False,
        )
        frame = schemas.complete(
            table, raw.drop(columns=[c for c in (*PROVENANCE, "_col", "_softened") if c in raw.columns])
        )
        keys = [c for c, col in schemas.schema(table).columns.items() if col.unique]
        raw_keys[table] = set(frame[keys[0]].dropna()) if keys and keys[0] in frame else set()
        pq_rows = (pre_quarantined or {}).get(table)
        if keys and pq_rows is not None and keys[0] in pq_rows:
            from tip_eval.io.coerce import normalize_id

            upper = keys[0] == "participant_id"
            raw_keys[table] |= {normalize_id(v, upper=upper) for v in pq_rows[keys[0]].dropna()}
        pq = (pre_quarantined or {}).get(table)
        if pq is not None and len(pq):
            for _i, r in pq.iterrows():
                rec = {k: (None if pd.isna(v) else str(v)) for k, v in r.items() if not str(k).startswith("_")}
                quarantine_rows.append(
                    {
                        "table": table,
                        "file": r.get("_file"),
                        "sheet": r.get("_sheet"),
                        "row": r.get("_row"),
                        "problem": r.get("_reason"),
                        "record": json.dumps(rec, ensure_ascii=False),
                    }
                )
            read_counts.append(_count_rows(pq, table))
        read_counts.append(_count_rows(prov, table))
        missing = [c for c in schemas.schema(table).columns if c not in frame.columns]
        if missing:
            raise ValueError(f"table {table} lacks canonical column(s) {missing}; a layout must provide every column")
        frame = frame[list(schemas.schema(table).columns)]
        bad = np.zeros(len(frame), dtype=bool)
        reasons: dict[int, str] = {}
        row_problem: dict[int, Problem] = {}  # row -> the problem that set it aside
        soft_cells: list[tuple[int, str]] = []
        typed = coerce_columns(table, frame)
        # the schema holds for nearly every table: pandera itself runs only to describe failures
        holds = typed is not None and schema_holds(table, typed, passed)
        fc = _NO_FAILURES if holds else _schema_failures(table, frame)
        for _i, case in fc.iterrows():
            check = str(case["check"])
            idx = case["index"]
            if idx is None or (isinstance(idx, float) and np.isnan(idx)):
                continue
            idx = int(idx)
            column = str(case["column"]) if case["column"] is not None else ""
            if check in _DF_CHECK_COLUMN:
                if column != _DF_CHECK_COLUMN[check]:
                    continue
                if check == "dates_in_order" and frame.loc[idx, ["start_date", "end_date"]].isna().any():
                    continue  # a missing date is its own problem, not one of order
            elif case["schema_context"] == "DataFrameSchema" or check == "field_uniqueness":
                continue  # uniqueness: handled below, keeping the first occurrence
            softened = prov.at[idx, "_softened"] if "_softened" in prov.columns and idx in prov.index else None
            if isinstance(softened, str) and column in softened.split(";"):
                continue  # left out by the loader, which said why
            words, fix = _words_for_check(check, column, case["failure_case"], table)
            f, sh, r = _loc(prov, idx)
            value = frame.at[idx, column] if column in frame.columns else case["failure_case"]
            soft = column in SOFT_COLUMNS.get(table, ())
            first = not soft and idx not in row_problem
            problem = Problem(
                f,
                sh,
                r,
                _header(headers, f, sh, column, prov, idx),
                None if pd.isna(value) else str(value),
                words + (soft_words(table, column) if soft else ""),
                fix,
                "error",
                rows=1 if first else None,
            )
            problems.append(problem)
            if soft:  # a training's or person's attribute: the cell is left out, the row and what depends on it kept
                soft_cells.append((idx, column))
                continue
            bad[idx] = True
            row_problem.setdefault(idx, problem)
            reasons.setdefault(idx, words)
        if soft_cells:
            typed = None
            frame = frame.copy()
            for idx, column in soft_cells:
                frame[column] = frame[column].astype(object)
                frame.at[idx, column] = None
        for key in _unique_keys(table):
            ok_rows = frame.loc[~bad] if bad.any() else frame  # (a mask of every row copies the table)
            if not may_repeat(ok_rows, key):
                continue
            dup = ok_rows.duplicated(key, keep="first")
            if not dup.any():
                continue
            first_idx = ok_rows.loc[~dup].reset_index().set_index(key)["index"]
            repeated_rows: dict[tuple, list] = {}
            for idx in ok_rows.index[dup.to_numpy()]:
                f, sh, r = _loc(prov, idx)
                kv = tuple(frame.loc[idx, key])
                first = first_idx.loc[kv if len(key) > 1 else kv[0]]
                r0 = _loc(prov, int(first))[2]
                if len(key) == 1:
                    words = _("{column} is repeated: each value may appear only once").format(column=key[0])
                else:
                    words = _("{column} repeats the key ({key}): each combination may appear only once").format(
                        column=key[0], key=", ".join(key)
                    )
                if r0 is not None:
                    words += " " + _("(first in row {row})").format(row=r0)
                bad[idx] = True
                reasons.setdefault(idx, words)
                if len(key) > 1 and "_col" in prov.columns and isinstance(prov.at[idx, "_col"], str):
                    # a repeated row of a wide sheet repeats every cell: one line for the row
                    entry = repeated_rows.setdefault((f, sh, r, r0, str(kv[0])), [0])
                    entry[0] += 1
                    continue
                problem = Problem(
                    f,
                    sh,
                    r,
                    _header(headers, f, sh, key[0]),
                    ", ".join(map(str, kv)),
                    words,
                    _("Remove the duplicate row or correct the identifier; the first row was kept."),
                    "error",
                    rows=1,
                )
                problems.append(problem)
                row_problem.setdefault(idx, problem)
            for (f, sh, r, r0, ident), (count,) in repeated_rows.items():
                where = _("row {row}").format(row=r0) if r0 is not None else _("an earlier row")
                # the row repeated as a whole: its roster entry, said first, is the cause
                cause = next(
                    (
                        p
                        for p in problems
                        if p.severity == "error" and (p.file, p.sheet, p.row) == (f, sh, r) and p.value == ident
                    ),
                    None,
                )
                problems.append(
                    Problem(
                        f,
                        sh,
                        r,
                        _header(headers, f, sh, key[0]),
                        ident,
                        ngettext(
                            "{column} '{value}' repeats {where} for the same phase: {n} {table} row set aside",
                            "{column} '{value}' repeats {where} for the same phase: {n} {table} rows set aside",
                            count,
                        ).format(column=key[0], value=ident, where=where, n=count, table=table),
                        _("Remove the duplicate row or correct the identifier; the first row was kept."),
                        "error",
                        cause=cause,
                        rows=count,
                    )
                )
        quarantine(table, frame, prov, bad, pd.Series(reasons, dtype=object))
        if keys and keys[0] in frame:  # what set each identifier aside, for the rows that refer to it
            by_key = set_aside_by.setdefault(table, {})
            if pq is not None and len(pq) and keys[0] in pq:
                from tip_eval.io.coerce import normalize_id

                for _i, rq in pq.iterrows():
                    cause = at_place.get((rq.get("_file"), _sheet_of(rq.get("_sheet")), _row_of(rq.get("_row"))))
                    if cause is not None and not pd.isna(rq[keys[0]]):
                        by_key.setdefault(normalize_id(rq[keys[0]], upper=keys[0] == "participant_id"), cause)
            for idx, problem in row_problem.items():
                value = frame.at[idx, keys[0]]
                if not pd.isna(value):
                    by_key.setdefault(value, problem)
        kept[table] = frame.loc[~bad] if bad.any() else frame
        if typed is not None:
            coerced[table] = typed
        prov_all[table] = prov.loc[~bad] if bad.any() else prov

    # cross-table rules, in dependency order, on kept rows (a set-aside parent sets aside its children)
    for table, column, parent, pcol in REFERENCES:
        child = kept[table]
        if child.empty:
            continue
        ok = pd.Series(_isin(child[column], kept[parent][pcol]), index=child.index)
        if ok.all():
            continue
        prov = prov_all[table]
        reasons = {}
        where = _(_PARENT_WORDS[parent]) if parent in _PARENT_WORDS else parent
        if kept[parent].empty and not raw_keys[parent]:
            # nothing at all in the parent table (no item bank loaded): one line per sheet, not one per value
            _no_parent(
                problems,
                reasons,
                child,
                prov,
                headers,
                table,
                column,
                parent,
                where,
                set_aside_by.setdefault(table, {}),
            )
            mask = ~ok.to_numpy()
            quarantine(table, child, prov, mask, pd.Series(reasons, dtype=object))
            kept[table] = child if ok.all() else child.loc[ok.to_numpy()]
            prov_all[table] = prov if ok.all() else prov.loc[ok.to_numpy()]
            continue
        cascaded: dict[tuple, int] = {}
        melted: dict[tuple, tuple] = {}
        line_of: dict[int, tuple] = {}  # child row -> the key of the line that reports it
        own_key = _own_key(table)
        for idx in child.index[~ok.to_numpy()]:
            f, sh, r = _loc(prov, idx)
            value = child.at[idx, column]
            if value in raw_keys[parent]:
                words = _("{column} '{value}' has a problem in {where}").format(column=column, value=value, where=where)
                key = (f, sh, str(value), words)
                first_row, count, first_idx = cascaded.get(key, (r, 0, idx))
                cascaded[key] = (first_row, count + 1, first_idx)
                line_of[idx] = ("cascaded", key)
            else:
                words = _("{column} '{value}' is not in {where}").format(column=column, value=value, where=where)
                header = _header(headers, f, sh, column, prov, idx)
                if column in _MELTED and header != column:
                    # a whole column of a wide sheet (an unknown question): one line, not one per row
                    key = (f, sh, header, str(value))
                    first_row, count = melted.get(key, (r, 0))
                    melted[key] = (first_row, count + 1)
                    line_of[idx] = ("melted", key)
                else:
                    problem = Problem(
                        f,
                        sh,
                        r,
                        header,
                        str(value),
                        words,
                        _("Correct the {column}, or add it to {where}.").format(column=column, where=where),
                        "error",
                        rows=1,
                    )
                    problems.append(problem)
                    line_of[idx] = ("row", problem)
            reasons[idx] = words
        lines: dict[tuple, Problem] = {}
        for (f, sh, header, value), (first_row, count) in melted.items():
            lines[("melted", (f, sh, header, value))] = problem = Problem(
                f,
                sh,
                first_row,
                header,
                value,
                ngettext(
                    "{column} '{value}' is not in {where} ({n} row from row {row} set aside)",
                    "{column} '{value}' is not in {where} ({n} rows from row {row} set aside)",
                    count,
                ).format(column=column, value=value, where=where, n=count, row=first_row),
                _("Rename the column to a {column} of {where}, or add it there.").format(column=column, where=where),
                "error",
                rows=count,
            )
            problems.append(problem)
        for (f, sh, value, words), (first_row, count, first_idx) in cascaded.items():
            cause = set_aside_by.get(parent, {}).get(value)
            lines[("cascaded", (f, sh, value, words))] = problem = Problem(
                f,
                sh,
                first_row,
                _header(headers, f, sh, column, prov, first_idx),
                value,
                ngettext(
                    "{n} {table} row set aside because {reason}", "{n} {table} rows set aside because {reason}", count
                ).format(n=count, table=table, reason=words),
                _("Fix the {column} row in {where}; these rows then load too.").format(column=column, where=where),
                "error",
                cause=cause,
                rows=count,
            )
            problems.append(problem)
        if own_key is not None:  # the rows set aside here may be referred to in turn (a training's people)
            by_key = set_aside_by.setdefault(table, {})
            for idx, (kind, key) in line_of.items():
                value = child.at[idx, own_key]
                if not pd.isna(value):
                    by_key.setdefault(value, key if kind == "row" else lines[(kind, key)])
        mask = ~ok.to_numpy()
        quarantine(table, child, prov, mask, pd.Series(reasons, dtype=object))
        kept[table] = child if ok.all() else child.loc[ok.to_numpy()]
        prov_all[table] = prov if ok.all() else prov.loc[ok.to_numpy()]

    # responses and scores must carry the participant's own training
    part_training = kept["participants"].set_index("participant_id")["training_id"]
    for table in ("responses", "scores"):
        child = kept[table]
        if child.empty:
            continue
        ok = _maps_to(child["participant_id"], part_training, child["training_id"])
        if ok.all():
            continue
        prov = prov_all[table]
        reasons = {}
        expected = child.loc[~ok, "participant_id"].map(part_training)
        for idx in child.index[~ok]:
            f, sh, r = _loc(prov, idx)
            words = _("participant {participant} is registered for training {training}, not {other}").format(
                participant=child.at[idx, "participant_id"],
                training=expected.at[idx],
                other=child.at[idx, "training_id"],
            )
            problems.append(
                Problem(
                    f,
                    sh,
                    r,
                    _header(headers, f, sh, "participant_id"),
                    str(child.at[idx, "participant_id"]),
                    words,
                    _("Put the participant's test in their own training's workbook, or correct the ID."),
                    "error",
                    rows=1,
                )
            )
            reasons[idx] = words
        quarantine(table, child, prov, ~ok, pd.Series(reasons, dtype=object))
        # nearly always every row is kept: the frames themselves, not copies of every row
        kept[table] = child if ok.all() else child.loc[ok]
        prov_all[table] = prov if ok.all() else prov.loc[ok]

    # reconciliation per file, sheet and table
    counts = (
        pd.concat(read_counts, ignore_index=True)
        if read_counts
        else pd.DataFrame(columns=["_file", "_sheet", "_table", "_n", "_kept"])
    )
    q = pd.DataFrame(quarantine_rows, columns=list(QUARANTINE_COLUMNS))
    recon = (
        counts.fillna({"_file": "(generated)", "_sheet": ""})
        .groupby(["_file", "_sheet", "_table"], sort=False, dropna=False)["_n"]
        .sum()
        .rename("rows_read")
        .reset_index()
    )
    qn = (
        q.assign(file=q["file"].fillna("(generated)"), sheet=q["sheet"].fillna(""))
        .groupby(["file", "sheet", "table"], dropna=False)
        .size()
        .rename("rows_quarantined")
        .reset_index()
        .rename(columns={"file": "_file", "sheet": "_sheet", "table": "_table"})
    )
    recon = recon.merge(qn, on=["_file", "_sheet", "_table"], how="left").fillna({"rows_quarantined": 0})
    recon["rows_quarantined"] = recon["rows_quarantined"].astype(int)
    recon["rows_kept"] = recon["rows_read"] - recon["rows_quarantined"]
    recon = recon.rename(columns={"_file": "file", "_sheet": "sheet", "_table": "table"})[list(RECONCILIATION_COLUMNS)]

    problems = list(dict.fromkeys(problems))  # a melted wide row repeats its row's problem: once is enough
    clean = {}
    for t in list(kept):  # each table's typed frame replaces its frame as read, one table at a time
        f = kept.pop(t)
        typed_t = coerced.pop(t, None)
        if typed_t is None:
            clean[t] = schemas.schema(t).coerce_dtype(f.reset_index(drop=True))
        elif f.index.equals(typed_t.index):  # no row set aside: the typed frame as it is
            clean[t] = typed_t.reset_index(drop=True)
        else:
            clean[t] = typed_t.loc[f.index].reset_index(drop=True)
        del f, typed_t
    where = {
        t: pd.DataFrame(
            {
                "file": _text_values(
                    p["_file"], lambda c: _as_text(*pd.factorize(c.to_numpy(dtype=object), use_na_sentinel=False))
                ),
                "sheet": _text_values(
                    p["_sheet"],
                    lambda c: _as_text(*_sheet_codes(*pd.factorize(c.to_numpy(dtype=object), use_na_sentinel=False))),
                ),
                "row": _row_numbers(p["_row"]),
            },
            copy=False,  # the columns just made, and the names shared with the tables as read
        )
        for t, p in prov_all.items()
    }
    return _Checked(kept=clean, quarantine=q, problems=problems, reconciliation=recon, provenance=where)


def _row_numbers(rows: pd.Series) -> pd.api.extensions.ExtensionArray:
    """Row numbers as read as pandas' nullable integers (a column already of that type is shared)."""
    if rows.dtype == "Int64":
        return rows.reset_index(drop=True).array
    return pd.array(pd.to_numeric(rows, errors="coerce"), dtype="Int64")


def _text_values(column: pd.Series, make: Callable[[pd.Series], Any]) -> Any:
    """A provenance column (file or sheet names) for a new frame, without a Python string per row.

    A column already of pandas' text dtype, or dictionary-encoded (a categorical of the names, as the
    loader holds them), is passed on as it is (its buffers are shared, and missing values stay missing, as
    ``make`` would leave them); other columns are made by ``make``.
    """
    if isinstance(column.dtype, pd.CategoricalDtype) or (
        isinstance(column.dtype, pd.StringDtype) and column.notna().any()
    ):
        return column.reset_index(drop=True)
    return make(column)


_PARENT_FIX = {  # {sheet}: the name of the sheet the project's template gives that list, in the current language
    "items": N_(
        "Add the item bank: a sheet named {sheet} in this workbook (as `tip-eval template` writes it), or a "
        'source with layout = "item_bank" in study.toml.'
    ),
    "competencies": N_("Add the competency list: a sheet named {sheet} in this workbook, or in the item bank source."),
    "codebook": N_('Add the codebook: a sheet named {sheet}, or a source with layout = "codebook" in study.toml.'),
    "interviews": N_("Add the interview list: a sheet named {sheet}, or a documents table with interview IDs."),
    "participants": N_("Add the roster: a sheet named {sheet}, or a source with a Sector column."),
    "trainings": N_("Describe the training: a sheet named {sheet}, or a sources.training table in study.toml."),
}
_PARENT_SHEET = {
    "items": "items",
    "competencies": "competencies",
    "codebook": "codebook",
    "interviews": "interviews",
    "participants": "participants",
    "trainings": "training",
}


#: the missing sheets (``Problem.key``) that leave a parent table empty: its rows' problems follow from them
_MISSING_SHEETS = {
    "items": ("no-sheet:items",),
    "competencies": ("no-sheet:competencies", "no-sheet:items"),
    "codebook": ("no-sheet:codebook",),
    "interviews": ("no-sheet:interviews",),
    "participants": ("no-sheet:participants",),
    "trainings": ("no-sheet:training",),
}


def _no_parent(
    problems: list[Problem],
    reasons: dict,
    child: pd.DataFrame,
    prov: pd.DataFrame,
    headers: Mapping[tuple, Mapping[str, str]] | None,
    table: str,
    column: str,
    parent: str,
    where: str,
    set_aside: dict | None = None,
) -> None:
    """One problem per file and sheet when the parent table is empty: every row refers to nothing.

    When the same file lacks the sheet that holds the parent table (a training workbook checked on
    its own, without the item bank), that missing sheet is the line's cause.
    """
    words = _("{column} cannot be checked: the study has no {what}").format(
        column=column, what=_(_PARENT_NAMES[parent]) if parent in _PARENT_NAMES else where.removeprefix("the ")
    )
    groups: dict[str | None, dict] = {}
    for idx in child.index:
        f, sh, r = _loc(prov, idx)
        g = groups.setdefault(f, {"sheets": {}, "count": 0, "rows": []})
        g["count"] += 1
        g["rows"].append(idx)
        rows = g["sheets"].setdefault(sh, [])
        if r is not None:
            rows.append(r)
        reasons[idx] = words
    own_key = _own_key(table)
    for f, g in groups.items():
        sheets = list(g["sheets"])
        sh = sheets[0] if len(sheets) == 1 else None
        first_row = min(g["sheets"][sh], default=None) if sh is not None else None
        n = g["count"]
        if len(sheets) > 1:
            text = ngettext(
                "{reason}: {n} {table} row (sheets {sheets}) set aside",
                "{reason}: {n} {table} rows (sheets {sheets}) set aside",
                n,
            )
        else:
            text = ngettext("{reason}: {n} {table} row set aside", "{reason}: {n} {table} rows set aside", n)
        keys = _MISSING_SHEETS.get(parent, ())
        cause = next((p for k in keys for p in problems if p.key == k and p.file == f), None)
        problem = Problem(
            f,
            sh,
            first_row,
            _header(headers, f, sh, column) if sh is not None else column,
            None,
            text.format(reason=words, n=n, table=table, sheets=", ".join(str(x) for x in sheets)),
            _(_PARENT_FIX[parent]).format(sheet=template_sheet(_PARENT_SHEET[parent]))
            if parent in _PARENT_FIX
            else _("Add {what}.").format(what=where),
            "error",
            cause=cause,
            rows=n,
        )
        problems.append(problem)
        if own_key is not None and set_aside is not None:
            for idx in g["rows"]:
                value = child.at[idx, own_key]
                if not pd.isna(value):
                    set_aside.setdefault(value, problem)


def _sheet_of(value) -> str | None:
    return value if isinstance(value, str) else None


def _row_of(value) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None


#: the ``table`` of the reconciliation rows that count a sheet's own rows (lines of a CSV file)
SOURCE_ROWS = "(rows of the sheet)"


def row_account(
    lines: Mapping[tuple, Mapping],
    records: list[pd.DataFrame],
    quarantine: pd.DataFrame,
    problems: list[Problem],
    repeats: set | frozenset = frozenset(),
) -> tuple[pd.DataFrame, list[Problem]]:
    """Account for every row of every sheet read: kept, or named in a problem line.

    Parameters
    ----------
    lines : mapping
        ``(file, sheet) -> {"read": rows below the header counted before parsing, "rows": the rows the
        reader handed on, "ignored": {row: why left out}, "row_lines": {row: lines it took}}``.
    records : list of DataFrame
        Every record made from the sheets (kept or set aside), with ``_file, _sheet, _row``.
    quarantine : DataFrame
        The records set aside (``file, sheet, row``).
    problems : list of Problem
        The problems found so far.
    repeats : set
        ``(file, sheet, row)`` of rows that declared again what an earlier row declared.

    Returns
    -------
    (DataFrame, list of Problem)
        One reconciliation row per sheet (``table`` is :data:`SOURCE_ROWS`): ``rows_read`` the rows
        (for a CSV file, the lines) below the header, counted before any parsing; ``rows_kept`` those
        with at least one record kept; ``rows_quarantined`` the others (blank rows, notes, rows set
        aside, a CSV record broken by a quote). And a warning for the rows that gave no record at all
        and that no problem names, so that no row disappears without a line saying so.
    """

    def key(f, sh, r):
        return (f, sh if isinstance(sh, str) else None, int(r))

    made: dict[tuple, dict[int, int]] = {}  # (file, sheet) -> {row: records made from it}
    for frame in records:
        if frame is None or frame.empty or "_row" not in frame:
            continue
        for sheet, counts in _records_per_row(frame["_file"], frame["_sheet"], frame["_row"]).items():
            into = made.setdefault(sheet, {})
            for r, n in counts.items():
                into[r] = into.get(r, 0) + n
    lost: dict[tuple, int] = {}
    if len(quarantine):
        q = quarantine.dropna(subset=["row"])
        for (f, sh, r), n in q.groupby(["file", "sheet", "row"], dropna=False, sort=False).size().items():
            k = key(f, sh, r)
            lost[k] = lost.get(k, 0) + int(n)
    named = {key(p.file, p.sheet, p.row) for p in problems if p.row is not None}
    rows_out, extra = [], []
    for (f, sh), info in lines.items():
        sh = sh if isinstance(sh, str) else None
        weight = info.get("row_lines", {})
        kept = 0
        silent = []
        made_here = made.get((f, sh), {})
        for r in info["rows"]:
            k = key(f, sh, r)
            n_made = made_here.get(k[2], 0)
            if n_made > lost.get(k, 0) or k in repeats:
                kept += weight.get(r, 1)
            elif n_made == 0 and k not in named:
                silent.append(r)
        if silent:
            extra.append(
                Problem(
                    f,
                    sh,
                    silent[0],
                    None,
                    None,
                    ngettext(
                        "nothing in row {rows} was read: no cell of it is in a column tip_eval reads, "
                        "or its values were all empty",
                        "nothing in rows {rows} was read: no cell of them is in a column tip_eval "
                        "reads, or their values were all empty",
                        len(silent),
                    ).format(rows=_row_ranges(silent)),
                    _("Check these rows; if a column should be read, map it in study.toml under columns."),
                    "warning",
                )
            )
        read = int(info["read"])
        rows_out.append(
            {
                "file": f,
                "sheet": sh if sh is not None else "",
                "table": SOURCE_ROWS,
                "rows_read": read,
                "rows_kept": kept,
                "rows_quarantined": read - kept,
            }
        )
    return pd.DataFrame(rows_out, columns=list(RECONCILIATION_COLUMNS)), extra


def _as_text(codes: np.ndarray, names: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """Values given as ``names[codes]`` (text or missing) as pandas would make them a column: its text
    type (converted once per distinct value), or objects when every value is missing.
    """
    names = np.asarray(names, dtype=object)
    if not len(names) or pd.isna(names).all() or not all(isinstance(v, str) or pd.isna(v) for v in names):
        return names[codes] if len(codes) else np.empty(0, dtype=object)
    return pd.array(names, dtype=_TEXT).take(codes)


#: pandas' own type for text
_TEXT = pd.api.types.pandas_dtype("str")


def _row_ranges(rows: list[int]) -> str:
    pieces: list[list[int]] = []
    for r in sorted(rows):
        if pieces and pieces[-1][1] + 1 == r:
            pieces[-1][1] = r
        else:
            pieces.append([r, r])
    text = [f"{a}" if a == b else f"{a}-{b}" for a, b in pieces]
    return ", ".join(text[:8]) + (" ..." if len(text) > 8 else "")


def report_from(problems: list[Problem], reconciliation: pd.DataFrame | None = None) -> ValidationReport:
    """Build a :class:`ValidationReport`: root causes first, then the lines that follow from them,
    each part sorted by file, sheet and row (see :func:`tip_eval.problems.link_causes`).
    """
    frame = link_causes(problems)
    rec = reconciliation if reconciliation is not None else pd.DataFrame(columns=list(RECONCILIATION_COLUMNS))
    return ValidationReport(
        problems=frame[[*PROBLEM_COLUMNS, *LINK_COLUMNS]], reconciliation=rec, language=current_language()
    )
