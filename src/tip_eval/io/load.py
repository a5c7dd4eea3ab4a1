"""Reading a whole study: every source through its layout, types parsed, responses scored.

The result (:class:`Loaded`) is still unvalidated: :func:`tip_eval.study.load_study` passes it to
:func:`tip_eval.validation.check_tables`, which applies the schemas and the cross-table rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tip_eval import schemas
from tip_eval.i18n import _, format_number, ngettext
from tip_eval.io import compact
from tip_eval.io.coerce import SOFT_COLUMNS, coerce_frame, normalize_id
from tip_eval.io.compact import DICTIONARY_COLUMNS, compact_names, expand_cells, join_cells
from tip_eval.io.config import read_config
from tip_eval.io.heap import release_after
from tip_eval.io.layouts import LayoutContext, Mapped
from tip_eval.io.limits import using_limits
from tip_eval.io.registry import LAYOUTS
from tip_eval.io.sheet_lines import shared_name
from tip_eval.problems import Problem

SOURCE_COLUMNS = ["file", "sheet", "table", "layout", "sha256"]
#: Quoted text from coded interviews that was marked cleared for publication (never a canonical table).
EXCERPT_COLUMNS = ["interview_id", "coder", "code_id", "excerpt", "file", "sheet", "row"]


@dataclass
class Loaded:
    """Canonical tables with provenance, before validation."""

    name: str
    min_cell: int
    tables: dict[str, pd.DataFrame]
    headers: dict[tuple, dict[str, str]]
    problems: list[Problem]
    quarantined: dict[str, pd.DataFrame]
    sources: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    #: excerpts of coded interviews cleared for publication (others are dropped at ingest); not validated
    excerpts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCERPT_COLUMNS))
    #: every sheet read, (file, sheet) -> its rows (see LayoutContext.lines), for the row account
    lines: Mapping[tuple, dict[str, Any]] = field(default_factory=dict)
    #: rows that repeated an earlier declaration (counted as used)
    repeats: set[tuple] = field(default_factory=set)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (provenance and the cache key)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: while a study's sources are read, the memory their reading freed is given back each time this many
#: rows have been mapped (a walk of the heap: milliseconds, against seconds of reading)
MAPPED_RELEASE_ROWS = 200_000


def load_sources(path: str | Path, config: Mapping[str, Any] | None = None) -> Loaded:
    """Read every source of a study into canonical tables with provenance (see module docstring)."""
    cfg = read_config(path, config)
    with using_limits(cfg.limits):  # the study's [limits] hold for every file it reads
        ctx = LayoutContext(settings=dict(cfg.settings))
        mapped: list[Mapped] = []
        source_rows = []
        unreleased = 0  # rows mapped since the memory reading them took was last given back
        # the item banks first, whatever their place in study.toml: an export whose headers are the
        # questions' own words (KoboToolbox "Labels") is read against them (LayoutContext.bank)
        for src in sorted(cfg.sources, key=lambda s: s.layout != "item_bank"):
            if not src.file.exists():
                from tip_eval.errors import InputRefused

                raise InputRefused(
                    src.name,
                    _("is listed in study.toml but does not exist."),
                    _("Check the file name in study.toml, or add the file to the study folder."),
                )
            digest = file_sha256(src.file)
            for m in LAYOUTS[src.layout](src, ctx):
                mapped.append(m)
                unreleased += len(m.frame)
                if m.table in schemas.TABLES:
                    source_rows.append(
                        {
                            "file": m.file,
                            "sheet": m.sheet if m.sheet is not None else "",
                            "table": m.table,
                            "layout": src.layout,
                            "sha256": digest,
                        }
                    )
            if unreleased >= MAPPED_RELEASE_ROWS:
                # each workbook's reading (its cells as read, its melted copies) is freed once it is
                # mapped, but the C library keeps it: without a trim, a study of 2,000 workbooks held
                # 500 MB freed by the ones read before
                release_after(unreleased)
                unreleased = 0
        from tip_eval.io.layouts_coding import finish_documents
        from tip_eval.io.layouts_finish import finish_sources

        mapped = finish_sources(finish_documents(_read_once(mapped), ctx, cfg.root), ctx, ctx.settings, cfg.root)
    excerpts = _excerpts([m for m in mapped if m.table == "excerpts"])
    mapped = [m for m in mapped if m.table in schemas.TABLES]
    for m in mapped:
        if ctx.date1904.get(m.file):
            _dates_1904(m.frame)
    headers: dict[tuple, dict[str, str]] = {}
    by_table: dict[str, list[pd.DataFrame]] = {}
    for m in mapped:
        headers.setdefault((m.file, m.sheet), {}).update(m.headers)
        by_table.setdefault(m.table, []).append(m.frame)
    mapped.clear()  # each source's frame lives on only in by_table, and is released once its table is built
    release_after(sum(len(f) for frames in by_table.values() for f in frames))  # what mapping freed
    problems = list(ctx.problems)
    tables: dict[str, pd.DataFrame] = {}
    quarantined: dict[str, pd.DataFrame] = {}
    for table in list(by_table):
        frames = by_table.pop(table)
        raw = join_cells(frames, consume=True)  # a large table's text cells compacted (io.compact)
        del frames
        release_after(len(raw))  # the sources' frames, freed: given back before the typed table is built
        compact_names(raw)  # once per table: per source, it cost more time than the load's reading
        settings = dict(cfg.settings)
        # a large table's identifiers as codes until the load is done (io.compact.DICTIONARY_COLUMNS)
        coded = DICTIONARY_COLUMNS.get(table, frozenset()) if len(raw) >= compact.COMPACT_ROWS else frozenset()
        typed, probs, bad = coerce_frame(
            raw, headers, settings, soft=SOFT_COLUMNS.get(table, frozenset()), table=table, dictionary=coded
        )
        problems.extend(probs)
        if bad.any():
            q = expand_cells(raw.loc[bad])
            q["_reason"] = "a value could not be read (see the problem list)"
            quarantined[table] = q
            typed = typed.loc[~bad].reset_index(drop=True)
        del raw
        tables[table] = typed
        release_after(len(typed))
    headers = _headers_held_together(headers)
    bank = tables.get("items")  # totals given in the files are out of the whole bank, whatever our keys
    set_aside_unscorable(tables, problems, quarantined, headers)
    _score_responses(tables, problems, quarantined)
    release_after(len(tables.get("responses", ())))
    _scores(tables, problems, bank)
    _delayed_test_months(tables, cfg.settings, problems)
    for t, frame in tables.items():
        cols = list(schemas.schema(t).columns)
        keep = [c for c in cols if c in frame.columns] + [
            c for c in ("_file", "_sheet", "_row", "_col", "_softened") if c in frame.columns
        ]
        missing = [c for c in cols if c not in frame.columns]
        for c in missing:
            frame[c] = None
        tables[t] = frame[cols + [c for c in keep if c.startswith("_")]]
    sources = pd.DataFrame(source_rows, columns=SOURCE_COLUMNS).drop_duplicates()
    return Loaded(
        name=cfg.name,
        min_cell=cfg.min_cell,
        tables=tables,
        headers=headers,
        problems=problems,
        quarantined=quarantined,
        sources=sources,
        settings=dict(cfg.settings),
        excerpts=excerpts,
        lines=ctx.lines,
        repeats=ctx.repeats,
    )


def _headers_held_together(headers: dict[tuple, dict[str, str]]) -> dict[tuple, dict[str, str]]:
    """The same headers, made anew once the cells as read are freed, each distinct set of headers once.

    They were made while the cells were alive, a few small objects per sheet among them: Python's
    allocator cannot give back a block of its memory while one object in it is alive, so on a study of
    2,000 workbooks these kept a large part of the freed cells resident. Made now, they sit together;
    the sheets of one layout, which have the same headers, share one dictionary (the headers are
    only read from here on).
    """
    distinct: dict[tuple, dict[str, str]] = {}
    out = {}
    for (f, sh), h in headers.items():
        try:
            same = distinct.setdefault(tuple(h.items()), dict(h))
        except TypeError:  # a header that is not text (never from a layout): kept on its own
            same = dict(h)
        out[(shared_name(f), shared_name(sh))] = same
    return out


#: tables a workbook's own sheet declares for every source that reads the workbook (its Training,
#: Participants, Items, Competencies, Codebook, Interviews sheets, a shared documents table)
_SHARED_TABLES = frozenset({"trainings", "participants", "items", "competencies", "codebook", "interviews"})


def _read_once(mapped: list[Mapped]) -> list[Mapped]:
    """The same sheet of such a table, read by several sources (the pre-test and the post-test sheet of
    one workbook as two ``prepost`` sources; one documents table named by a QualCoder and a Taguette
    export), counts once: the first source's reading is kept.
    """
    seen: set[tuple] = set()
    out = []
    for m in mapped:
        if m.table in _SHARED_TABLES and (m.sheet is not None or m.table == "interviews"):
            key = (m.table, m.file, m.sheet)
            if key in seen:
                continue
            seen.add(key)
        out.append(m)
    return out


def _dates_1904(frame: pd.DataFrame) -> None:
    """Read date cells typed as plain numbers in a workbook of the 1904 date system as 1904 serials, in place.

    Such workbooks come from Excel for Mac before 2011, and files saved from it. Done here since the frame's
    rows are later parsed together with rows of other files. (Cells formatted as dates arrive as dates.)
    """
    from tip_eval.io import clean
    from tip_eval.io.coerce import DATE_COLUMNS

    for c in DATE_COLUMNS & set(frame.columns):
        values = frame[c].to_numpy(dtype=object).copy()
        for i, v in enumerate(values):
            if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and not np.isnan(v):
                try:
                    values[i] = clean.parse_date(v, date1904=True)
                except clean.CellError:
                    continue  # refused again, with its location, when the column is parsed
        frame[c] = values


def _excerpts(frames: list[Mapped]) -> pd.DataFrame:
    """The cleared excerpts, with identifiers normalised like the canonical tables'."""
    if not frames:
        return pd.DataFrame(columns=EXCERPT_COLUMNS)
    f = pd.concat([m.frame for m in frames], ignore_index=True)
    out = pd.DataFrame({c: [normalize_id(v) for v in f[c]] for c in ("interview_id", "coder", "code_id")})
    out["excerpt"] = f["excerpt"].to_numpy(dtype=object)
    out["file"], out["sheet"], out["row"] = (
        f["_file"].to_numpy(),
        f["_sheet"].to_numpy(),
        f["_row"].astype("Int64").to_numpy(),
    )
    return out[EXCERPT_COLUMNS]


