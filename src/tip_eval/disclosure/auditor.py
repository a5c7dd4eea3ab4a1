"""Audit a written brief and workbook as a reader would, for anything counted under ``min_cell``.

:func:`audit` (and ``tip-eval audit DIR``) reads what was published, nothing else: the text and
tables of ``brief.html``, the data of every figure embedded in it, and every sheet of
``tables.xlsx``. It rebuilds the counts of people they show (a percentage of a shown group is a
count too; a percentage rounded for display is a range of counts), adds what a reader knows
without being told (which trainings make up each country, from the workbook's Trainings sheet;
that people with both tests are among those with the pre-test, ...), and reports every:

- **count**: a shown count of 1 to ``min_cell - 1`` people, or a blanked count (or a difference
  of counts, such as the people who took the pre-test but not the post-test) whose smallest and
  largest values consistent with everything published differ by less than ``min_cell`` while it
  could be 1 to ``min_cell - 1`` (linear programming, as sdcTable and tau-argus;
  :mod:`tip_eval.disclosure.lp`);
- **share**: a percentage in the text whose count or complement is 1 to ``min_cell - 1`` people;
- **mark**: a figure that draws one mark per person, or a bar of 1 to ``min_cell - 1`` people;
- **name**: a sentence that names a group whose size is hidden;
- **rows**: row-level data (data problems, rows set aside, participant IDs) in the brief or workbook.

The audit cannot know the true values: it reports what a reader could narrow down, which is what
matters. Outputs written by ``tip-eval brief`` pass it (the tests check this); outputs written
before the disclosure plan do not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from tip_eval.disclosure.facts import Cell, Relation
    from tip_eval.disclosure.lp import Group

__all__ = ["AuditReport", "Leak", "audit"]


@dataclass
class Leak:
    """One thing a reader can count under ``min_cell``: where it is and what it reveals."""

    kind: str  # "count", "share", "mark", "name", "rows"
    where: str  # file and sheet / section
    what: str  # plain words
    low: float = float("nan")
    high: float = float("nan")

    def __str__(self) -> str:
        rng = ""
        if not np.isnan(self.low):
            rng = f" (a reader can tell it is {self.low:.0f}" + (
                f" to {self.high:.0f})" if np.isfinite(self.high) and round(self.high) != round(self.low) else ")"
            )
        return f"[{self.kind}] {self.where}: {self.what}{rng}"


@dataclass
class AuditReport:
    """What :func:`audit` found: ``leaks`` (empty when nothing can be counted under ``min_cell``)."""

    path: Path
    min_cell: int
    leaks: list[Leak] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no leak was found."""
        return not self.leaks

    def summary(self) -> str:
        """One sentence: no leak found, or how many of each kind, with what was checked."""
        what = ", ".join(f"{v} {k}" for k, v in self.checked.items())
        if self.ok:
            return (
                f"No leak found in {self.path} (min_cell = {self.min_cell}; checked {what}): nothing published "
                f"lets a reader count fewer than {self.min_cell} people."
            )
        kinds = pd.Series([lk.kind for lk in self.leaks]).value_counts()
        return (
            f"{len(self.leaks)} leak(s) in {self.path} (min_cell = {self.min_cell}; checked {what}): "
            + ", ".join(f"{n} {k}" for k, n in kinds.items())
            + "."
        )

    def to_frame(self) -> pd.DataFrame:
        """The leaks, one row each: ``kind, where, what, low, high`` (the range a reader can compute)."""
        return pd.DataFrame(
            [
                {"kind": lk.kind, "where": lk.where, "what": lk.what, "low": lk.low, "high": lk.high}
                for lk in self.leaks
            ],
            columns=["kind", "where", "what", "low", "high"],
        )

    def __str__(self) -> str:
        return "\n".join([self.summary(), *map(str, self.leaks)])


# --------------------------------------------------------------------------------------------------


