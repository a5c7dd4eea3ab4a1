"""The :class:`Study` container and the two entry points :func:`load_study` and :func:`validate`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from tip_eval import schemas
from tip_eval._memo import memoised
from tip_eval.errors import ValidationError
from tip_eval.i18n import check_language, using
from tip_eval.validation import QUARANTINE_COLUMNS, ValidationReport, check_tables, report_from, row_account

_SOURCE_COLUMNS = ("file", "sheet", "table", "layout", "sha256", "rows_read", "rows_kept", "rows_quarantined")


class Study:
    """The validated canonical tables of one study, with provenance and the quarantine.

    Each canonical table (see ``data_schemas/README.md``) is an attribute of the same name:
    ``trainings, participants, items, responses, scores, competencies, confidence, interviews,
    codebook, followup_codes, costs``. A missing table is empty, with the canonical columns.

    Parameters
    ----------
    **tables : pandas.DataFrame
        Canonical tables by name. When ``scores`` is not given and ``responses`` is, scores are
        derived from the responses (sum of points per participant and phase).
    name : str, optional
        Name of the study, used in titles.
    min_cell : int, default 5
        Smallest group size any published output shows (see :mod:`tip_eval.disclosure`).
    quarantine : pandas.DataFrame, optional
        Rows set aside while loading: ``table, file, sheet, row, problem, record``.
    sources : pandas.DataFrame, optional
        Provenance: ``file, sheet, table, layout, sha256, rows_read, rows_kept, rows_quarantined``.
    report : ValidationReport, optional
        The report of the load (problems, including warnings).
    excerpts : pandas.DataFrame, optional
        Quoted interview text marked as cleared for publication (``interview_id, coder, code_id,
        excerpt, file, sheet, row``); excerpts not cleared are dropped at ingest.
    exchange_rates : pandas.DataFrame, optional
        The reporting currency and exchange rates of study.toml (``currency, rate,
        reporting_currency``; see :func:`tip_eval.io.cost_settings.exchange_rate_table`), used by
        :func:`~tip_eval.cost_effectiveness`.
    check : bool, default True
        Validate the tables against the schemas and the cross-table rules; raise
        :class:`~tip_eval.ValidationError` on any error.
    """

    trainings: pd.DataFrame
    participants: pd.DataFrame
    items: pd.DataFrame
    responses: pd.DataFrame
    scores: pd.DataFrame
    competencies: pd.DataFrame
    confidence: pd.DataFrame
    interviews: pd.DataFrame
    codebook: pd.DataFrame
    followup_codes: pd.DataFrame

    def __init__(
        self,
        *,
        name: str | None = None,
        min_cell: int = 5,
        quarantine: pd.DataFrame | None = None,
        sources: pd.DataFrame | None = None,
        report: ValidationReport | None = None,
        excerpts: pd.DataFrame | None = None,
        exchange_rates: pd.DataFrame | None = None,
        check: bool = True,
        **tables: pd.DataFrame,
    ) -> None:
        unknown = set(tables) - set(schemas.TABLES)
        if unknown:
            raise TypeError(f"unknown table(s) {sorted(unknown)}; canonical tables are {', '.join(schemas.TABLES)}")
        if tables.get("scores") is None and tables.get("responses") is not None and tables.get("items") is not None:
            from tip_eval.scoring import scores_from_responses

            tables["scores"] = scores_from_responses(tables["responses"], tables["items"])
        if check:
            checked = check_tables(tables)
            if checked.problems:
                raise ValidationError(report_from(checked.problems, checked.reconciliation))
            tables = checked.kept
        for t in schemas.TABLES:
            frame = tables.get(t)
            setattr(
                self, t, schemas.complete(t, frame.reset_index(drop=True)) if frame is not None else schemas.empty(t)
            )
        self.name = name or "Study"
        self.min_cell = int(min_cell)
        self.quarantine = quarantine if quarantine is not None else pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
        self.sources = sources if sources is not None else pd.DataFrame(columns=list(_SOURCE_COLUMNS))
        self.report = report if report is not None else ValidationReport()
        #: quoted interview text cleared for publication (never part of the canonical tables)
        self.excerpts = (
            excerpts
            if excerpts is not None
            else pd.DataFrame(columns=["interview_id", "coder", "code_id", "excerpt", "file", "sheet", "row"])
        )
        #: reporting currency and exchange rates for costing (empty when study.toml sets none)
        if exchange_rates is None:
            from tip_eval.io.cost_settings import exchange_rate_table

            exchange_rates = exchange_rate_table({})
        self.exchange_rates = exchange_rates
        #: where each training was declared (``training_id, file, sheet, row``), when loaded from files
        self.training_rows = pd.DataFrame(columns=["training_id", "file", "sheet", "row"])
        #: where each row of a table came from, when loaded from files: table -> its identifying columns
        #: (see :data:`ROW_KEYS`) and ``file, sheet, row`` (totals derived from answers have none)
        self.row_sources: dict[str, pd.DataFrame] = {}

    # --- conveniences used by the analysis layer -------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the canonical tables as a dict (name -> DataFrame)."""
        return {t: getattr(self, t) for t in schemas.TABLES}

    @memoised()
    def attributes(self) -> pd.DataFrame:
        """Return one row per participant with their own and their training's attributes.

        Columns: the participants' columns plus ``country, province, venue, organiser, start_date,
        end_date, language, curriculum_version, delayed_test_months, study`` of their training
        (``study`` is the study's name when the trainings do not say: one study) and ``year``, the
        year the training started. This is what ``by=`` groups on.
        (Computed once while the study is being published: see :mod:`tip_eval._memo`.)
        """
        tr = self.trainings
        if "study" in tr.columns and tr["study"].isna().all():  # one study: every training is in it
            tr = tr.assign(study=self.name)
        tr = tr.assign(year=tr["start_date"].dt.year.astype("Int64"))
        return self.participants.merge(tr, on="training_id", how="left", validate="many_to_one")

    def __repr__(self) -> str:
        counts = ", ".join(f"{t}={len(getattr(self, t))}" for t in schemas.TABLES if len(getattr(self, t)))
        q = f", quarantined={len(self.quarantine)}" if len(self.quarantine) else ""
        return f"Study({self.name!r}: {counts}{q})"

    def equals(self, other: Study) -> bool:
        """True when every canonical table equals the other study's (same rows in any order)."""
        return all(_same_rows(getattr(self, t), getattr(other, t)) for t in schemas.TABLES)