def _delayed_test_months(tables: dict[str, pd.DataFrame], settings: Mapping[str, Any], problems: list[Problem]) -> None:
    """``delayed_test_months`` of study.toml onto the trainings that do not give their own.

    A number applies to every training; a table gives it per training ID (an ID that is not a
    training of the study is a warning).
    """
    months = settings.get("delayed_test_months")
    trainings = tables.get("trainings")
    if months is None or trainings is None:
        return
    if isinstance(months, dict):
        given = {normalize_id(k): float(v) for k, v in months.items()}
        known = set(trainings["training_id"].dropna())
        for tid in sorted(k for k in given if k not in known):
            problems.append(
                Problem(
                    "study.toml",
                    None,
                    None,
                    "delayed_test_months",
                    tid,
                    _(
                        "delayed_test_months names training {training}, which is not in the study; it was ignored"
                    ).format(training=tid),
                    _("Correct the training ID, or remove it."),
                    "warning",
                )
            )
        value = trainings["training_id"].map(given)
    else:
        value = pd.Series(float(months), index=trainings.index)
    if "delayed_test_months" not in trainings.columns:
        trainings["delayed_test_months"] = None
    own = pd.to_numeric(trainings["delayed_test_months"], errors="coerce")
    trainings["delayed_test_months"] = own.where(own.notna(), pd.to_numeric(value, errors="coerce")).astype(float)