def audit(path: str | Path, min_cell: int | None = None) -> AuditReport:
    """Check a published brief and workbook for anything that lets a reader count fewer than ``min_cell`` people.

    Parameters
    ----------
    path : str or Path
        A folder written by ``tip-eval brief`` (``brief.html`` and ``tables.xlsx``), or one of
        the two files.
    min_cell : int, optional
        The threshold; default: the one the outputs state (their README sheet or cover), else 5.

    Returns
    -------
    AuditReport
        ``report.ok`` is True when nothing leaks; ``report.leaks`` lists each leak in plain
        words, with the range a reader can narrow a count to.

    Examples
    --------
    >>> import tip_eval as te
    >>> report = te.disclosure.audit("out/")            # doctest: +SKIP
    >>> report.ok, report.summary()                     # doctest: +SKIP
    """
    from tip_eval.disclosure.plan import check_min_cell

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such folder or file to audit")
    if path.is_dir():
        brief, book = path / "brief.html", path / "tables.xlsx"
    elif path.suffix.lower() in (".html", ".htm"):
        brief, book = path, path.with_name("tables.xlsx")
    else:
        brief, book = path.with_name("brief.html"), path
    if not brief.exists() and not book.exists():
        raise FileNotFoundError(
            f"{path}: no brief.html or tables.xlsx to audit; give the folder written by "
            "'tip-eval brief' (or one of those files)"
        )
    html = brief.read_text(encoding="utf-8") if brief.exists() else ""
    sheets = _read_workbook(book) if book.exists() else {}
    mc = check_min_cell(min_cell if min_cell is not None else _stated_min_cell(html, sheets), source="min_cell")
    report = AuditReport(path, mc)
    facts = _Facts(mc)
    if sheets:
        _workbook_facts(sheets, facts, report, book.name)
    if html:
        _brief_facts(html, facts, report, brief.name)
    facts.check(report)
    if html:
        _check_names(html, sheets, facts, report, brief.name, book.name)
    report.checked.setdefault("figures", 0)
    return report


# --- collecting published counts --------------------------------------------------------------------


class _Facts:
    def __init__(self, min_cell: int) -> None:
        self.min_cell = min_cell
        self.known: dict[Cell, tuple[float, float]] = {}
        self.where: dict[Cell, str] = {}  # where first seen
        self.blank: dict[Cell, str] = {}  # where (published blank)
        self.relations: set[Relation] = set()
        self.atoms: pd.DataFrame | None = None
        self.hidden_groups: set[str] = set()
        self.shown_groups: set[str] = set()

    def add_known(self, cell: Cell, lo: float, hi: float, where: str) -> None:
        old = self.known.get(cell)
        if old is not None:
            lo, hi = max(lo, old[0]), min(hi, old[1])
            if lo > hi:  # two places disagree (rounding): keep the first
                return
        self.known[cell] = (lo, hi)
        self.where.setdefault(cell, where)

    def add_blank(self, cell: Cell, where: str) -> None:
        self.blank.setdefault(cell, where)

    def check(self, report: AuditReport) -> None:
        from tip_eval.disclosure.lp import Expression, System, protected

        mc = self.min_cell
        for cell, (lo, hi) in sorted(self.known.items()):
            if not protected(lo, hi, mc):
                report.leaks.append(Leak("count", self.where[cell], f"{cell.describe()} is shown", lo, hi))
        blanks = [c for c in self.blank if c not in self.known]
        cells = set(self.known) | set(blanks)
        system = System(self.known, cells, self.relations, self.atoms)
        exprs = [(Expression.of(c), self.blank[c]) for c in sorted(blanks)]
        groups: dict[str, set[Group]] = {}
        for c in cells:
            groups.setdefault(c.measure, set()).add(c.group)
        from tip_eval.disclosure.facts import Cell

        for kind, lhs, rhs in sorted(system.relations):
            if kind != "le":
                continue
            for g in sorted(groups.get(rhs, ())):
                for parts in sorted({tuple(lhs)} | {(m,) for m in lhs}):
                    members = [Cell(m, g) for m in parts]
                    if not all(c in cells for c in members):
                        continue
                    big = Cell(rhs, g)
                    where = self.where.get(big) or self.blank.get(big, "")
                    exprs.append((Expression(((big, 1.0),) + tuple((c, -1.0) for c in members)), where))
        n_lp = 0
        for expr, where in exprs:
            if all(c in self.known and self.known[c][0] == self.known[c][1] for c, _ in expr.terms):
                v = sum(a * self.known[c][0] for c, a in expr.terms)
                if not protected(v, v, mc):
                    report.leaks.append(Leak("count", where, f"{expr.describe()} can be worked out", v, v))
                continue
            ok, lo, hi, _ = system.check(expr, mc)
            n_lp += 1
            if not ok and np.isnan(lo):
                report.leaks.append(
                    Leak(
                        "count",
                        where,
                        f"the published numbers about {expr.describe()} contradict "
                        "each other, so it cannot be shown to be protected",
                    )
                )
            elif not ok:
                report.leaks.append(
                    Leak("count", where, f"{expr.describe()} is blank but can be narrowed down", lo, hi)
                )
        report.checked["counts"] = len(cells)
        report.checked["bounds"] = n_lp
        report.checked["linear programmes"] = system.solves


