"""Reading the user's item bank (and competency list) for the collection tools.

``tip-eval xlsform --items BANK`` and ``tip-eval template --items BANK`` build the form and the
training workbook from the partner's own test. The bank is read exactly as a study reads it (the
``item_bank`` layout: the guarded reader, headers in any of the four languages, the bank's own
rules) and checked against the ``items`` and ``competencies`` schemas, so that every problem is
located (file, sheet, row, column) before any collection tool is written from it. The format is
described in :mod:`tip_eval.io.item_bank` and ``data_schemas/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tip_eval.i18n import _
from tip_eval.io.columns import template_header, template_sheet
from tip_eval.io.item_bank import BANK_COLUMNS, COMPETENCY_COLUMNS
from tip_eval.problems import Problem, problems_frame

__all__ = ["ItemBank", "as_item_bank", "read_item_bank"]

_PROVENANCE = ["_file", "_sheet", "_row"]


@dataclass
class ItemBank:
    """A bank as read: its questions, its competencies and the problems found.

    ``items`` has the columns of :data:`tip_eval.io.item_bank.BANK_COLUMNS` (module as its code, the
    correct answer as written, ``n_options`` filled from the option texts when empty), and
    ``competencies`` those of :data:`tip_eval.io.item_bank.COMPETENCY_COLUMNS` (empty when the bank
    has none); both keep ``_file, _sheet, _row``. ``headers``: ``(file, sheet) -> {column: header as
    written}``.
    """

    items: pd.DataFrame
    competencies: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    headers: dict[tuple, dict[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)

    def problem_table(self) -> pd.DataFrame:
        """The problems as a table (``file, sheet, row, column, value, problem, fix, severity``)."""
        return problems_frame(self.problems)


def _source(path: Path):
    from tip_eval.io.sources import SourceConfig

    return SourceConfig(file=path, layout="item_bank", name=path.name)


def _exists(path: str | Path) -> Path:
    from tip_eval.errors import InputRefused

    p = Path(path)
    if not p.is_file():
        raise InputRefused(
            str(path),
            _("does not exist or is not a file."),
            _("Give the path of your item bank workbook (.xlsx) or CSV file."),
        )
    return p


def _competencies(path: Path, ctx):
    """The competency list of its own file: a workbook's Competencies sheet, or a CSV file."""
    from tip_eval.io.columns import map_headers
    from tip_eval.io.layouts import (
        Mapped,
        _require,
        bank_sheets,
        frame_with_provenance,
        read_sheet,
    )

    src = _source(path)
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        found = [m for m in bank_sheets(src, ctx, items_required=False) if m.table == "competencies"]
        if not found:
            ctx.problem(
                path.name,
                None,
                None,
                None,
                None,
                _("no visible sheet named '{name}'").format(name=template_sheet("competencies")),
                _("Add a sheet named {sheet} ({columns}, ...), or give a CSV file.").format(
                    sheet=template_sheet("competencies"),
                    columns=", ".join(template_header(c) for c in ("competency_id", "label", "label_km")),
                ),
            )
        return found[0] if found else None
    raw = read_sheet(src, None, ctx)
    mapping = map_headers(list(raw.frame.columns), COMPETENCY_COLUMNS)
    if not _require(ctx, src, raw, mapping, ["competency_id", "label"]):
        return None
    return Mapped("competencies", frame_with_provenance(raw, mapping, src), src.name, raw.sheet, dict(mapping))


def read_item_bank(items: str | Path, competencies: str | Path | None = None) -> ItemBank:
    """Read an item bank workbook or CSV file, and optionally a separate competency list.

    Parameters
    ----------
    items : str or Path
        The item bank: a workbook with an ``Items`` sheet (and optionally ``Competencies``), or a
        CSV file of items.
    competencies : str or Path, optional
        The competency list, when it is not the bank's own ``Competencies`` sheet: a workbook with a
        ``Competencies`` sheet, or a CSV file.

    Returns
    -------
    ItemBank
        Never raises on data problems: they are in ``bank.problems``.

    Raises
    ------
    tip_eval.InputRefused
        A file does not exist, cannot be read or was refused as unsafe.
    """
    from tip_eval.io.layouts import LayoutContext, bank_sheets

    ctx = LayoutContext(settings={})
    mapped = bank_sheets(_source(_exists(items)), ctx, items_required=True)
    if competencies is not None:
        mapped = [m for m in mapped if m.table != "competencies"]
        got = _competencies(_exists(competencies), ctx)
        mapped += [got] if got is not None else []
    problems = list(ctx.problems)
    headers: dict[tuple, dict[str, str]] = {}
    frames: dict[str, pd.DataFrame] = {}
    for m in mapped:
        headers.setdefault((m.file, m.sheet), {}).update(m.headers)
        frames[m.table] = pd.concat([frames[m.table], m.frame], ignore_index=True) if m.table in frames else m.frame
    return _finish(frames.get("items"), frames.get("competencies"), problems, headers)