def set_aside_unscorable(
    tables: dict[str, pd.DataFrame],
    problems: list[Problem],
    quarantined: dict[str, pd.DataFrame],
    headers: Mapping[tuple, Mapping[str, str]] | None = None,
) -> None:
    """Set aside, in place, the questions whose answers cannot be judged, so that no one scores 0 on them.

    A question cannot be judged when its answer key is not one of its options (``E`` on a
    four-option question; marked ``_unscorable`` by the item bank's reader, which reported it), or
    when two sources declare it with different keys or numbers of options (which one is right is
    not known). Every declaration of such a question is set aside, with a located problem for the
    declarations that disagree; validation then sets aside every answer to it (one line per sheet),
    and the tests are scored out of the other questions of the bank (:func:`attach_scores`): the
    same questions for every person and phase, so pre- and post-test scores and the trainings stay
    comparable. (One person's unreadable answer is different: that person's test is not scored.)
    """
    items = tables.get("items")
    if items is None or items.empty:
        return
    reason = pd.Series(None, index=items.index, dtype=object)
    if "_unscorable" in items.columns:
        flagged = items["_unscorable"].notna()
        reason[flagged] = "its answer key cannot be used: " + items.loc[flagged, "_unscorable"].astype(str)
    key = items["correct_answer"].map(lambda v: v.strip().upper() if isinstance(v, str) else v)
    n_opt = pd.to_numeric(items["n_options"], errors="coerce")
    for item_id, g in items.groupby("item_id", sort=False, dropna=True):
        if len(g) < 2:
            continue
        decl = list(zip(key[g.index], n_opt[g.index].fillna(-1)))
        if len(set(decl)) < 2:
            continue
        first = g.index[0]
        f0, r0 = items.at[first, "_file"], items.at[first, "_row"]
        where0 = f"{f0}" + ("" if pd.isna(r0) else f" row {int(r0)}")
        for idx in g.index[1:]:
            if decl[list(g.index).index(idx)] == decl[0]:
                continue
            f, sh, r = items.at[idx, "_file"], items.at[idx, "_sheet"], items.at[idx, "_row"]
            sh = sh if isinstance(sh, str) else None
            column = (headers or {}).get((f, sh), {}).get("correct_answer", "correct_answer")
            problems.append(
                Problem(
                    f,
                    sh,
                    None if pd.isna(r) else int(r),
                    column,
                    None if pd.isna(key[idx]) else str(key[idx]),
                    f"item {item_id} is declared here with the answer key {key[idx]} ({_n_words(n_opt[idx])}) and in "
                    f"{where0} with {key[first]} ({_n_words(n_opt[first])}): which is right is not known, so the question "
                    "is left out of every score (its answers are set aside, and the tests are scored out of the other "
                    "questions)",
                    "Make the declarations agree (the same key and number of options in every item bank and Items "
                    "sheet), or give different questions different Item IDs.",
                    "error",
                )
            )
        reason[g.index] = reason[g.index].fillna(f"item {item_id} is declared with different answer keys")
    out = reason.notna().to_numpy()
    if not out.any():
        return
    q = items.loc[out].drop(columns=["_unscorable"], errors="ignore").copy()
    q["_reason"] = reason[out].to_numpy()
    quarantined["items"] = pd.concat([quarantined["items"], q], ignore_index=True) if "items" in quarantined else q
    tables["items"] = items.loc[~out].reset_index(drop=True)