def _stated_min_cell(html: str, sheets: dict[str, pd.DataFrame]) -> int:
    for pattern in (r"fewer than (\d+) people are not shown", r"fewer than (\d+) people"):
        readme = next((sheets[t] for t in sheets if t in _sheet_names("README")), None)
        if readme is not None:
            text = " ".join(str(v) for v in readme.to_numpy().ravel() if isinstance(v, str))
            m = re.search(pattern, text)
            if m:
                return int(m.group(1))
        m = re.search(pattern, html)
        if m:
            return int(m.group(1))
    return 5


def _read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of the workbook as rows of values, behind the project's guard (any folder may be audited)."""
    from python_calamine import CalamineWorkbook

    from tip_eval.io.guard import guard_workbook

    check = guard_workbook(path)
    wb = CalamineWorkbook.from_path(str(path))
    out: dict[str, pd.DataFrame] = {}
    try:
        for info in check.sheets:
            if info.kind != "worksheet":
                continue
            sheet = wb.get_sheet_by_name(info.name)
            top, left = sheet.start or (0, 0)  # rows and columns before the first cell that holds anything
            rows: list[list[Any]] = [[None] * left + [None if v == "" else v for v in row] for row in sheet.to_python()]
            if rows and top:
                rows = [[None] * (left + len(rows[0]))] * top + rows
            out[info.name] = pd.DataFrame(rows) if rows else pd.DataFrame()
    finally:
        wb.close()
    return out


def _marks(min_cell: int) -> frozenset[str]:
    """What a hidden cell shows: the mark of this version, and "<min_cell" of outputs written before it."""
    from tip_eval.disclosure.cells import MARK

    return frozenset({MARK, f"<{min_cell}"})