def as_item_bank(
    items: ItemBank | str | Path | pd.DataFrame, competencies: str | Path | pd.DataFrame | None = None
) -> ItemBank:
    """An :class:`ItemBank` from a bank file (see :func:`read_item_bank`), an ``ItemBank``, or frames.

    Frames hold the bank's columns (:data:`~tip_eval.io.item_bank.BANK_COLUMNS`, as many as you
    have: a study's ``items`` table works) and are checked by the same rules as a file;
    ``competencies`` (a file or a frame) replaces the bank's own competency list.
    """
    from tip_eval.io.item_bank import check_item_bank, infer_n_options

    if not isinstance(items, (ItemBank, pd.DataFrame)):
        items = read_item_bank(items, None if isinstance(competencies, pd.DataFrame) else competencies)
        if not isinstance(competencies, pd.DataFrame):
            return items
    if isinstance(items, ItemBank) and competencies is None:
        return items
    if isinstance(items, ItemBank):
        frame, comps, problems, headers = items.items, items.competencies, list(items.problems), dict(items.headers)
    else:
        frame, comps, problems, headers = _with_provenance(items), None, [], {}
        problems += check_item_bank(frame)
        if len(frame):
            frame["n_options"] = infer_n_options(frame)
    if isinstance(competencies, pd.DataFrame):
        comps = _with_provenance(competencies)
    elif competencies is not None:
        from tip_eval.io.layouts import LayoutContext

        ctx = LayoutContext(settings={})
        got = _competencies(_exists(competencies), ctx)
        problems += ctx.problems
        comps = got.frame if got is not None else None
        if got is not None:
            headers.setdefault((got.file, got.sheet), {}).update(got.headers)
    return _finish(frame, comps, problems, headers)


def _with_provenance(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).astype(object).copy()
    for c in _PROVENANCE:
        if c not in out:
            out[c] = None
    return out


def _finish(
    items: pd.DataFrame | None,
    comps: pd.DataFrame | None,
    problems: list[Problem],
    headers: dict[tuple, dict[str, str]],
) -> ItemBank:
    """Parse the cells as a study does, apply the schemas' rules, keep the bank's columns."""
    from tip_eval import schemas
    from tip_eval.io.coerce import coerce_frame
    from tip_eval.validation import check_tables

    out: dict[str, pd.DataFrame] = {}
    for table, frame, cols in (("items", items, BANK_COLUMNS), ("competencies", comps, COMPETENCY_COLUMNS)):
        if frame is None:
            frame = pd.DataFrame(columns=cols + _PROVENANCE)
        frame = frame.drop(columns=["_dedupe"], errors="ignore").copy()
        for c in cols + _PROVENANCE:
            if c not in frame:
                frame[c] = None
        if table == "items" and frame["points"].isna().all():
            frame["points"] = 1.0
        typed, probs, _bad = coerce_frame(frame[cols + _PROVENANCE], headers)
        problems.extend(probs)
        # the words as the user wrote them (Khmer digits stay Khmer digits): they are shown, not matched
        for c in [c for c in cols if c.startswith(("text", "option_", "label"))]:
            typed[c] = [v.strip() or None if isinstance(v, str) else t for v, t in zip(frame[c], typed[c])]
        out[table] = typed
    # the schemas' rules (a known module, points above 0, each ID once), located as in `tip-eval validate`
    tables = {t: f[list(schemas.schema(t).columns) + _PROVENANCE] for t, f in out.items()}
    checked = check_tables(tables, headers=headers)
    problems = list(dict.fromkeys(problems + checked.problems))  # a problem found twice is said once
    items_frame = out["items"].reset_index(drop=True)
    items_frame["correct_answer"] = [
        v.strip().upper() if isinstance(v, str) and len(v.strip()) == 1 else v for v in items_frame["correct_answer"]
    ]
    return ItemBank(items_frame, out["competencies"].reset_index(drop=True), problems, headers)