def _key(table: str) -> list[str]:
    model = schemas.TABLES[table]
    unique = getattr(model.Config, "unique", None)
    if unique:
        return list(unique)
    return [c for c, col in schemas.schema(table).columns.items() if col.unique][:1] or list(
        schemas.schema(table).columns
    )


def canonical_order(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Sort ``frame`` by the table's key, for order-free comparison."""
    return frame.sort_values(_key(table), kind="stable").reset_index(drop=True)


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    table = next((t for t in schemas.TABLES if list(schemas.schema(t).columns) == list(a.columns)), None)
    if table is None:
        return a.reset_index(drop=True).equals(b.reset_index(drop=True))
    return canonical_order(table, a).equals(canonical_order(table, b))


def load_study(
    path: str | Path,
    *,
    on_error: str = "raise",
    config: Mapping[str, Any] | None = None,
    cache: bool | str | Path = False,
    lang: str | None = None,
) -> Study:
    """Load a study: read every source, map it to canonical tables, validate, and return a :class:`Study`.

    Parameters
    ----------
    path : str or Path
        A study folder containing ``study.toml``, a ``study.toml`` file, or one training workbook in
        the project's template layout.
    on_error : {"raise", "quarantine"}, default "raise"
        ``"raise"``: raise :class:`~tip_eval.ValidationError` (carrying the full report) when any
        error remains. ``"quarantine"``: keep the good rows, set the others aside in
        ``study.quarantine`` with their reasons, and attach the report as ``study.report``.
    config : mapping, optional
        Settings that override those in ``study.toml``.
    cache : bool or path, default False
        ``True``: keep what this load produces (the validated tables, the quarantine, the sources
        and the report) in the user's cache directory (never the study folder), and reuse it when
        the same study is loaded again with unchanged files and settings, skipping reading and
        validation. A path: the same, in that folder. The cache is keyed by the content of every
        source file and of ``study.toml``, the effective settings and the tip_eval version, and
        authenticated with a secret of the user's, so it never returns stale or forged data; a
        damaged cache is ignored and rebuilt. See :mod:`tip_eval.io.cache`.
    lang : {"en", "km", "th", "id"}, optional
        The language of the problems, fixes and reasons of ``study.report`` and
        ``study.quarantine``. Default: the study's ``language`` setting in ``study.toml``, else
        English.

    Returns
    -------
    Study

    Raises
    ------
    tip_eval.InputRefused
        A file cannot be read or was refused as unsafe.
    tip_eval.ValidationError
        Data problems remain and ``on_error="raise"``.
    """
    if on_error not in ("raise", "quarantine"):
        raise ValueError(f"on_error must be 'raise' or 'quarantine'; got {on_error!r}")
    from tip_eval.io.config import study_language
    from tip_eval.io.heap import one_heap, release_free_memory

    try:
        with using(study_language(path, config) if lang is None else check_language(lang)), one_heap():
            return _load_study(path, on_error=on_error, config=config, cache=cache)
    finally:
        release_free_memory()  # the cells as read and the steps' copies: freed, now given back


def _load_study(
    path: str | Path, *, on_error: str, config: Mapping[str, Any] | None, cache: bool | str | Path
) -> Study:
    """:func:`load_study` in the current language."""
    from tip_eval.io.cost_settings import exchange_rate_table
    from tip_eval.io.heap import release_after
    from tip_eval.io.load import attach_scores, load_sources

    store = None
    if cache is not False and cache is not None:
        from tip_eval.io.cache import StudyCache

        store = StudyCache.for_study(path, config, cache)
        hit = store.load(Study) if store is not None else None
        if hit is not None:
            if not hit.report.ok and on_error == "raise":
                raise ValidationError(hit.report)
            return hit
    loaded = load_sources(path, config=config)
    n_rows = sum(len(f) for f in loaded.tables.values())
    checked = check_tables(
        loaded.tables, headers=loaded.headers, extra_problems=loaded.problems, pre_quarantined=loaded.quarantined
    )
    release_after(n_rows)  # each step gives back its temporaries before the next (io.heap)
    # what is still needed of the tables as read: where each row came from, and which person's test it
    # is (the values themselves now live on in the validated tables; large studies hold them once)
    loaded.tables = {t: f[[c for c in f.columns if c in _STILL_NEEDED]] for t, f in loaded.tables.items()}
    row_sources = _row_sources(checked.kept, checked.provenance)  # before the derived totals are added
    # totals from item answers, from the answers kept only (never from answers set aside)
    attach_scores(checked.kept, loaded.tables.get("responses"), checked.problems, loaded.headers)
    release_after(n_rows)
    # every row of every sheet is used, or named in a problem line
    sheet_rows, silent = row_account(
        loaded.lines,
        [*loaded.tables.values(), *loaded.quarantined.values()],
        checked.quarantine,
        checked.problems,
        loaded.repeats,
    )
    checked.problems.extend(silent)
    report = report_from(
        checked.problems,
        pd.concat([checked.reconciliation, sheet_rows], ignore_index=True)
        if len(sheet_rows)
        else checked.reconciliation,
    )
    if not report.ok and on_error == "raise" and store is None:
        raise ValidationError(report)
    sources = (
        loaded.sources.merge(checked.reconciliation, on=["file", "sheet", "table"], how="left")
        if len(loaded.sources)
        else loaded.sources
    )
    training_rows = _training_rows(loaded.tables.get("trainings"))
    # what only the steps above needed, released and given back before the identifiers are decoded
    # (on a large study the decoded text is the load's height)
    loaded.tables, loaded.quarantined, loaded.lines, checked.provenance = {}, {}, {}, {}
    release_after(n_rows)
    _decode_identifiers(checked.kept, row_sources)
    study = Study(
        name=loaded.name,
        min_cell=loaded.min_cell,
        quarantine=checked.quarantine,
        sources=sources,
        report=report,
        excerpts=loaded.excerpts,
        exchange_rates=exchange_rate_table(loaded.settings),
        check=False,
        **checked.kept,
    )
    study.training_rows = training_rows
    study.row_sources = row_sources
    if store is not None:
        store.save(study)
        if not report.ok and on_error == "raise":
            raise ValidationError(report)
    return study


#: the columns of the tables as read that the steps after validation use (attach_scores, row_account,
#: _training_rows)
_STILL_NEEDED = frozenset({"participant_id", "phase", "training_id", "_file", "_sheet", "_row"})

#: the columns that identify a row, or link it to the row it depends on (a training, a person, an item ...)
ROW_KEYS = ("training_id", "participant_id", "phase", "item_id", "competency_id", "interview_id", "coder", "code_id")


def _decode_identifiers(kept: Mapping[str, pd.DataFrame], row_sources: Mapping[str, pd.DataFrame]) -> None:
    """The identifiers a large study's load held as codes (:data:`tip_eval.io.compact.DICTIONARY_COLUMNS`),
    as pandas' text again, in place; a table's row sources share its decoded columns.
    """
    from tip_eval.io.compact import DICTIONARY_COLUMNS, decode_text

    for t, frame in kept.items():
        coded = [
            c
            for c in frame.columns
            if c in DICTIONARY_COLUMNS.get(t, ()) and isinstance(frame[c].dtype, pd.CategoricalDtype)
        ]
        # the widest codes first: the last column's codes are alive while its text is made, at the height
        coded.sort(key=lambda c: -frame[c].cat.codes.dtype.itemsize)
        where = row_sources.get(t)
        for c in coded:  # one column at a time: its codes are released before the next is decoded
            decode_text(frame, [c])
            if where is not None and c in where.columns and isinstance(where[c].dtype, pd.CategoricalDtype):
                # the row sources hold the table's rows in its order: its column, shared
                if len(where) == len(frame):
                    where[c] = frame[c].set_axis(where.index)
                else:
                    decode_text(where, [c])


def _row_sources(kept: Mapping[str, pd.DataFrame], provenance: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``table -> identifying columns + file, sheet, row`` of the validated rows (see ``Study.row_sources``)."""
    out = {}
    for t, frame in kept.items():
        where = provenance.get(t)
        if where is None or frame.empty or len(where) != len(frame):
            continue
        keys = [c for c in ROW_KEYS if c in frame.columns]
        out[t] = pd.concat([frame[keys].reset_index(drop=True), where.reset_index(drop=True)], axis=1)
    return out


def _training_rows(trainings: pd.DataFrame | None) -> pd.DataFrame:
    """Where each training was declared (``training_id, file, sheet, row``; the first declaration),
    so that a programme of studies can locate a training two studies declare differently.
    """
    columns = ["training_id", "file", "sheet", "row"]
    if trainings is None or trainings.empty or "_file" not in trainings.columns:
        return pd.DataFrame(columns=columns)
    from tip_eval.io.coerce import normalize_id

    out = pd.DataFrame(
        {
            "training_id": [normalize_id(v) for v in trainings["training_id"]],
            "file": trainings["_file"].astype(object).to_numpy(),
            "sheet": [s if isinstance(s, str) else None for s in trainings["_sheet"]],
            "row": pd.array(trainings["_row"], dtype="Int64"),
        }
    )
    return out.dropna(subset=["training_id"]).drop_duplicates("training_id").reset_index(drop=True)[columns]


def validate(path: str | Path, *, config: Mapping[str, Any] | None = None, lang: str | None = None) -> ValidationReport:
    """Check a study's files and return every problem found; never raises on data problems.

    Parameters
    ----------
    path : str or Path
        As for :func:`load_study`.
    config : mapping, optional
        Settings that override those in ``study.toml``.
    lang : {"en", "km", "th", "id"}, optional
        The language of the problems' ``problem`` and ``fix`` columns (and of ``report.summary()``
        and ``report.to_excel()``). Default: the study's ``language`` setting in ``study.toml``,
        else English.

    Returns
    -------
    ValidationReport
        ``report.ok``, ``report.problems`` (``file, sheet, row, column, value, problem, fix,
        severity``), ``report.reconciliation`` and ``report.to_excel(path)``. A file that cannot be
        read at all is reported as a problem row too.
    """
    from tip_eval.errors import InputRefused
    from tip_eval.io.config import study_language
    from tip_eval.problems import Problem

    with using(study_language(path, config) if lang is None else check_language(lang)):
        try:
            study = _load_study(path, on_error="quarantine", config=config, cache=False)
        except InputRefused as err:
            return report_from([Problem(err.file, None, None, None, None, err.reason, err.fix, "error")])
        return study.report