def _sheet_table(
    raw: pd.DataFrame, mark: frozenset[str], sheet: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The table at the top of a result sheet (header row, rows up to the first empty one), its blank marks, notes.

    The columns are the result columns the headers name (:func:`tip_eval.column_titles.code`, in the
    sheet ``sheet``): "Mean gain, points" is ``mean_gain``; a header that is a code (outputs written
    before the headers were words) stays as it is.
    """
    from tip_eval.column_titles import code

    if raw.empty:
        return pd.DataFrame(), pd.DataFrame(), []
    header = [code(str(h), sheet) if h is not None else "" for h in raw.iloc[0].tolist()]
    body = []
    i = 1
    while i < len(raw) and any(v is not None and v != "" for v in raw.iloc[i].tolist()):
        body.append(raw.iloc[i].tolist())
        i += 1
    notes = [str(v) for v in raw.iloc[i:].to_numpy().ravel() if isinstance(v, str) and v.strip()]
    keep = [j for j, h in enumerate(header) if h]
    frame = pd.DataFrame([[r[j] for j in keep] for r in body], columns=[header[j] for j in keep])
    marks = frame.map(lambda v: isinstance(v, str) and v.strip() in mark)
    frame = frame.mask(marks)
    for c in frame.columns:
        words = _group_codes().get(str(c))
        if words:  # group values written as words (Cambodia, NGO, Knowledge) read back as their codes
            frame[c] = frame[c].map(lambda v, w=words: w.get(v, v) if isinstance(v, str) else v)
        converted = pd.to_numeric(frame[c], errors="coerce")
        if converted.notna().sum() == frame[c].notna().sum() and frame[c].notna().any():
            frame[c] = converted
    return frame, marks, notes


_GROUP_CODES: dict[str, dict[str, str]] = {}


def _group_codes() -> dict[str, dict[str, str]]:
    """``{column: {word: code}}``: the words a workbook writes for the codes of its group columns, in every language.

    The inverse of ``report.workbook._labelled`` (countries, sectors, genders, phases and provinces by their
    vocabulary labels, modules by their names, measures by their names), so that facts are keyed by codes
    whatever the language of the workbook; a value that is already a code is left as it is.
    """
    if _GROUP_CODES:
        return _GROUP_CODES
    from tip_eval import vocab
    from tip_eval.i18n import LANGUAGES, translator

    for lang in LANGUAGES:
        t = translator(lang)
        for column in ("country", "sector", "gender", "phase", "province"):
            for c in vocab.codes(column):
                _GROUP_CODES.setdefault(column, {}).setdefault(vocab.label(column, c, lang), c)
        for c, name in vocab.MODULES.items():
            _GROUP_CODES.setdefault("module", {}).setdefault(t.gettext(name), c)
        _GROUP_CODES.setdefault("measure", {}).setdefault(t.gettext("Knowledge"), "knowledge")
        _GROUP_CODES["measure"].setdefault(t.pgettext("sheet", "Confidence"), "confidence")
    return _GROUP_CODES


def _workbook_facts(sheets: dict[str, pd.DataFrame], facts: _Facts, report: AuditReport, name: str) -> None:
    from tip_eval.column_titles import code
    from tip_eval.disclosure.facts import detect, entry_value, map_table

    mark = _marks(facts.min_cell)
    n_tables = 0
    for title, raw in sheets.items():
        if title in ("Data problems", "Quarantine") or "quarantine" in title.lower():
            report.leaks.append(
                Leak(
                    "rows",
                    f"{name}, sheet {title!r}",
                    "lists individual rows of the data (row-level "
                    "problems or rows set aside belong in the internal problems.xlsx only)",
                )
            )
            continue
        frame, marks, _ = _sheet_table(raw, mark, title)
        shown = {code(str(h), title): str(h) for h in (raw.iloc[0].tolist() if not raw.empty else []) if h is not None}
        if title in _sheet_names("Trainings") and "training_id" in frame.columns:
            cols = [c for c in ("training_id", "country", "province") if c in frame.columns]
            facts.atoms = frame[cols].astype(str).drop_duplicates()
            continue
        if frame.empty or detect(frame) is None:
            continue
        if "participant_id" in frame.columns:
            report.leaks.append(Leak("rows", f"{name}, sheet {title!r}", "lists participant IDs"))
        mapped = map_table(frame)
        if mapped is None:
            continue
        n_tables += 1
        facts.relations |= mapped.relations
        records = frame.to_dict("records")
        for e in mapped.entries:
            where = f"{name}, sheet {title!r}, row {e.row + 2}, column {shown.get(e.column, e.column)}"
            blank = bool(marks.iloc[e.row][e.column]) or (e.size is not None and bool(marks.iloc[e.row][e.size]))
            v = entry_value(records[e.row], e)
            if blank or np.isnan(v):
                if blank:
                    facts.add_blank(e.cell, where)
                continue
            facts.add_known(e.cell, v, v, where)
        if mapped.main and mapped.by:
            for e in mapped.entries:
                if e.column == mapped.main:
                    names = {v for _, v in e.cell.group}
                    (facts.hidden_groups if bool(marks.iloc[e.row][e.column]) else facts.shown_groups).update(names)
    report.checked["workbook tables"] = n_tables


# --- the brief ---------------------------------------------------------------------------------------

#: display headers of the brief's tables -> result columns (this version's and earlier ones)
_HEADERS = {
    "n": "n",
    "Improved": "pct_improved",
    "Registered": "registered",
    "Took pre": "took_pre",
    "Took post": "took_post",
    "Both": "matched",
    "Took both tests": "matched",
    "Agree (4-5) before": "pct_agree_pre",
    "Agree (4-5) after": "pct_agree_post",
    "More confident, no knowledge gain": "pct_overconfident",
    "People with the code": "n_with_code",
    "Double-coded interviews": "n_double_coded",
    "Mean gain, points (95% CI)": "mean_gain",
    "Pre-test (%)": "pre_mean",
    "Median before": "median_pre",
    "Mean knowledge change": "mean_knowledge_change",
    "Mean confidence change": "mean_confidence_change",
    "Raw mean gain (95% CI)": "raw_gain",
    "Adjusted difference from average (95% CI)": "adjusted_diff",
    "Pre-test mean": "pre_mean",
    "Items": "n_items",
    "Rows": "rows",
    "Re-tested": "retested",
    "Gain at the delayed test (95% CI)": "retained_gain",
}
_GROUP_HEADERS = {
    "Country": "country",
    "Province": "province",
    "Sector": "sector",
    "Training": "training_id",
    "Study": "study",
    "Gender": "gender",
    "Organisation": "organisation",
    "Competency": "competency_id",
    "Module": "module",
    "Code": "label",
}


def _sheet_names(sheet: str) -> set[str]:
    """The names a workbook sheet has in every language tip_eval writes (``README`` -> ``README``, ...)."""
    from tip_eval.i18n import LANGUAGES, translator

    return {sheet, *(translator(lang).pgettext("sheet", sheet) for lang in LANGUAGES)}


class _Words:
    """What the brief says in its language (``<html lang>``), to read its tables and sentences back.

    Headers, group names, "N of M" cells, vocabulary labels, numbers and the sentences that quote
    shares are taken from the message catalogs, so that a brief in Khmer, Thai or Indonesian is
    audited as the English one is.
    """

    def __init__(self, html: str) -> None:
        from tip_eval import vocab
        from tip_eval.i18n import LANGUAGES, translator

        m = re.search(r'<html lang="([a-z]{2})"', html[:2000])
        self.lang = m.group(1) if m and m.group(1) in LANGUAGES else "en"
        t = translator(self.lang)
        self.t = t
        self.headers = {**_HEADERS, **{t.gettext(k): v for k, v in _HEADERS.items() if k != "n"}}
        groups = {
            "country": "country",
            "province": "province",
            "sector": "sector",
            "training": "training_id",
            "study": "study",
            "gender": "gender",
            "organisation": "organisation",
        }
        own = {}
        for word, col in groups.items():
            text = t.gettext(word)
            own[text[:1].upper() + text[1:]] = col
        own.update(
            {
                t.gettext(w): c
                for w, c in (
                    ("Training", "training_id"),
                    ("Study", "study"),
                    ("Competency", "competency_id"),
                    ("Module", "module"),
                    ("Code", "label"),
                    ("Sector", "sector"),
                )
            }
        )
        self.group_headers = {**_GROUP_HEADERS, **own}
        self.group_words = {k.casefold(): v for k, v in own.items()}
        self.labels = _label_codes()
        for voc in ("country", "sector", "gender"):
            for code in vocab.codes(voc):
                self.labels.setdefault(vocab.label(voc, code, self.lang), str(code))
        for name, by_lang in vocab.PROVINCE_LABELS.items():
            if self.lang in by_lang:
                self.labels.setdefault(by_lang[self.lang], name)
        for code, english in vocab.MODULES.items():  # a module by its name, in English and in the language
            self.labels.setdefault(english, code)
            self.labels.setdefault(t.gettext(english), code)
        self.labels[t.gettext("All")] = "All"  # the overall row of a table by group
        self.all_codes = {"All codes", t.gettext("All codes")}
        self.and_ = _template(t.gettext("{first} and {second}"), first=r"(.+)", second=r"(.+)")
        self.of = _template(t.gettext("{n} of {pairs}"), n=r"(\S+)", pairs=r"(\S+)")
        num = r"(\d+(?:[.,]\d+)?)"

        def one(single: str, plural: str) -> str:  # the plural form a brief's numbers take
            return t.ngettext(single, plural, 2)

        self.shares = (
            [r"(\d+(?:\.\d+)?)% of (?:the |them |all )?(\d+)"]
            if self.lang == "en"
            else [
                _template(
                    one(
                        "Months later, {pct}% of the {n} person interviewed described applying the training in "
                        "their work ({ci}). Interviewees may not represent everyone trained.",
                        "Months later, {pct}% of the {n} people interviewed described applying the training in "
                        "their work ({ci}). Interviewees may not represent everyone trained.",
                    ),
                    pct=num,
                    n=r"(\d+)",
                ),
                _template(
                    t.gettext(
                        "Among the sectors shown, the share who became more confident without gaining "
                        "knowledge was highest in {sector} ({pct}% of {n})."
                    ),
                    pct=num,
                    n=r"(\d+)",
                ),
            ]
        )
        # the headline's first sentence states how many took both tests (rose, or fell)
        firsts = (
            "Among the {n} people tested before and after, {what} rose from {pre} to {post} of the maximum "
            "score on average, a gain of {gain} ({ci}; standardised effect Cohen's dz = {dz}).",
            "Among the {n} people tested before and after, {what} fell from {pre} to {post} of the maximum "
            "score on average ({ci}).",
        )
        self.n_all = "|".join("(?:" + _template(t.gettext(m), n=r"(\d+)") + ")" for m in firsts)
        self.reliable = [
            _template(t.gettext(m), up=num, down=num)
            for m in (
                "{up}% improved by more than the test's measurement error (reliable change), and {down}% declined by "
                "more than it.",
                "{up}% improved by more than the test's measurement error (reliable change).",
                "{down}% declined by more than the test's measurement error (reliable change).",
            )
        ]
        self.higher = (
            r"(\d+)% of them scored higher"
            if self.lang == "en"
            else _template(t.gettext("{pct}% of them scored higher after the training."), pct=num)
        )
        self.too_few = _template(
            one(
                "{n} training ({names}) had fewer than {min_n} people with both tests; its "
                "estimates are pulled strongly toward the average and should not be ranked.",
                "{n} trainings ({names}) had fewer than {min_n} people with both tests; their "
                "estimates are pulled strongly toward the average and should not be ranked.",
            ),
            names=r"([^()]*)",
        )

    def number(self, text: str) -> float:
        """A number as the brief writes it (``12,5`` in Indonesian)."""
        if self.lang == "id":
            text = text.replace(".", "").replace(",", ".")
        return _number(text)


def _template(text: str, **groups: str) -> str:
    """A regular expression of a catalog sentence: the named placeholders as ``groups`` give, the others anything."""
    out, pos = [], 0
    for m in re.finditer(r"\{(\w+)\}", text):
        out.append(re.escape(text[pos : m.start()]))
        out.append(groups.get(m.group(1), ".*?"))
        pos = m.end()
    out.append(re.escape(text[pos:]))
    return "".join(out)


class _Page:
    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        self.tables: list[list[list[str]]] = []
        self.paragraphs: list[str] = []
        page = self

        class P(HTMLParser):
            def __init__(self) -> None:
                super().__init__()
                self.stack: list[str] = []
                self.row: list[str] | None = None
                self.cell: list[str] | None = None
                self.text: list[str] | None = None
                self.skip = 0

            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                if tag in ("script", "style"):
                    self.skip += 1
                elif tag == "table":
                    page.tables.append([])
                elif tag == "tr" and page.tables:
                    self.row = []
                    page.tables[-1].append(self.row)
                elif tag in ("td", "th") and self.row is not None:
                    self.cell = []
                elif tag in ("p", "li", "caption", "h3"):
                    self.text = []

            def handle_endtag(self, tag: str) -> None:
                if tag in ("script", "style"):
                    self.skip -= 1
                elif tag in ("td", "th") and self.cell is not None and self.row is not None:
                    self.row.append("".join(self.cell).strip())
                    self.cell = None
                elif tag == "tr":
                    self.row = None
                elif tag in ("p", "li", "caption", "h3") and self.text is not None:
                    page.paragraphs.append(" ".join("".join(self.text).split()))
                    self.text = None

            def handle_data(self, data: str) -> None:
                if self.skip:
                    return
                if self.cell is not None:
                    self.cell.append(data)
                if self.text is not None:
                    self.text.append(data)

        P().feed(html)


def _label_codes() -> dict[str, str]:
    from tip_eval import vocab

    out = {}
    for voc in ("country", "sector", "gender"):
        try:
            for code in vocab.codes(voc):
                out[vocab.label(voc, code)] = str(code)
        except Exception:  # noqa: BLE001 - a vocabulary this version does not have
            continue
    return out


def _number(text: str) -> float:
    t = text.replace("\u2212", "-").replace(",", "").strip()
    m = re.match(r"^-?\d+(\.\d+)?", t)
    return float(m.group(0)) if m else np.nan


def _brief_facts(html: str, facts: _Facts, report: AuditReport, name: str) -> None:
    from tip_eval.disclosure.facts import LAYOUT_MAP, map_table

    page = _Page(html)
    words = _Words(html)
    labels = words.labels
    mark = _marks(facts.min_cell)
    n_tables = 0
    for t in page.tables:
        if len(t) < 2 or not t[0]:
            continue
        head = t[0]
        group_col = words.group_headers.get(head[0])
        crossing = None
        both = re.fullmatch(words.and_, head[0])
        if group_col is None and both:
            crossing = [
                words.group_words.get(w.strip().casefold(), w.strip().casefold())
                for w in [*both.group(1).split(","), both.group(2)]
            ]
        cols = {}
        for j, h in enumerate(head):
            if j == 0:  # the first column names the rows (a group, an item, a code), never a count
                continue
            if h in words.headers:
                cols[j] = words.headers[h]
        if "rows" in cols.values() and head[0] == "Table":
            report.leaks.append(
                Leak(
                    "rows",
                    f"{name}, table of rows set aside",
                    "lists data problems row by row (belongs in the internal problems.xlsx)",
                )
            )
            continue
        if not cols:
            continue
        records, shares = [], []
        for row in t[1:]:
            rec: dict[str, Any] = {}
            if group_col:
                v = row[0]
                rec[group_col] = labels.get(v, v)
            elif crossing:
                parts = [p.strip() for p in row[0].split("/")]
                for d, v in zip(crossing, parts):
                    rec[d] = labels.get(v, v)
            for j, c in cols.items():
                if j >= len(row):
                    continue
                cell = row[j]
                if c == "retested":  # "N of M": re-tested of those with both earlier tests
                    m = re.fullmatch(r"\s*" + words.of + r"\s*", cell)
                    for col, text in zip(("n", "n_pre_post"), m.groups() if m else (cell.strip(), None)):
                        if text is not None:
                            rec[col] = "MARK" if text in mark else words.number(text)
                    continue
                if cell.strip() in mark:
                    rec[c] = "MARK"
                elif c.startswith("pct_"):
                    rec[c] = words.number(cell)
                    shares.append(c)
                else:
                    rec[c] = words.number(cell)
            records.append(rec)
        frame = pd.DataFrame(records)
        layout = _brief_layout(set(frame.columns))
        if layout is None:
            continue
        if group_col == "competency_id":
            frame["competency_id"] = frame["competency_id"].astype(str)
        mapped_frame = frame.replace("MARK", np.nan).infer_objects()
        # a first column that labels rows (a competency, a code, a module) is not a grouping
        not_by = set(LAYOUT_MAP[layout][3]) | {"label"}
        by = [group_col] if group_col else list(crossing or [])
        if layout == "coder_agreement" and group_col == "label":
            mapped_frame["kind"] = np.where(mapped_frame["label"].isin(words.all_codes), "overall", "code")
        mapped = map_table(mapped_frame, layout=layout, measure="knowledge", by=[c for c in by if c not in not_by])
        if mapped is None:
            continue
        n_tables += 1
        facts.relations |= mapped.relations
        for e in mapped.entries:
            rec = records[e.row]
            where = f"{name}, table '{head[0]}', row {e.row + 1}, column {e.column}"
            if rec.get(e.column) == "MARK":
                facts.add_blank(e.cell, where)
                continue
            v = rec.get(e.column, np.nan)
            if not isinstance(v, float) or np.isnan(v):
                continue
            if e.size is None:
                facts.add_known(e.cell, v, v, where)
                continue
            n = rec.get(e.size, np.nan)
            if not isinstance(n, float) or np.isnan(n):
                continue
            lo = max(0.0, np.ceil(n * (v - 0.5) / e.scale - 1e-9))
            hi = min(n, np.floor(n * (v + 0.5) / e.scale + 1e-9))
            facts.add_known(e.cell, lo, hi, where + " (a rounded percentage)")
            complement = n - hi, n - lo
            if (
                not (complement[1] < 1 or complement[0] > facts.min_cell - 1)
                and complement[1] - complement[0] < facts.min_cell
            ):
                report.leaks.append(
                    Leak(
                        "share",
                        where,
                        f"{v:.0f}% of {n:.0f} people leaves out {complement[0]:.0f} to {complement[1]:.0f} of them",
                        *complement,
                    )
                )
    report.checked["brief tables"] = n_tables
    # shares in sentences: "N% of (the) M"
    n_shares = 0
    for para in page.paragraphs:
        for m in (m for pattern in words.shares for m in re.finditer(pattern, para)):
            p, n = words.number(m.group(1)), float(m.group(2))
            lo, hi = max(0.0, np.ceil(n * (p - 0.5) / 100 - 1e-9)), min(n, np.floor(n * (p + 0.5) / 100 + 1e-9))
            n_shares += 1
            for a, b, word in ((lo, hi, "are"), (n - hi, n - lo, "are not")):
                if b >= 1 and a <= facts.min_cell - 1 and b - a < facts.min_cell:
                    report.leaks.append(
                        Leak(
                            "share",
                            f"{name}, text",
                            f"'{m.group(0)}' tells how many {word} counted: {_quote(para)}",
                            a,
                            b,
                        )
                    )
    # headline: shares of the overall n stated in its first sentence
    n_all = None
    for para in page.paragraphs:
        m = re.search(words.n_all, para)
        if m and n_all is None:
            n_all = float(next(v for v in m.groups() if v is not None))
        stated = next((rm for pattern in words.reliable for rm in [re.search(pattern, para)] if rm), None)
        if n_all and stated:
            for pm in (g for g in stated.groups() if g is not None):
                p = words.number(pm)
                lo, hi = max(0.0, np.ceil(n_all * (p - 0.5) / 100)), min(n_all, np.floor(n_all * (p + 0.5) / 100))
                n_shares += 1
                if hi >= 1 and lo <= facts.min_cell - 1 and hi - lo < facts.min_cell:
                    report.leaks.append(
                        Leak(
                            "share",
                            f"{name}, headline",
                            f"'{pm}%' of {n_all:.0f} people is a handful of people: {_quote(para)}",
                            lo,
                            hi,
                        )
                    )
        higher = re.search(words.higher, para)
        if n_all and higher:
            p = words.number(higher.group(1))
            lo, hi = (
                n_all - min(n_all, np.floor(n_all * (p + 0.5) / 100)),
                n_all - max(0.0, np.ceil(n_all * (p - 0.5) / 100)),
            )
            n_shares += 1
            if hi >= 1 and lo <= facts.min_cell - 1 and hi - lo < facts.min_cell:
                report.leaks.append(
                    Leak(
                        "share",
                        f"{name}, headline",
                        f"{p:.0f}% of {n_all:.0f} improved: the others are a handful of people",
                        lo,
                        hi,
                    )
                )
    report.checked["shares in sentences"] = n_shares
    _figure_facts(html, facts, report, name)
    # group names whose rows the brief leaves out
    for para in page.paragraphs:
        m = (
            re.search(r"\d+ trainings? \(([^)]*)\) had fewer than", para)
            if words.lang == "en"
            else re.search(words.too_few, para)
        )
        if m:
            names = m.group(1)
            both = re.fullmatch(words.and_, names)
            parts = [*both.group(1).split(","), both.group(2)] if both else names.split(",")
            facts.hidden_groups.update(x.strip() for x in parts if x.strip())


def _brief_layout(cols: set[str]) -> str | None:
    if "n_pre_post" in cols or "retained_gain" in cols:
        return "retention"
    if "pct_agree_pre" in cols or "median_pre" in cols:
        return "confidence_gains"
    if "mean_knowledge_change" in cols or "pct_overconfident" in cols:
        return "knowledge_vs_confidence"
    if "raw_gain" in cols:
        return "compare_trainings"
    if "registered" in cols or ("matched" in cols and "n" not in cols):
        return "attrition"
    if "n_double_coded" in cols:
        return "coder_agreement"
    if "n_items" in cols:
        return "module_summary"
    if "mean_gain" in cols and "n" in cols:
        return "gains"
    return None


def _quote(text: str, width: int = 120) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _figure_facts(html: str, facts: _Facts, report: AuditReport, name: str) -> None:
    mc = facts.min_cell
    decoder = json.JSONDecoder()
    n_fig = 0
    for m in re.finditer(r"Plotly\.newPlot\(\s*\"[^\"]*\",\s*", html):
        try:
            data, end = decoder.raw_decode(html, m.end())
            rest = html[end:].lstrip()[1:].lstrip()
            layout, _ = decoder.raw_decode(rest) if rest.startswith("{") else ({}, 0)
        except ValueError:
            continue
        n_fig += 1
        title = str(
            ((layout.get("title") or {}).get("text"))
            if isinstance(layout.get("title"), dict)
            else layout.get("title") or "figure"
        )
        where = f"{name}, figure '{re.sub('<[^>]+>', '', title)}'"
        axis_titles = " ".join(
            str(((layout.get(ax) or {}).get("title") or {}).get("text", ""))
            for ax in ("xaxis", "yaxis")
            if isinstance((layout.get(ax) or {}).get("title"), dict)
        )
        for tr in data if isinstance(data, list) else []:
            kind = tr.get("type", "scatter")
            x, y = tr.get("x"), tr.get("y")
            if kind in ("box", "violin") and tr.get("boxpoints", tr.get("points")) not in (False, None):
                report.leaks.append(Leak("mark", where, f"draws one point per person ({tr.get('name', '')})"))
            if (
                kind in ("scatter", "scattergl")
                and "markers" in str(tr.get("mode", "markers"))
                and _numeric(x)
                and _numeric(y)
                and len(x) > mc
            ):
                report.leaks.append(
                    Leak(
                        "mark",
                        where,
                        f"draws {len(x)} points on two numeric axes: one per person "
                        f"({re.sub('<[^>]+>', '', str(tr.get('name', '')))})",
                    )
                )
            if kind == "bar" and "people" in axis_titles.lower() and "%" not in axis_titles:
                values = x if tr.get("orientation") == "h" else y
                for v in values if isinstance(values, list) else []:
                    if isinstance(v, (int, float)) and 1 <= v <= mc - 1 + 1e-9:
                        report.leaks.append(
                            Leak(
                                "mark",
                                where,
                                f"a bar of {v:g} people ({re.sub('<[^>]+>', '', str(tr.get('name') or ''))})",
                                v,
                                v,
                            )
                        )
    report.checked["figures"] = n_fig


def _numeric(values: object) -> bool:
    return (
        isinstance(values, list)
        and len(values) > 0
        and all(isinstance(v, (int, float)) or v is None for v in values)
        and any(isinstance(v, (int, float)) for v in values)
    )


def _check_names(
    html: str, sheets: dict[str, pd.DataFrame], facts: _Facts, report: AuditReport, brief_name: str, book_name: str
) -> None:
    """Sentences (brief paragraphs, workbook notes) that name a group whose size is hidden."""
    hidden = {h for h in facts.hidden_groups - facts.shown_groups if len(h) >= 3}
    if not hidden:
        return
    labels: dict[str, set[str]] = {}  # a code -> its display labels (one code can be in several vocabularies)
    for label, code in _label_codes().items():
        labels.setdefault(code, set()).add(label)
    page = _Page(html)
    texts = [(f"{brief_name}, text", p) for p in page.paragraphs]
    mark = _marks(facts.min_cell)
    for title, raw in sheets.items():
        _, _, notes = _sheet_table(raw, mark)
        texts += [(f"{book_name}, sheet {title!r}, note", n) for n in notes if title not in _sheet_names("README")]
    for where, text in texts:
        for h in sorted(hidden):
            # a vocabulary code ("other", "ngo") is named in text by its label ("Other", "NGO"), and
            # as a code it is also an everyday word ("the other tables"): only its labels count then
            words = labels.get(h, {h})
            if any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text) for w in words):
                report.leaks.append(
                    Leak(
                        "name",
                        where,
                        f"names {' / '.join(sorted(words))}, a group whose size is hidden: {_quote(text)}",
                    )
                )