def _n_words(n: Any) -> str:
    return "number of options not given" if pd.isna(n) else f"{int(n)} options"


def _scores(tables: dict[str, pd.DataFrame], problems: list[Problem], bank: pd.DataFrame | None = None) -> None:
    """Supplied totals: max_score from the item bank when not given, pct computed.

    Totals derived from item answers are computed after validation (:func:`attach_scores`), from
    the answers that were kept only.
    """
    if "scores" not in tables:
        return
    s = tables["scores"].copy()
    score = pd.to_numeric(s["score"], errors="coerce").astype(float)
    mx = (
        pd.to_numeric(s["max_score"], errors="coerce").astype(float)
        if "max_score" in s
        else pd.Series(np.nan, index=s.index)
    )
    if mx.isna().any() and bank is not None and len(bank):
        mx = mx.fillna(float(pd.to_numeric(bank.drop_duplicates("item_id")["points"], errors="coerce").sum()))
    pct = pd.to_numeric(s["pct"], errors="coerce").astype(float) if "pct" in s else pd.Series(np.nan, index=s.index)
    s["score"], s["max_score"] = score, mx
    # a score above the maximum is reported once, as such; its percentage is capped so as not to say it twice
    s["pct"] = pct.fillna((100.0 * score / mx.where(mx > 0)).clip(upper=100.0))
    tables["scores"] = s


