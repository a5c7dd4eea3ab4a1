"""Turn a Study or an analyst's own tidy frame into the matched person-level frame the analyses use.

Every analysis of pre/post change starts from the same table: one row per person, the grouping
columns, and the person's ``pre`` and ``post`` score side by side (NaN where a phase is missing).
Pairs are matched by the person's identifier, never by row order.

Two kinds of input are accepted:

- a :class:`~tip_eval.Study`: scores come from its canonical tables (``scores.pct`` for
  knowledge, item responses for one module, mean confidence ratings for confidence) and every
  registered participant has a row, so those who missed a phase are counted;
- a plain :class:`pandas.DataFrame`, either **wide** (``subject``, ``pre``, ``post`` columns: one row
  per person) or **long** (``subject``, ``phase``, ``score`` columns: one row per person and
  phase, ``phase`` holding ``"pre"`` and ``"post"``). Grouping columns must be columns of the
  frame (constant within a person in the long form).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import as_by, check_by, is_study, person_attributes

#: values of ``measure``
MEASURES = ("knowledge", "confidence")
#: the two phases of a pre/post analysis, in order
PHASES = ("pre", "post")
#: every phase a test may have: the delayed post-test (a retention test months later) is read by
#: :func:`tip_eval.retention` only; pre/post analyses leave it out
ALL_PHASES = ("pre", "post", "delayed")
#: floor and ceiling of the confidence rating scale
RATING_MIN, RATING_MAX = 1.0, 5.0
#: share-agreeing threshold of the rating scale (4 = agree, 5 = strongly agree)
AGREE_FROM = 4

SUBJECT = "participant_id"


@dataclass
class PersonScores:
    """The matched person-level frame of one measure.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per person: ``participant_id``, the ``by`` columns, ``pre``, ``post`` (floats, NaN
        where missing; and ``delayed`` when asked for).
    by : list of str
        The grouping columns.
    measure : str
        ``"knowledge"`` or ``"confidence"``.
    max_score : float or None
        Ceiling of the scale (100 for knowledge in percent, 5 for confidence ratings); None when
        unknown (a plain frame without ``max_score``).
    floor : float
        Floor of the scale (0 for knowledge, 1 for confidence ratings).
    reliability : float or None
        Reliability of the pre-test score (KR-20 / alpha of the study's own pre-test items), None
        when there are no item-level data.
    """

    frame: pd.DataFrame
    by: list[str]
    measure: str
    max_score: float | None
    floor: float
    reliability: float | None


def check_measure(measure: object) -> str:
    """Return ``measure`` or raise a ValueError naming the allowed values."""
    if not isinstance(measure, str) or measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(map(repr, MEASURES))}; got {measure!r}")
    return measure


@memoised()
def person_scores(
    data: object,
    by: object = None,
    measure: str = "knowledge",
    module: str | None = None,
    *,
    subject: str | None = None,
    pre: str | None = None,
    post: str | None = None,
    phase: str | None = None,
    score: str | None = None,
    max_score: float | None = None,
    with_reliability: bool = True,
    phases: tuple[str, ...] = PHASES,
    delayed: str | None = None,
) -> PersonScores:
    """Build the matched person-level frame of ``measure`` from a Study or a plain frame.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        See the module docstring.
    by : str or list of str, optional
        Grouping columns (participant or training attributes for a Study, frame columns otherwise).
    measure : {"knowledge", "confidence"}
        Knowledge-test score in percent of the maximum, or the person's mean confidence rating.
    module : str, optional
        Restrict knowledge to the items of one curriculum module (Study only).
    subject, pre, post, phase, score : str, optional
        Column names of a plain frame (wide: ``subject, pre, post``; long: ``subject, phase,
        score``). ``subject`` defaults to ``participant_id``.
    max_score : float, optional
        Ceiling of a plain frame's scores (default: 5 for ``measure="confidence"``, unknown
        otherwise). Ignored for a Study (100 for knowledge, 5 for confidence).
    with_reliability : bool
        Compute the pre-test reliability from item-level data (Study only).
    phases : tuple of str
        The phases to put side by side, a column each: ``("pre", "post")`` (default) or
        ``("pre", "post", "delayed")``. Rows of other phases are left out.
    delayed : str, optional
        Column of a wide plain frame with the delayed post-test score (with ``phases`` holding
        ``"delayed"``).

    Returns
    -------
    PersonScores
    """
    measure = check_measure(measure)
    by_list = list(dict.fromkeys(as_by(by)))
    phases = tuple(phases)
    if is_study(data):
        if any(v is not None for v in (subject, pre, post, phase, score, delayed)):
            raise ValueError(
                "subject, pre, post, delayed, phase and score name columns of a plain DataFrame; "
                "a Study already knows its columns, so leave them out"
            )
        return _from_study(data, by_list, measure, module, with_reliability, phases)
    if isinstance(data, pd.DataFrame):
        if module is not None:
            raise ValueError(
                "module= needs item-level data and works with a Study only; for a plain frame, "
                "filter it to the module's scores yourself"
            )
        frame = plain_person_frame(
            data, by_list, subject=subject, pre=pre, post=post, phase=phase, score=score, delayed=delayed, phases=phases
        )
        if max_score is None and measure == "confidence":
            max_score = RATING_MAX
        floor = RATING_MIN if measure == "confidence" else 0.0
        return PersonScores(frame, by_list, measure, None if max_score is None else float(max_score), floor, None)
    raise TypeError(f"data must be a tip_eval Study or a pandas DataFrame; got {type(data).__name__}")


# --- Study -----------------------------------------------------------------------------------------


def study_people(study: object, by: list[str]) -> pd.DataFrame:
    """Registered participants: ``participant_id`` and the ``by`` columns (checked)."""
    by = list(dict.fromkeys(by))
    participants = study.participants
    if all(b in participants.columns and b != SUBJECT for b in by):
        return participants[[SUBJECT, *by]].copy()  # no training attribute needed: skip the join
    attrs = person_attributes(study)
    check_by(by, [c for c in attrs.columns if c != SUBJECT])
    return attrs[[SUBJECT, *by]].copy()


def _positions(values: pd.Series, universe: pd.Series) -> np.ndarray:
    """Position of each of ``values`` in the (unique) ``universe``, -1 where absent."""
    if all(isinstance(v.dtype, pd.StringDtype) and v.dtype.storage == "pyarrow" for v in (values, universe)):
        import pyarrow as pa
        import pyarrow.compute as pc

        pos = pc.fill_null(pc.index_in(pa.array(values), value_set=pa.array(universe)), -1)  # hashing in Arrow
        return np.asarray(pos.to_numpy(zero_copy_only=False), dtype=np.int64)
    return pd.Index(universe).get_indexer(values)


def _attach(people: pd.DataFrame, wide: pd.DataFrame, phases: tuple[str, ...] = PHASES) -> pd.DataFrame:
    out = people.merge(wide, on=SUBJECT, how="left", validate="one_to_one")
    out[list(phases)] = out[list(phases)].astype(np.float64)
    return out


def _onto_people(people: pd.DataFrame, long: pd.DataFrame, value: str, which: tuple[str, ...] = PHASES) -> pd.DataFrame:
    """Add ``pre`` and ``post`` (the phases ``which``) to ``people`` from a long table.

    The long table has ``participant_id``, ``phase`` and ``value`` columns.

    Rows are matched on participant_id through a hash index (not a merge), so that a programme of
    thousands of trainings stays fast; the long table has at most one row per person and phase.
    """
    pos = _positions(long[SUBJECT], people[SUBJECT])
    values = long[value].to_numpy(dtype=np.float64, na_value=np.nan)
    phases = long["phase"]
    for ph in which:
        mask = (phases == ph).to_numpy(dtype=bool, na_value=False) & (pos >= 0)
        col = np.full(len(people), np.nan)
        col[pos[mask]] = values[mask]
        people[ph] = col
    return people


def _from_study(
    study: object, by: list[str], measure: str, module: str | None, with_rel: bool, phases: tuple[str, ...] = PHASES
) -> PersonScores:
    people = study_people(study, by)
    if measure == "confidence":
        if module is not None:
            raise ValueError(
                "module= restricts the knowledge test to one module's items; it does not apply to measure='confidence'"
            )
        frame = _onto_people(people, _phase_values(study, measure, None), "rating", phases)
        rel = None
        if with_rel:
            rel = _confidence_reliability(study)
        return PersonScores(frame, by, measure, RATING_MAX, RATING_MIN, rel)
    if module is None:
        frame = _onto_people(people, study.scores, "pct", phases)
        rel = pre_test_reliability(study) if with_rel else None
        return PersonScores(frame, by, measure, 100.0, 0.0, rel)
    frame = _onto_people(people, _phase_values(study, measure, module), "pct", phases)
    rel = pre_test_reliability(study, module=module) if with_rel else None
    return PersonScores(frame, by, measure, 100.0, 0.0, rel)


@memoised()
def _phase_values(study: object, measure: str, module: str | None) -> pd.DataFrame:
    """Each person's score in each phase: the mean confidence rating, or the percent score on one module's items.

    One row per person and phase: ``participant_id``, ``phase`` and ``rating`` (confidence) or
    ``score`` and ``pct`` (a module of the knowledge test). The :func:`person_scores` of one
    publication differ in their groupings, not in these: inside a block of shared results
    (:func:`tip_eval._memo.sharing`) they are computed once per measure and module.
    """
    if measure == "confidence":
        conf = study.confidence  # type: ignore[attr-defined]
        return (
            conf.assign(rating=conf["rating"].astype(np.float64))
            .groupby([SUBJECT, "phase"], observed=True, sort=False)["rating"]
            .mean()
            .reset_index()
        )
    items = module_items(study, module)  # type: ignore[arg-type]  # a module that is not text is refused there
    responses = study.responses  # type: ignore[attr-defined]
    resp = responses[responses["item_id"].isin(items["item_id"])]
    total = float(items["points"].sum())
    sums = resp.groupby([SUBJECT, "phase"], observed=True, sort=False)["score"].sum().reset_index()
    sums["pct"] = 100.0 * sums["score"].astype(np.float64) / total
    return sums


@memoised()
def _confidence_reliability(study: object) -> float | None:
    """Cronbach's alpha of the study's pre-training ratings (see :func:`_alpha_pre_ratings`), once per block of shared results."""
    return _alpha_pre_ratings(study.confidence)  # type: ignore[attr-defined]


def module_items(study: object, module: str) -> pd.DataFrame:
    """Items of ``module``, or a ValueError naming the study's modules."""
    items = study.items
    available = sorted(pd.unique(items["module"].astype(object)).tolist())
    if not isinstance(module, str) or module not in available:
        raise ValueError(
            f"module: {module!r} is not a module of this study's items; "
            f"use one of: {', '.join(available) or '(no items)'}"
        )
    return items[items["module"] == module]


