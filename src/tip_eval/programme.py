"""A programme of several studies (one folder per partner and year) as one :class:`~tip_eval.Study`.

:func:`load_studies` loads each study with its own ``study.toml`` (its layouts, separators, phase
labels, pseudonym key, ``min_cell`` ...) and puts the results together: every training carries the
``study`` it comes from, so ``by="study"`` works in every analysis, plot and table, and the
programme publishes with the largest ``min_cell`` of its studies.

Rules when two studies hold the same identifier:

- a training (or participant, item, competency, code, interview) declared **identically** by two
  studies is one and the same: it counts once, in the first study that declares it (a warning
  says so);
- declared **differently**, it is a located problem (the later study's file, sheet and row; the
  fix: give the trainings different IDs, or make the declarations agree), and the later study's
  copy is set aside with everything that depends on it (a training's people, their tests and
  interviews; an item's answers; ...). Every row set aside is in ``quarantine`` at its file, sheet
  and row (``Study.row_sources``), and named in a problem line per file, sheet and cause (its row
  numbers); a total derived from answers is located at its person's answers. ``on_error="raise"``
  then refuses the programme.

Pseudonyms made from names (:mod:`tip_eval.io.linking`) depend on the key, the training and the
name only, so studies that share a key give a person the same pseudonym alone or in a programme.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tip_eval import schemas
from tip_eval.errors import ValidationError
from tip_eval.i18n import N_, _, check_language, current_language, using
from tip_eval.problems import PROBLEM_COLUMNS, Problem, problems_frame
from tip_eval.study import Study, load_study
from tip_eval.validation import QUARANTINE_COLUMNS, ValidationReport

__all__ = ["load_studies"]

# table -> (key column, the tables whose rows hang on it, by which column)
_OWNED: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "trainings": ("training_id", (("participants", "training_id"), ("costs", "training_id"))),
    "participants": (
        "participant_id",
        (
            ("responses", "participant_id"),
            ("scores", "participant_id"),
            ("confidence", "participant_id"),
            ("interviews", "participant_id"),
        ),
    ),
    "items": ("item_id", (("responses", "item_id"),)),
    "competencies": ("competency_id", (("confidence", "competency_id"),)),
    "codebook": ("code_id", (("followup_codes", "code_id"),)),
    "interviews": ("interview_id", (("followup_codes", "interview_id"),)),
}
_COLUMN_WORDS = {
    "training_id": "Training ID",
    "participant_id": "Participant ID",
    "item_id": "Item ID",
    "competency_id": "Competency ID",
    "code_id": "Code ID",
    "interview_id": "Interview ID",
}
_WORDS = {
    "trainings": "training",
    "participants": "participant",
    "items": "item",
    "competencies": "competency",
    "codebook": "code",
    "interviews": "interview",
}
#: what a declaration of each table is, as a problem names it ({key}: its ID)
_KEYED = {
    "trainings": N_("training {key}"),
    "participants": N_("participant {key}"),
    "items": N_("item {key}"),
    "competencies": N_("competency {key}"),
    "codebook": N_("code {key}"),
    "interviews": N_("interview {key}"),
}


def load_studies(
    paths_or_mapping: Sequence[str | Path | Study] | Mapping[str, str | Path | Study],
    *,
    on_error: str = "raise",
    config: Mapping[str, Any] | None = None,
    cache: bool | str | Path = False,
    name: str | None = None,
    lang: str | None = None,
) -> Study:
    """Load several studies as one programme: one :class:`~tip_eval.Study` whose trainings carry a
    ``study`` column.

    Parameters
    ----------
    paths_or_mapping : list of paths, or mapping of name -> path
        Study folders (or ``study.toml`` files, or single workbooks), each loaded as
        :func:`~tip_eval.load_study` loads it, with its own settings. A list names each study by its
        own name (``[study] name`` of its study.toml, else its folder), made unique with the folder's
        name where two agree; a mapping names them by its keys (``{"Thailand 2022": "...", ...}``). A
        value may also be a Study already loaded.
    on_error : {"raise", "quarantine"}, default "raise"
        ``"raise"``: raise :class:`~tip_eval.ValidationError` (with the programme's report) when any
        study has an error or two studies declare the same identifier differently.
        ``"quarantine"``: keep the good rows, set the others aside in ``study.quarantine``.
    config : mapping, optional
        Settings that override those of every study's study.toml (for example ``min_cell``).
    cache : bool or path, default False
        As for :func:`~tip_eval.load_study`, per study.
    name : str, optional
        Name of the programme (default: the studies' names joined).
    lang : {"en", "km", "th", "id"}, optional
        The language of every problem, fix and reason of the programme. Default: each study in its
        own ``language`` setting (else English), the problems between studies in English.

    Returns
    -------
    Study
        The programme: every canonical table of every study, ``trainings.study`` naming each
        training's study; ``min_cell`` the largest of the studies'; ``report``, ``quarantine`` and
        ``sources`` of all studies, with each file named as ``<study>: <file>``, plus the problems
        between studies.

    Raises
    ------
    tip_eval.InputRefused
        A study cannot be read.
    tip_eval.ValidationError
        With ``on_error="raise"``, data problems remain.

    Examples
    --------
    >>> import tip_eval as te
    >>> programme = te.load_studies({"2022": "sample_data", "2024": "sample_data/programme"})  # doctest: +SKIP
    >>> te.gains(programme, by="study")  # doctest: +SKIP
    """
    if on_error not in ("raise", "quarantine"):
        raise ValueError(f"on_error must be 'raise' or 'quarantine'; got {on_error!r}")
    with using(check_language(lang) if lang is not None else current_language()):
        return _load_studies(paths_or_mapping, on_error=on_error, config=config, cache=cache, name=name, lang=lang)


def _load_studies(
    paths_or_mapping: Any,
    *,
    on_error: str,
    config: Mapping[str, Any] | None,
    cache: bool | str | Path,
    name: str | None,
    lang: str | None,
) -> Study:
    """:func:`load_studies` in the current language."""
    entries = _entries(paths_or_mapping)
    studies: list[tuple[str, str, Study]] = []  # (name, prefix of its files, study)
    for key, value in entries:
        if isinstance(value, Study):
            studies.append((key or value.name, key or value.name, value))
            continue
        study = load_study(value, on_error="quarantine", config=config, cache=cache, lang=lang)
        folder = Path(value) if Path(value).is_dir() else Path(value).parent
        studies.append((key or study.name, str(folder), study))
    names = _unique_names([(n, prefix) for n, prefix, _s in studies], named=isinstance(paths_or_mapping, Mapping))
    combined = _combine([(n, prefix, s) for n, (_n, prefix, s) in zip(names, studies)])
    combined.name = name or "; ".join(names)
    if not combined.report.ok and on_error == "raise":
        raise ValidationError(combined.report)
    return combined


def _entries(value: Any) -> list[tuple[str | None, Any]]:
    if isinstance(value, Mapping):
        out = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, (str, Path, Study)):
        raise TypeError(
            "paths_or_mapping must be a list of study folders or a mapping of name -> folder; for one "
            "study use load_study"
        )
    else:
        out = [(None, v) for v in value]
    if len(out) < 1:
        raise ValueError("paths_or_mapping names no study")
    for _k, v in out:
        if not isinstance(v, (str, Path, Study)):
            raise TypeError(f"each study must be a path or a Study; got {type(v).__name__}")
    return out


def _unique_names(names: list[tuple[str, str]], named: bool) -> list[str]:
    if named:
        return [n for n, _p in names]
    out: list[str] = []
    for n, prefix in names:
        clash = sum(1 for m, _p in names if m == n) > 1
        candidate = f"{n} ({Path(prefix).name})" if clash else n
        while candidate in out:
            candidate += " (again)"
        out.append(candidate)
    return out


def _combine(studies: list[tuple[str, str, Study]]) -> Study:
    tables: dict[str, list[pd.DataFrame]] = {t: [] for t in schemas.TABLES}
    problems: list[Problem] = []
    quarantine: list[pd.DataFrame] = []
    owner: dict[str, pd.DataFrame] = {}  # table -> first declaration of each key, with its study
    for name, prefix, study in studies:
        mine = {t: getattr(study, t).copy() for t in schemas.TABLES}
        mine["trainings"]["study"] = name
        again_keys: dict[str, set] = {t: set() for t in _OWNED}  # declared by an earlier study: counted there
        set_aside: dict[str, set] = {t: set() for t in _OWNED}  # declared differently: set aside, with its rows
        cause: dict[str, dict] = {t: {} for t in _OWNED}  # key set aside -> why, in words
        removed: list[tuple[str, pd.DataFrame, list[str], str]] = []  # (table, rows set aside, why for each, by)
        for table, (key, children) in _OWNED.items():  # parents before children
            frame = mine[table]
            held = owner.get(table)
            again = frame[key].isin(held[key]) if held is not None else pd.Series(False, index=frame.index)
            if again.any():
                earlier = held.set_index(key)
                for idx, row in frame[again].iterrows():
                    k = row[key]
                    first = earlier.loc[k]
                    same = _same(row, first, table)
                    again_keys[table].add(k)
                    if table == "trainings" or not same:  # a shared item bank or codebook is the normal case
                        problems.append(
                            _clash(table, k, name, prefix, _locate(study, table, frame.loc[[idx]])[0], first, row, same)
                        )
                    if not same:
                        set_aside[table].add(k)
                        cause[table][k] = f"{_WORDS[table]} {k} is declared differently in study {first['_study']}"
                        rows = frame[frame[key] == k]
                        removed.append((table, rows, [cause[table][k]] * len(rows), key))
            owner[table] = (
                pd.concat([held, frame[~again].assign(_study=name)], ignore_index=True)
                if held is not None
                else frame[~again].assign(_study=name)
            )
            mine[table] = frame[~frame[key].isin(again_keys[table] | set_aside[table])]
            for child, col in children:  # a training's people, a person's tests and interviews, an item's answers
                gone = mine[child][col].isin(set_aside[table])
                if gone.any():  # every row set aside is named, with the row it depended on
                    lost = mine[child][gone]
                    why = [
                        f"it belongs to {_WORDS[table]} {v}, set aside because {cause[table][v]}"
                        if not cause[table][v].startswith("it belongs")
                        else cause[table][v]
                        for v in lost[col]
                    ]
                    removed.append((child, lost, why, col))
                    if child in _OWNED:
                        for v, w in zip(lost[_OWNED[child][0]], why):
                            cause[child].setdefault(v, w)
                if table == "trainings" and child == "costs":  # an earlier study holds the training and its costs
                    gone |= mine[child][col].isin(again_keys[table])
                if child in _OWNED:
                    set_aside[child].update(mine[child].loc[gone, _OWNED[child][0]])
                mine[child] = mine[child][~gone]
        for t in schemas.TABLES:
            tables[t].append(mine[t])
        problems.extend(_own_problems(prefix, study))
        if len(study.quarantine):
            quarantine.append(study.quarantine.assign(file=[_named(prefix, f) for f in study.quarantine["file"]]))
        for table, rows, why, by in removed:
            q = _set_aside(table, rows, why, name, prefix, study)
            quarantine.append(q)
            problems.extend(_removed_problems(table, q, why, by))
    merged = {t: _concat(t, frames) for t, frames in tables.items()}
    rates = _rates(studies, problems)
    report = ValidationReport(
        problems=problems_frame(problems)[list(PROBLEM_COLUMNS)],
        reconciliation=_reconciliation(studies),
        language=current_language(),
    )
    programme = Study(
        name="Programme",
        min_cell=max(s.min_cell for _n, _p, s in studies),
        report=report,
        quarantine=pd.concat(quarantine, ignore_index=True)[list(QUARANTINE_COLUMNS)] if quarantine else None,
        sources=_sources(studies),
        excerpts=_excerpts(studies),
        exchange_rates=rates,
        check=False,
        **merged,
    )
    rows = [
        s.training_rows.assign(file=[_named(p, f) for f in s.training_rows["file"]])
        for _n, p, s in studies
        if len(s.training_rows)
    ]
    if rows:
        programme.training_rows = pd.concat(rows, ignore_index=True)
    return programme


def _same(a: pd.Series, b: pd.Series, table: str) -> bool:
    cols = [c for c in schemas.schema(table).columns if c not in ("study", _OWNED[table][0])]
    for c in cols:
        x, y = a.get(c), b.get(c)
        if pd.isna(x) and pd.isna(y):
            continue
        if pd.isna(x) or pd.isna(y) or x != y:
            return False
    return True


def _differing(a: pd.Series, b: pd.Series, table: str) -> list[str]:
    return [
        c
        for c in schemas.schema(table).columns
        if c not in ("study", _OWNED[table][0])
        and not (pd.isna(a.get(c)) and pd.isna(b.get(c)))
        and (pd.isna(a.get(c)) or pd.isna(b.get(c)) or a.get(c) != b.get(c))
    ]


def _where(study: Study, table: str, key: Any) -> tuple[str | None, str | None, int | None]:
    if table != "trainings" or study.training_rows.empty:
        return None, None, None
    hit = study.training_rows[study.training_rows["training_id"] == key]
    if hit.empty:
        return None, None, None
    r = hit.iloc[0]
    return r["file"], r["sheet"] if isinstance(r["sheet"], str) else None, None if pd.isna(r["row"]) else int(r["row"])


def _clash(
    table: str,
    key: Any,
    name: str,
    prefix: str,
    place: tuple[Any, Any, Any],
    first: pd.Series,
    row: pd.Series,
    same: bool,
) -> Problem:
    what = _(_KEYED[table]).format(key=key)
    file, sheet, line = place
    first_name, first_row = first["_study"], first
    column = _COLUMN_WORDS[_OWNED[table][0]]
    if same:
        return Problem(
            _named(prefix, file) if file else _study_place(name),
            sheet,
            line,
            column,
            str(key),
            _("{what} is also in study {first}, identically: it counts once, in {first}").format(
                what=what, first=first_name
            ),
            _("Nothing to do if it is the same one; otherwise give the two different IDs."),
            "warning",
        )
    differ = ", ".join(_differing(row, first_row, table))
    return Problem(
        _named(prefix, file) if file else _study_place(name),
        sheet,
        line,
        column,
        str(key),
        _(
            "{what} is also in study {first} but with a different {columns}: this study's declaration and "
            "everything recorded under it are set aside"
        ).format(what=what, first=first_name, columns=differ),
        _(
            "Give the two different IDs (for example with a prefix per study), or correct the {columns} so "
            "that the two agree."
        ).format(columns=differ),
        "error",
    )


def _locate(study: Study, table: str, rows: pd.DataFrame) -> list[tuple[Any, Any, Any]]:
    """Where each of ``rows`` came from: ``(file, sheet, row)``.

    ``rows`` are rows of ``getattr(study, table)`` (by their index), located from
    ``study.row_sources``; a training's declaration from ``study.training_rows``; else unknown.
    """
    where = study.row_sources.get(table)
    answers = None  # a total derived from answers: where the person's answers of that test begin
    if table == "scores" and "responses" in study.row_sources:
        answers = (
            study.row_sources["responses"]
            .drop_duplicates(["participant_id", "phase"])
            .set_index(["participant_id", "phase"])
        )
    out = []
    for idx, r in rows.iterrows():
        if where is not None and isinstance(idx, (int, np.integer)) and 0 <= idx < len(where):
            w = where.iloc[idx]
            out.append(
                (
                    w["file"],
                    w["sheet"] if isinstance(w["sheet"], str) else None,
                    None if pd.isna(w["row"]) else int(w["row"]),
                )
            )
        elif answers is not None and (r["participant_id"], r["phase"]) in answers.index:
            w = answers.loc[(r["participant_id"], r["phase"])]
            out.append(
                (
                    w["file"],
                    w["sheet"] if isinstance(w["sheet"], str) else None,
                    None if pd.isna(w["row"]) else int(w["row"]),
                )
            )
        elif table == "trainings":
            out.append(_where(study, table, r["training_id"]))
        else:
            out.append((None, None, None))
    return out


def _set_aside(table: str, rows: pd.DataFrame, why: list[str], name: str, prefix: str, study: Study) -> pd.DataFrame:
    """Quarantine rows, one per row set aside, each located at its study's file, sheet and row."""
    places = _locate(study, table, rows)
    return pd.DataFrame(
        [
            {
                "table": table,
                "file": _named(prefix, f) if f else f"{name} (study)",
                "sheet": sh,
                "row": line,
                "problem": w,
                "record": json.dumps(
                    {k: (None if pd.isna(v) else str(v)) for k, v in r.items() if not str(k).startswith("_")},
                    ensure_ascii=False,
                ),
            }
            for (_i, r), (f, sh, line), w in zip(rows.iterrows(), places, why)
        ],
        columns=list(QUARANTINE_COLUMNS),
    )


def _removed_problems(table: str, q: pd.DataFrame, why: list[str], by: str) -> list[Problem]:
    """One problem line per file, sheet and reason naming the rows set aside (their row numbers).

    So no row leaves the programme unnamed. A training's own row is named by :func:`_clash`.
    """
    if table == "trainings" or q.empty:
        return []
    out = []
    frame = q.assign(_why=why)
    for (f, sh, w), g in frame.groupby(["file", "sheet", "_why"], sort=False, dropna=False):
        lines = sorted({int(x) for x in g["row"].dropna()})
        where = f" (row{'s' if len(lines) > 1 else ''} {_ranges(lines)})" if lines else ""
        what = "test total(s) derived from the answers" if table == "scores" else f"{table} row(s)"
        out.append(
            Problem(
                f,
                None if pd.isna(sh) else sh,
                lines[0] if lines else None,
                _COLUMN_WORDS.get(by, by),
                None,
                f"{len(g)} {what}{where} set aside: {w}",
                "Give the studies' identifiers a prefix per study (they then stay apart), or make the "
                "two declarations agree (then they count once).",
                "error",
            )
        )
    return out


def _ranges(rows: list[int]) -> str:
    """[5, 6, 7, 9] -> '5-7, 9' (every row, so that each one is named)."""
    pieces: list[list[int]] = []
    for r in rows:
        if pieces and pieces[-1][1] + 1 >= r:
            pieces[-1][1] = r
        else:
            pieces.append([r, r])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in pieces)


def _study_place(name: str) -> str:
    """Where a problem of a whole study is: the study, by name."""
    return _("{name} (study)").format(name=name)


def _named(prefix: str, file: Any) -> Any:
    if file is None or (isinstance(file, float) and pd.isna(file)) or file == "":
        return file
    return f"{prefix}: {file}"


def _own_problems(prefix: str, study: Study) -> list[Problem]:
    p = study.report.problems
    return [
        Problem(
            _named(prefix, r["file"]) if isinstance(r["file"], str) else r["file"],
            r["sheet"] if isinstance(r["sheet"], str) else None,
            None if pd.isna(r["row"]) else int(r["row"]),
            r["column"] if isinstance(r["column"], str) else None,
            r["value"] if isinstance(r["value"], str) else None,
            r["problem"],
            r["fix"],
            r["severity"],
        )
        for _i, r in p.iterrows()
    ]


def _reconciliation(studies: list[tuple[str, str, Study]]) -> pd.DataFrame:
    parts = [
        s.report.reconciliation.assign(file=[_named(p, f) for f in s.report.reconciliation["file"]])
        for _n, p, s in studies
        if len(s.report.reconciliation)
    ]
    return pd.concat(parts, ignore_index=True) if parts else ValidationReport().reconciliation


def _sources(studies: list[tuple[str, str, Study]]) -> pd.DataFrame:
    parts = [s.sources.assign(file=[_named(p, f) for f in s.sources["file"]]) for _n, p, s in studies if len(s.sources)]
    return pd.concat(parts, ignore_index=True) if parts else None


def _excerpts(studies: list[tuple[str, str, Study]]) -> pd.DataFrame:
    parts = [
        s.excerpts.assign(file=[_named(p, f) for f in s.excerpts["file"]]) for _n, p, s in studies if len(s.excerpts)
    ]
    return pd.concat(parts, ignore_index=True) if parts else None


def _rates(studies: list[tuple[str, str, Study]], problems: list[Problem]) -> pd.DataFrame | None:
    """The exchange rates of the studies; a currency two studies convert differently keeps the first."""
    parts = [(n, s.exchange_rates) for n, _p, s in studies if len(s.exchange_rates)]
    if not parts:
        return None
    out = parts[0][1]
    for n, rates in parts[1:]:
        merged = out.merge(rates, on="currency", how="outer", suffixes=("", "_other"), indicator=True)
        clash = merged[
            (merged["_merge"] == "both")
            & (
                (merged["rate"] != merged["rate_other"])
                | (merged["reporting_currency"] != merged["reporting_currency_other"])
            )
        ]
        for _i, r in clash.iterrows():
            problems.append(
                Problem(
                    _study_place(n),
                    None,
                    None,
                    "rates",
                    str(r["currency"]),
                    _(
                        "study {study} converts {currency} otherwise than an earlier study of the "
                        "programme; the earlier rate is used"
                    ).format(study=n, currency=r["currency"]),
                    _("Give the studies the same reporting currency and rates in their study.toml."),
                    "warning",
                )
            )
        extra = rates[~rates["currency"].isin(out["currency"])]
        out = pd.concat([out, extra], ignore_index=True)
    return out


def _concat(table: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        out = schemas.empty(table)
    else:
        out = pd.concat(frames, ignore_index=True)
        key = getattr(schemas.TABLES[table].Config, "unique", None)
        if key:  # the same test of a training that two studies hold identically
            out = out.drop_duplicates(list(key), keep="first")
    cols = list(schemas.schema(table).columns)
    return schemas.schema(table).coerce_dtype(schemas.complete(table, out)[cols].reset_index(drop=True))