def _score_responses(
    tables: dict[str, pd.DataFrame], problems: list[Problem], quarantined: dict[str, pd.DataFrame]
) -> None:
    """Read every answer against its item and score it: ``points`` when it is the key, else 0.

    Answers are read by :func:`tip_eval.scoring.read_answer`: ``a``, ``D.``, ``A)`` are read as the
    option they stand for (one note per distinct spelling and sheet); an answer that is not one of
    the item's options (``E`` on a 4-option item, ``3``, ``AB``) is a located problem and the row is
    set aside (its person then has no score for that phase: :func:`attach_scores`). A blank answer
    scores 0 (the item was skipped). A participant with every answer blank in a phase did not take
    that test: those rows are dropped with a warning. Responses that already carry a ``score``
    (``answers = "scores"``) keep it.
    """
    from tip_eval.scoring import (
        code_type,
        column_codes,
        factorize_codes,
        flagged,
        is_correct,
        person_phase_codes,
        read_answer,
        spread,
    )

    resp = tables.get("responses")
    if resp is None or resp.empty:
        return
    # the scores given with the answers, if any (nearly never: a flag per row, not a column of NaN)
    given: pd.Series | None = None
    if "score" in resp.columns:  # a float column as it is (to_numeric would copy it)
        given = (
            resp["score"]
            if resp["score"].dtype == np.float64
            else pd.to_numeric(resp["score"], errors="coerce").astype(float)
        )
    given_na = np.ones(len(resp), dtype=bool) if given is None else given.isna().to_numpy()
    if given_na.all():
        given = None
    items = tables.get("items")
    bank = items.drop_duplicates("item_id") if items is not None else None
    # a missing item ID is None, as a response's missing item ID is below, however the column holds it
    ids = [] if bank is None else [None if pd.isna(v) else v for v in bank["item_id"]]
    key = {} if bank is None else dict(zip(ids, bank["correct_answer"]))
    points = {} if bank is None else dict(zip(ids, bank["points"]))
    n_options = {} if bank is None else dict(zip(ids, bank["n_options"]))
    # each distinct (answer, item) is read once, not once per response (codes, not tuples: large studies);
    # the columns are factorized as they are (typed text has no Python string per row, and gets none)
    ans = resp["answer"]
    a_codes, a_values = column_codes(ans)  # (each temporary is a column of the table: 32-bit codes)
    i_codes, i_values = column_codes(resp["item_id"])
    width = len(i_values) + 1
    # (answer + 1) * width + (item + 1), in place: on a large study each temporary is a column of the table
    pair = a_codes.astype(code_type((len(a_values) + 1) * width))
    pair += 1
    pair *= width
    pair += i_codes
    pair += 1
    del a_codes  # (made again in the rare case an answer is read as another option)
    pair_codes, first = factorize_codes(pair, narrow=True)
    del pair
    pairs = [
        (None if ac < 0 else a_values[ac], None if ic < 0 else i_values[ic])
        for ac, ic in zip(first // width - 1, first % width - 1)
    ]
    read = [read_answer(a, key.get(i), n_options.get(i)) if i in key else (a, None) for a, i in pairs]
    option_u = np.array([r[0] for r in read] + [None], dtype=object)
    bad_u = np.array([r[1] is not None for r in read] + [False], dtype=bool)
    reason_u = np.array([r[1] for r in read] + [None], dtype=object)
    changed_u = np.array(
        [r[0] is not None and a is not None and r[0] != a for r, (a, _i) in zip(read, pairs)] + [False], dtype=bool
    )
    correct_u = np.array(
        [i in key and is_correct(r[0], key[i]) for r, (_a, i) in zip(read, pairs)] + [False], dtype=bool
    )
    # each row's score: the points of its item (the last for a missing item ID, code -1), made 0 below
    # for a wrong answer (each spread a part of the rows at a time: numpy's take of a whole column
    # widens its codes to 64 bits)
    score = spread(
        pd.Series(np.append(i_values, None), dtype=object).map(points).astype(float).fillna(0.0).to_numpy(), i_codes
    )
    del i_codes
    resp = resp.copy(deep=False)  # columns are replaced whole (copy-on-write keeps the table as it was)
    tables["responses"] = resp  # (the table as read is not held beside it: a column replaced is freed)
    bad = spread(bad_u, pair_codes)
    bad &= given_na
    changed = spread(changed_u, pair_codes)
    changed &= ~bad
    # the option read and the reason of each row, made only when some row needs them (nearly never)
    option = spread(option_u, pair_codes) if changed.any() else None
    bad_reason = spread(reason_u, pair_codes) if bad.any() else None
    wrong = spread(correct_u, pair_codes)
    del pair_codes
    np.logical_not(wrong, out=wrong)
    score[wrong] = 0.0  # the points of a correct answer, unless a score was given (below)
    del wrong
    if changed.any():
        notes = pd.DataFrame(
            {
                "f": resp["_file"],
                "sh": resp["_sheet"],
                "a": ans,
                "o": option,
                "r": resp["_row"],
                "c": resp["_col"] if "_col" in resp else None,
            }
        ).loc[changed]
        for (f, sh, a, o), g in notes.groupby(["f", "sh", "a", "o"], sort=False, dropna=False):
            r0 = g["r"].iloc[0]
            problems.append(
                Problem(
                    f,
                    sh if isinstance(sh, str) else None,
                    None if pd.isna(r0) else int(r0),
                    g["c"].iloc[0] if isinstance(g["c"].iloc[0], str) else "answer",
                    str(a),
                    ngettext(
                        "answer '{value}' was read as '{option}' ({n} cell from row {row})",
                        "answer '{value}' was read as '{option}' ({n} cells from row {row})",
                        len(g),
                    ).format(value=a, option=o, n=len(g), row="?" if pd.isna(r0) else int(r0)),
                    _("Nothing to do; type answers as the option letter ({option}) to avoid this note.").format(
                        option=o
                    ),
                    "warning",
                )
            )
    if bad.any():
        for i in np.flatnonzero(bad):
            r = resp.iloc[i]
            col = r["_col"] if "_col" in resp.columns and isinstance(r["_col"], str) else "answer"
            problems.append(
                Problem(
                    r["_file"],
                    r["_sheet"] if isinstance(r["_sheet"], str) else None,
                    None if pd.isna(r["_row"]) else int(r["_row"]),
                    col,
                    str(ans.iloc[i]),
                    _(
                        "{reason} (participant {participant}, item {item}); the answer was set aside and "
                        "this test has no score"
                    ).format(reason=bad_reason[i], participant=r["participant_id"], item=r["item_id"]),
                    _("Correct the answer to one of the options, or leave the cell empty if the question was skipped."),
                    "error",
                )
            )
        q = resp.loc[bad].copy()
        q["_reason"] = [_("answer {reason}").format(reason=bad_reason[i]) for i in np.flatnonzero(bad)]
        quarantined["responses"] = (
            pd.concat([quarantined["responses"], q], ignore_index=True) if "responses" in quarantined else q
        )
    if changed.any():
        answers = np.append(a_values, None)[column_codes(ans)[0]]  # the distinct answers, shared by their rows
        answers[changed] = option[changed]
        resp["answer"] = answers
    if given is not None:
        np.copyto(score, given.to_numpy(dtype=float), where=~given_na)
    # (a Series: pandas copies an array set as a column, and takes a Series' values as they are)
    resp["score"] = pd.Series(score, index=resp.index, copy=False)
    del given, score
    # a test whose only written answer was set aside was taken all the same: "all blank" counts it
    blank = resp["answer"].isna().to_numpy() & given_na & ~bad
    del given_na
    test = person_phase_codes(resp)  # per person and phase
    # the tests without one answer written
    written = flagged(int(test.max()) + 1 if len(test) else 0, test, keep=~blank)
    all_blank = spread(~written, test)[~bad]
    if bad.any():
        resp = resp.loc[~bad]
    if all_blank.any():
        first = resp.loc[all_blank].drop_duplicates(["participant_id", "phase"])
        for _i, r in first.iterrows():
            problems.append(
                Problem(
                    r["_file"],
                    r["_sheet"],
                    None if pd.isna(r["_row"]) else int(r["_row"]),
                    None,
                    str(r["participant_id"]),
                    _("participant {participant} has no answers in the {test}: treated as not tested").format(
                        participant=r["participant_id"], test=_test_name(r["phase"])
                    ),
                    _("Fill in the answers, or remove the row if the person did not take the test."),
                    "warning",
                )
            )
        resp = resp.loc[~all_blank]
    tables["responses"] = resp.reset_index(drop=True)


def attach_scores(
    kept: dict[str, pd.DataFrame],
    responses_read: pd.DataFrame | None,
    problems: list[Problem],
    headers: Mapping[tuple, Mapping[str, str]] | None = None,
) -> None:
    """Add the totals derived from the kept item answers to ``kept["scores"]``, in place.

    Runs after validation, so that no total is built from an answer that was set aside: a
    participant's score in a phase is derived only when every item of the item bank has a kept
    response (:func:`tip_eval.scoring.complete_scores`); otherwise the score is missing, with one
    problem line per file, sheet and phase naming the people's rows and the items not read. A total
    given in the file (``totals`` layout or a Score column) wins over the derived one; when both
    exist and differ, a warning says so.

    Parameters
    ----------
    kept : dict of DataFrame
        The validated canonical tables (``responses``, ``items``, ``participants``, ``scores``).
    responses_read : DataFrame, optional
        The responses as mapped, before validation, with their provenance (``_file, _sheet, _row``):
        where each participant's test is, for the problem lines.
    headers : mapping, optional
        ``(file, sheet) -> {canonical column: header as written}``: the problem lines name the
        participant ID column as written.
    """
    from tip_eval.scoring import complete_scores, first_rows

    responses, items = kept.get("responses"), kept.get("items")
    if items is None or items.empty or responses_read is None or responses_read.empty:
        return
    derived, incomplete = complete_scores(responses if responses is not None else responses_read.iloc[:0], items)
    given = kept.get("scores")
    if given is None:
        given = schemas.empty("scores")
    gkey = set(zip(given["participant_id"], given["phase"]))
    test = ["participant_id", "phase"]
    rows = first_rows(responses_read, test)  # responses_read.drop_duplicates(test), in fewer bytes
    where = (responses_read.drop_duplicates(test) if rows is None else responses_read.iloc[rows]).set_index(test)
    del rows
    # people whose answers were all set aside have no kept response at all
    known = set(kept["participants"]["participant_id"]) if "participants" in kept else set()
    have = set(zip(derived["participant_id"], derived["phase"])) | set(
        zip(incomplete["participant_id"], incomplete["phase"])
    )
    lost = [k for k in where.index if k not in have and k not in gkey and k[0] in known]
    if lost:
        bank = list(items["item_id"].drop_duplicates())
        extra = pd.DataFrame(
            {
                "participant_id": [k[0] for k in lost],
                "phase": [k[1] for k in lost],
                "training_id": None,
                "n_read": 0,
                "n_items": len(bank),
                "missing": [bank] * len(lost),
            }
        )
        incomplete = pd.concat([incomplete, extra], ignore_index=True) if len(incomplete) else extra
    incomplete = incomplete[[(p, ph) not in gkey for p, ph in zip(incomplete["participant_id"], incomplete["phase"])]]
    _incomplete_problems(incomplete, where, problems, headers or {})
    both = [(p, ph) in gkey for p, ph in zip(derived["participant_id"], derived["phase"])]
    if any(both):
        g = given.drop_duplicates(["participant_id", "phase"]).set_index(["participant_id", "phase"])["score"]
        for _i, r in derived.loc[both].iterrows():
            total = g.get((r["participant_id"], r["phase"]))
            if total is not None and not pd.isna(total) and abs(float(total) - float(r["score"])) > 1e-9:
                loc = (
                    where.loc[(r["participant_id"], r["phase"])]
                    if (r["participant_id"], r["phase"]) in where.index
                    else None
                )
                problems.append(
                    Problem(
                        None if loc is None else loc["_file"],
                        None if loc is None or not isinstance(loc["_sheet"], str) else loc["_sheet"],
                        None if loc is None or pd.isna(loc["_row"]) else int(loc["_row"]),
                        None,
                        str(r["participant_id"]),
                        _(
                            "the {test} total given ({given}) differs from the total of the item answers "
                            "({computed}); the total given is used"
                        ).format(
                            test=_test_name(r["phase"]),
                            given=format_number(float(total)),
                            computed=format_number(r["score"]),
                        ),
                        _("Check the answers or the total."),
                        "warning",
                    )
                )
    new = derived.loc[[not b for b in both]]
    if len(new):
        merged = pd.concat([given, new], ignore_index=True) if len(given) else new
        kept["scores"] = schemas.schema("scores").coerce_dtype(merged.reset_index(drop=True))


def _incomplete_problems(
    incomplete: pd.DataFrame, where: pd.DataFrame, problems: list[Problem], headers: Mapping[tuple, Mapping[str, str]]
) -> None:
    """One line per file, sheet and phase for the tests that were not read whole."""
    if incomplete.empty:
        return
    rows = []
    for _i, r in incomplete.iterrows():
        k = (r["participant_id"], r["phase"])
        loc = where.loc[k] if k in where.index else None
        rows.append(
            {
                "f": None if loc is None else loc["_file"],
                "sh": None if loc is None or not isinstance(loc["_sheet"], str) else loc["_sheet"],
                "r": None if loc is None or pd.isna(loc["_row"]) else int(loc["_row"]),
                "pid": r["participant_id"],
                "phase": r["phase"],
                "missing": list(r["missing"]),
                "n_read": int(r["n_read"]),
                "n_items": int(r["n_items"]),
            }
        )
    frame = pd.DataFrame(rows)
    # a test of one person not scored because of an answer set aside on its row: that answer is the cause
    at_place: dict[tuple, Problem] = {}
    for p in problems:
        if p.severity == "error" and p.row is not None:
            at_place.setdefault((p.file, p.sheet, int(p.row)), p)
    for (f, sh, phase), g in frame.groupby(["f", "sh", "phase"], sort=False, dropna=False):
        f = None if pd.isna(f) else f
        sh = None if pd.isna(sh) else sh
        missing = list(dict.fromkeys(i for m in g["missing"] for i in m))
        shown = ", ".join(missing[:6]) + (
            " " + _("and {n} more").format(n=len(missing) - 6) if len(missing) > 6 else ""
        )
        rws = sorted(int(x) for x in g["r"].dropna())
        if len(g) == 1:
            r = g.iloc[0]
            text = ngettext(
                "the {test} score of {participant} is not computed: {n} of its {total} answers was not "
                "read or was set aside ({items})",
                "the {test} score of {participant} is not computed: {n} of its {total} answers were not "
                "read or were set aside ({items})",
                r["n_items"] - r["n_read"],
            ).format(
                test=_test_name(phase),
                participant=r["pid"],
                n=r["n_items"] - r["n_read"],
                total=r["n_items"],
                items=shown,
            )
            value = str(r["pid"])
        else:
            text = _(
                "the {test} scores of {n} people (rows {rows}) are not computed: answers to {items} were not read "
                "or were set aside"
            ).format(test=_test_name(phase), n=len(g), rows=_row_ranges(rws), items=shown)
            value = None
        column = (headers.get((f, sh)) or {}).get("participant_id", "participant_id")
        cause = at_place.get((f, sh, rws[0])) if len(g) == 1 and rws else None
        problems.append(
            Problem(
                f,
                sh,
                rws[0] if rws else None,
                column,
                value,
                text,
                _(
                    "A score is computed only from a complete test: fix the answers named in the other "
                    "problems of these rows, or add the questions that are missing."
                ),
                "error",
                cause=cause,
            )
        )


def _test_name(phase: object) -> str:
    """The test of a phase, as a sentence names it ("the pre-test")."""
    return {"pre": _("pre-test"), "post": _("post-test"), "delayed": _("delayed post-test")}.get(
        str(phase), _("{phase}-test").format(phase=phase)
    )


def _row_ranges(rows: list[int]) -> str:
    pieces: list[str] = []
    for r in rows:
        if pieces and isinstance(pieces[-1], list) and pieces[-1][1] + 1 == r:
            pieces[-1][1] = r
        else:
            pieces.append([r, r])
    text = [f"{a}" if a == b else f"{a}-{b}" for a, b in pieces]
    return ", ".join(text[:8]) + (" ..." if len(text) > 8 else "")


__all__ = ["Loaded", "attach_scores", "file_sha256", "load_sources", "normalize_id", "set_aside_unscorable"]