def item_matrix(study: object, phase: str, module: str | None = None) -> pd.DataFrame:
    """People x items matrix of item scores (points) in one phase, over the items answered in it.

    A person who took the phase but has no row for an item has NaN there; the reliability
    functions then drop that person (listwise deletion).
    """
    resp = study.responses
    mask = (resp["phase"] == phase).to_numpy(dtype=bool, na_value=False)
    if module is not None:
        mask = mask & resp["item_id"].isin(module_items(study, module)["item_id"]).to_numpy(dtype=bool, na_value=False)
    if not mask.any():
        return pd.DataFrame()
    # integer codes instead of a pivot: the responses of a large programme run to millions of rows
    people, row = _codes(resp[SUBJECT], mask)
    items, col = _codes(resp["item_id"], mask)
    mat = np.full((len(people), len(items)), np.nan)
    mat[row, col] = resp["score"].to_numpy(dtype=np.float64, na_value=np.nan)[mask]
    return pd.DataFrame(mat, index=pd.Index(people, name=SUBJECT), columns=pd.Index(items, name="item_id"))


def _codes(values: pd.Series, mask: np.ndarray) -> tuple[pd.Index, np.ndarray]:
    """Distinct values among ``values[mask]`` and each selected row's position in them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        # filter and dictionary-encode in Arrow: several times faster than a pandas take + factorize
        encoded = pc.filter(pa.array(values), pa.array(mask)).dictionary_encode()
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        return pd.Index(encoded.dictionary.to_pylist(), dtype=values.dtype), encoded.indices.to_numpy(
            zero_copy_only=False
        ).astype(np.int64)
    codes, uniques = pd.factorize(values[mask])
    return pd.Index(uniques), codes.astype(np.int64)


def pre_test_reliability(study: object, module: str | None = None) -> float | None:
    """KR-20 (right/wrong items) or Cronbach's alpha of the study's own pre-test; None without items.

    The value is kept on the study, keyed by the identity of its ``responses`` and ``items``
    frames: every gains() call needs it, and it costs more than the gains themselves. A Study's
    tables are read-only by contract; assigning a new ``study.responses`` recomputes it.
    """
    from tip_eval.stats.reliability import reliability

    key = ("pre_test_reliability", module, id(getattr(study, "responses", None)), id(getattr(study, "items", None)))
    memo = getattr(study, "__dict__", {}).setdefault("_memo", {}) if hasattr(study, "__dict__") else {}
    if key in memo:
        return memo[key]
    mat = item_matrix(study, "pre", module)
    if mat.shape[1] < 2:
        value = None
    else:
        value = float(reliability(mat)["reliability"])
        value = value if np.isfinite(value) else None
    memo[key] = value
    return value


def _alpha_pre_ratings(conf: pd.DataFrame) -> float | None:
    """Cronbach's alpha of the pre-training ratings across competencies (listwise)."""
    from tip_eval.stats.reliability import cronbach_alpha

    pre = conf[conf["phase"] == "pre"]
    if pre.empty:
        return None
    mat = pre.pivot(index=SUBJECT, columns="competency_id", values="rating").astype(np.float64)
    if mat.shape[1] < 2:
        return None
    value = float(cronbach_alpha(mat)["alpha"])
    return value if np.isfinite(value) else None


# --- plain frames ----------------------------------------------------------------------------------


def _need(frame: pd.DataFrame, columns: dict[str, str]) -> None:
    missing = {arg: col for arg, col in columns.items() if col not in frame.columns}
    if missing:
        what = ", ".join(f"{arg}={col!r}" for arg, col in missing.items())
        raise ValueError(f"{what}: not a column of the frame; its columns are: {', '.join(map(str, frame.columns))}")


def plain_person_frame(
    data: pd.DataFrame,
    by: list[str],
    *,
    subject: str | None = None,
    pre: str | None = None,
    post: str | None = None,
    phase: str | None = None,
    score: str | None = None,
    delayed: str | None = None,
    phases: tuple[str, ...] = PHASES,
) -> pd.DataFrame:
    """One row per subject with ``participant_id``, the ``by`` columns, ``pre`` and ``post``.

    ``pre`` and ``post`` are the columns ``phases``.

    Wide input: ``subject``, ``pre`` and ``post`` (and ``delayed``) name columns (one row per
    subject). Long input: ``subject``, ``phase`` and ``score`` name columns, ``phase`` holding
    ``"pre"``, ``"post"`` or ``"delayed"`` (case and surrounding spaces ignored; rows of a phase not
    in ``phases`` are left out). A subject appearing twice (twice in the same phase for the long
    form) is refused: pairs must be matched by identifier, unambiguously.
    """
    subject = subject or SUBJECT
    phases = tuple(phases)
    wide_args = pre is not None or post is not None or delayed is not None
    long_args = phase is not None or score is not None
    if (
        wide_args == long_args
        or (wide_args and (pre is None or post is None))
        or (long_args and (phase is None or score is None))
    ):
        raise ValueError(
            "for a plain DataFrame give either pre= and post= (wide: one row per subject) or "
            "phase= and score= (long: one row per subject and phase), plus subject= "
            f"(default {SUBJECT!r})"
        )
    if wide_args and "delayed" in phases and delayed is None:
        raise ValueError(
            "a wide plain DataFrame needs delayed= (the column of the delayed post-test scores) as well "
            "as pre= and post="
        )
    by_unique = list(dict.fromkeys(by))
    value_cols = {subject} | (
        {pre, post} | ({delayed} if delayed is not None else set()) if wide_args else {phase, score}
    )
    clash = [b for b in by_unique if b in value_cols]
    if clash:
        raise ValueError(f"by: {clash} also name the subject or score columns; group on other columns")
    wide_cols = {"pre": pre, "post": post, **({"delayed": delayed} if delayed is not None else {})}
    _need(data, {"subject": subject, **(wide_cols if wide_args else {"phase": phase, "score": score})})
    check_by(by_unique, [c for c in data.columns if c not in value_cols], "the frame")
    if data[subject].isna().any():
        raise ValueError(f"subject column {subject!r} has missing identifiers; every row needs one to be matched")
    if wide_args:
        dup = data[subject].duplicated(keep=False)
        if dup.any():
            raise ValueError(
                f"subject column {subject!r} repeats identifiers (e.g. {data.loc[dup, subject].iloc[0]!r}); "
                "a wide frame needs one row per subject"
            )
        out = pd.DataFrame({SUBJECT: data[subject].to_numpy()})
        for b in by_unique:
            out[b] = data[b].to_numpy()
        for ph in phases:
            out[ph] = _numeric(data[wide_cols[ph]], wide_cols[ph])
        return out
    labels = data[phase].astype("string").str.strip().str.lower()
    bad = ~labels.isin(ALL_PHASES) & labels.notna()
    if bad.any() or labels.isna().any():
        shown = data.loc[bad | labels.isna(), phase].iloc[0]
        raise ValueError(f"phase column {phase!r} must hold 'pre', 'post' or 'delayed'; found {shown!r}")
    long = pd.DataFrame(
        {
            SUBJECT: data[subject].to_numpy(),
            "phase": labels.to_numpy(dtype=object),
            "value": _numeric(data[score], score),
        }
    )
    dup = long.duplicated([SUBJECT, "phase"], keep=False)
    if dup.any():
        raise ValueError(
            f"subject {long.loc[dup, SUBJECT].iloc[0]!r} has more than one {phase}={long.loc[dup, 'phase'].iloc[0]!r} "
            "row; a long frame needs one row per subject and phase"
        )
    people = pd.DataFrame({SUBJECT: data[subject].to_numpy()})
    for b in by_unique:
        people[b] = data[b].to_numpy()
    people = people.drop_duplicates(SUBJECT, keep="first")
    if by_unique:
        varying = (
            pd.DataFrame({SUBJECT: data[subject].to_numpy(), **{b: data[b].to_numpy() for b in by_unique}})
            .groupby(SUBJECT, sort=False, dropna=False)
            .nunique(dropna=False)
        )
        if (varying > 1).to_numpy().any():
            col = varying.columns[(varying > 1).any()][0]
            raise ValueError(
                f"by column {col!r} changes between the phases of one subject; "
                "grouping columns must be the same in every row of a subject"
            )
    long = long[long["phase"].isin(phases)]
    wide = long.pivot(index=SUBJECT, columns="phase", values="value").reindex(columns=list(phases))
    wide.columns.name = None
    return _attach(people, wide.reset_index(), phases)


def _numeric(col: pd.Series, name: str) -> np.ndarray:
    try:
        return pd.to_numeric(col, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"column {name!r} must hold numbers (missing values allowed)") from None
