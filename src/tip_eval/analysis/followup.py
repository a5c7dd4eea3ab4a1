"""Follow-up interviews: code prevalence, co-occurrence, coder agreement, and the link to learning gains.

Months after a training, some participants are interviewed and the interviews are coded against a
codebook (``study.codebook``), once or, for a check of the codebook, by two or more coders
(``study.followup_codes``: one row per interview x coder x code, ``present`` True when the coder
applied the code). These functions turn those codings into tidy tables:

- :func:`followup_summary`: how many interviewed people report each code, theme and the level-3
  (behaviour) indicator, with Wilson intervals, per group;
- :func:`code_cooccurrence`: which codes go together in the same interview (c-coefficient);
- :func:`coder_agreement`: whether two coders apply the codebook the same way (percent agreement,
  Cohen's kappa, Krippendorff's alpha);
- :func:`followup_vs_gains`: whether the people who report applying the training are those who
  learned more on the knowledge test, and whether interviewees are like the people not interviewed.

Shared conventions
------------------
Codings of an interview. A coder "coded" an interview when ``followup_codes`` has at least one row
for that interview and coder; a code without a row for a coder who coded the interview counts as
*not applied* by that coder (tools such as Taguette export only the codes applied). Interviews
nobody coded are left out (they say nothing about any code). Duplicate rows count as applied when
any of them says so.

Coder order. The coders of an interview are ordered as listed in ``interviews.coders`` (';'
separated); coders who coded the interview but are not listed follow, in the order their rows
appear. Listed coders without any row did not code it and are skipped. The first in this order is
the *primary* coder.

Consensus rule (``rule=``), used wherever one value per interview is needed (prevalence,
co-occurrence, the link to gains):

``"primary"`` (default)
    the code is present when the primary coder applied it. Double coding is a check of the
    codebook, so the primary coding is the study's coding and double-coded interviews are not
    counted differently from single-coded ones.
``"any"``
    present when at least one coder applied it (a liberal consensus).
``"all"``
    present only when every coder of the interview applied it (a strict consensus).

With single-coded interviews the three rules agree.

Person level. A person counts as having a code when it is present in at least one of their
interviews (people are rarely interviewed twice). Prevalence is always a share of *people*, never
a count of mentions.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from tip_eval.analysis._common import By, as_by, check_by, group_keys, is_study
from tip_eval._memo import memoised

__all__ = [
    "RULES",
    "FollowupGains",
    "followup_summary",
    "code_cooccurrence",
    "coder_agreement",
    "followup_vs_gains",
]

#: consensus rules accepted by ``rule=``
RULES: tuple[str, ...] = ("primary", "any", "all")

#: average length of a month in days (365.25 / 12), for ``months_since_training``
DAYS_PER_MONTH = 365.25 / 12.0

#: label of the level-3 indicator row
INDICATOR_LABEL = "At least one applied-practice code"

SUMMARY_COLUMNS: tuple[str, ...] = (
    "kind", "code_id", "label", "theme", "level", "applied_practice", "n_codes", "n_interviewed",
    "n_with_code", "pct_with_code", "ci_low", "ci_high", "confidence", "months_since_training",
)
COOCCURRENCE_COLUMNS: tuple[str, ...] = (
    "code_a", "code_b", "label_a", "label_b", "n_interviews", "n_a", "n_b", "n_both", "c_coefficient",
)
AGREEMENT_COLUMNS: tuple[str, ...] = (
    "kind", "code_id", "label", "n_double_coded", "n_coders", "n_either", "pct_agreement",
    "cohen_kappa", "krippendorff_alpha", "rating",
)
GAINS_COLUMNS: tuple[str, ...] = (
    "kind", "code_id", "label", "theme", "level", "applied_practice", "n_with", "n_without",
    "gain_with", "gain_without", "diff", "ci_low", "ci_high", "confidence", "p_mannwhitney",
    "p_adjusted", "pct_reliable_improved_with", "pct_no_reliable_change_with",
    "pct_reliable_declined_with", "pct_reliable_improved_without", "pct_no_reliable_change_without",
    "pct_reliable_declined_without", "odds_ratio_per_10", "or_ci_low", "or_ci_high", "p_logit", "note",
)
POOLED_COLUMNS: tuple[str, ...] = (
    "n_people", "n_codes", "odds_ratio_per_10", "or_ci_low", "or_ci_high", "p_value", "confidence", "note",
)
SELECTION_COLUMNS: tuple[str, ...] = (
    "n_interviewed", "n_not_interviewed", "gain_interviewed", "gain_not_interviewed", "diff", "ci_low",
    "ci_high", "confidence", "p_value", "p_mannwhitney",
)

_TABLES = ("trainings", "participants", "scores", "responses", "items", "interviews", "codebook", "followup_codes")
_CODE_META = ("code_id", "label", "theme", "level", "applied_practice")


# --------------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------------
class _Tables:
    """The canonical tables the follow-up analyses need, from a Study or a mapping of frames."""

    def __init__(self, data: Any) -> None:
        from tip_eval import schemas

        if is_study(data) or all(hasattr(data, t) for t in ("interviews", "codebook", "followup_codes")):
            get = lambda name: getattr(data, name, None)  # noqa: E731
        elif isinstance(data, Mapping):
            unknown = set(data) - set(schemas.TABLES)
            if unknown:
                raise ValueError(
                    f"data: unknown table name(s) {sorted(unknown)}; use canonical table names: "
                    f"{', '.join(schemas.TABLES)}"
                )
            get = data.get
        else:
            raise TypeError(
                "data must be a Study (te.load_study(...)) or a mapping of canonical tables such as "
                "{'interviews': ..., 'codebook': ..., 'followup_codes': ...}; "
                f"got {type(data).__name__}"
            )
        for name in _TABLES:
            frame = get(name)
            if frame is None:
                frame = schemas.empty(name)
            elif not isinstance(frame, pd.DataFrame):
                raise TypeError(f"data: table {name!r} must be a pandas DataFrame; got {type(frame).__name__}")
            setattr(self, name, frame)
        self._study = data if is_study(data) else None

    def attributes(self) -> pd.DataFrame:
        """One row per participant with their own and their training's columns."""
        if self._study is not None and hasattr(self._study, "attributes"):
            return self._study.attributes()
        tr = self.trainings
        if "training_id" in self.participants and "training_id" in tr:
            return self.participants.merge(tr, on="training_id", how="left")
        return self.participants.copy()


def _check_rule(rule: Any) -> str:
    if not isinstance(rule, str) or rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(repr(r) for r in RULES)}; got {rule!r}")
    return rule


def _check_confidence(confidence: Any) -> float:
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(confidence, bool) or not 0.0 < value < 1.0:
        raise ValueError(f"confidence must be a number strictly between 0 and 1 (e.g. 0.95); got {confidence!r}")
    return value


def _require_columns(frame: pd.DataFrame, table: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"table {table!r} lacks column(s) {missing}; it needs {', '.join(columns)}")


# --------------------------------------------------------------------------------------------------
# codings
# --------------------------------------------------------------------------------------------------
def _code_table(t: _Tables) -> pd.DataFrame:
    """Codebook codes in codebook order, then codes used in the codings but missing from the codebook."""
    cb = t.codebook
    _require_columns(cb, "codebook", ("code_id",))
    cb = cb.drop_duplicates("code_id")
    out = pd.DataFrame({"code_id": cb["code_id"].astype(object).to_numpy()})
    for col in _CODE_META[1:]:
        out[col] = cb[col].to_numpy() if col in cb else pd.NA
    fc = t.followup_codes
    used = fc["code_id"].dropna().astype(object) if "code_id" in fc else pd.Series([], dtype=object)
    extra = [c for c in pd.unique(used) if c not in set(out["code_id"])]
    if extra:
        out = pd.concat([out, pd.DataFrame({"code_id": extra})], ignore_index=True)
    out = out[out["code_id"].notna()].reset_index(drop=True)
    out["label"] = out["label"].astype(object)
    out["theme"] = out["theme"].astype(object)
    out["level"] = pd.array(pd.to_numeric(out["level"], errors="coerce"), dtype="Int64")
    out["applied_practice"] = _nullable_bool(out["applied_practice"])
    return out


@dataclass
class _Codings:
    """Every coding of every coded interview, one row per interview x coder (wide over the codes)."""

    codes: list[str]
    pairs: pd.DataFrame  # interview_id, coder, position (0 = primary)
    matrix: np.ndarray  # bool, len(pairs) x len(codes)

    def consensus(self, rule: str) -> pd.DataFrame:
        """One bool row per coded interview (index ``interview_id``), columns = codes."""
        frame = pd.DataFrame(self.matrix, columns=self.codes)
        frame.insert(0, "interview_id", self.pairs["interview_id"].to_numpy())
        if rule == "primary":
            keep = self.pairs["position"].to_numpy() == 0
            out = frame[keep].set_index("interview_id")
        elif rule == "any":
            out = frame.groupby("interview_id", sort=False).any()
        else:
            out = frame.groupby("interview_id", sort=False).all()
        out.columns = pd.Index(self.codes, dtype=object)
        return out.astype(bool)


def _codings(t: _Tables, codes: list[str]) -> _Codings:
    fc = t.followup_codes
    _require_columns(fc, "followup_codes", ("interview_id", "coder", "code_id", "present"))
    fc = fc[["interview_id", "coder", "code_id", "present"]].dropna(subset=["interview_id", "coder", "code_id"])
    fc = fc.astype({"interview_id": object, "coder": object, "code_id": object})
    present = fc["present"].astype("boolean").fillna(False).to_numpy(dtype=bool)

    pairs = fc[["interview_id", "coder"]].drop_duplicates().reset_index(drop=True)
    pairs["appearance"] = np.arange(len(pairs))
    iv = t.interviews
    if len(iv) and {"interview_id", "coders"} <= set(iv.columns):
        listed = iv[["interview_id", "coders"]].dropna().astype(object).copy()
        listed["coder"] = listed["coders"].astype(str).str.split(";")
        listed = listed.explode("coder")
        listed["coder"] = listed["coder"].str.strip()
        listed = listed[listed["coder"] != ""]
        listed["listed"] = listed.groupby("interview_id", sort=False).cumcount()
        listed = listed.drop_duplicates(["interview_id", "coder"])[["interview_id", "coder", "listed"]]
        pairs = pairs.merge(listed, on=["interview_id", "coder"], how="left")
    else:
        pairs["listed"] = np.nan
    big = float(len(pairs) + 1)
    pairs["order"] = pairs["listed"].astype(float).fillna(big) * big + pairs["appearance"]
    pairs = pairs.sort_values(["appearance"])
    pairs["position"] = pairs.groupby("interview_id", sort=False)["order"].rank(method="first").astype(int) - 1
    pairs = pairs.sort_values("appearance").reset_index(drop=True)[["interview_id", "coder", "position"]]

    matrix = np.zeros((len(pairs), len(codes)), dtype=bool)
    if len(fc) and codes:
        row = pd.MultiIndex.from_frame(pairs[["interview_id", "coder"]]).get_indexer(
            pd.MultiIndex.from_frame(fc[["interview_id", "coder"]]))
        col = pd.Index(codes).get_indexer(fc["code_id"])
        ok = (row >= 0) & (col >= 0) & present
        matrix[row[ok], col[ok]] = True
    return _Codings(codes=list(codes), pairs=pairs, matrix=matrix)


def _person_codes(t: _Tables, interview_codes: pd.DataFrame) -> pd.DataFrame:
    """Bool frame, one row per interviewed person (index ``participant_id``): code present in any interview."""
    iv = t.interviews
    _require_columns(iv, "interviews", ("interview_id", "participant_id"))
    link = iv[["interview_id", "participant_id"]].dropna().drop_duplicates("interview_id")
    link = link.astype(object).set_index("interview_id")["participant_id"]
    who = link.reindex(interview_codes.index)
    frame = interview_codes[who.notna().to_numpy()]
    if frame.empty:
        return pd.DataFrame(columns=interview_codes.columns, index=pd.Index([], name="participant_id", dtype=object),
                            dtype=bool)
    out = frame.groupby(who[who.notna()].to_numpy(), sort=False).any()
    out.index = pd.Index(out.index, name="participant_id", dtype=object)
    return out.astype(bool)


def _theme_parts(theme: Any) -> list[str]:
    if theme is None or (isinstance(theme, float) and math.isnan(theme)) or theme is pd.NA:
        return []
    return [p.strip() for p in str(theme).split(">") if p.strip()]


def _summary_items(codes: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows of the summary (codes, themes at every nesting level, the indicator) and their code sets."""
    k = len(codes)
    rows: list[dict[str, Any]] = []
    members: list[np.ndarray] = []
    for i, c in enumerate(codes.itertuples(index=False)):
        rows.append({"kind": "code", "code_id": c.code_id, "label": c.label, "theme": c.theme,
                     "level": c.level, "applied_practice": c.applied_practice})
        m = np.zeros(k, dtype=bool)
        m[i] = True
        members.append(m)
    paths: list[str] = []
    code_paths = [_theme_parts(t) for t in codes["theme"]]
    for parts in code_paths:
        for d in range(1, len(parts) + 1):
            p = " > ".join(parts[:d])
            if p not in paths:
                paths.append(p)
    # parents before their children, keeping first-appearance order among siblings
    first_seen = list(paths)
    paths.sort(key=lambda p: [first_seen.index(" > ".join(p.split(" > ")[:d])) for d in range(1, p.count(" > ") + 2)])
    for p in paths:
        depth = p.count(" > ") + 1
        m = np.array([len(parts) >= depth and " > ".join(parts[:depth]) == p for parts in code_paths], dtype=bool)
        rows.append({"kind": "theme", "code_id": pd.NA, "label": p, "theme": p,
                     "level": _shared(codes.loc[m, "level"]),
                     "applied_practice": _shared(codes.loc[m, "applied_practice"])})
        members.append(m)
    applied_mask = codes["applied_practice"].fillna(False).to_numpy(dtype=bool)
    rows.append({"kind": "indicator", "code_id": pd.NA, "label": INDICATOR_LABEL, "theme": pd.NA,
                 "level": 3, "applied_practice": True})
    members.append(applied_mask)
    items = pd.DataFrame(rows, columns=["kind", "code_id", "label", "theme", "level", "applied_practice"])
    membership = np.vstack(members) if members else np.zeros((0, k), dtype=bool)
    items["n_codes"] = membership.sum(axis=1).astype(np.int64)
    return items, membership


def _shared(values: pd.Series) -> Any:
    """The one value all entries share, or NA when they differ or any is missing."""
    if values.isna().any() or values.nunique() != 1:
        return pd.NA
    return values.iloc[0]


def _nullable_bool(values: pd.Series) -> pd.arrays.BooleanArray:
    return pd.array(values.astype(object).where(values.notna(), None), dtype="boolean")


@memoised(study_of=lambda t: t._study)
def _prepare_codes(t: _Tables, rule: str) -> tuple[pd.DataFrame, _Codings, pd.DataFrame]:
    codes = _code_table(t)
    codings = _codings(t, codes["code_id"].tolist())
    return codes, codings, codings.consensus(rule)


@memoised(study_of=lambda t: t._study)
def _coded_people(t: _Tables, rule: str) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Codes per interviewed person, the summary rows with their code sets, and the interview codes."""
    codes, _codings, interview_codes = _prepare_codes(t, rule)
    items, membership = _summary_items(codes)
    return _person_codes(t, interview_codes), items, membership, interview_codes


# --------------------------------------------------------------------------------------------------
# followup_summary
# --------------------------------------------------------------------------------------------------
@memoised()
def followup_summary(data: Any, by: By = None, confidence: float = 0.95, rule: str = "primary") -> pd.DataFrame:
    """Share of interviewed people reporting each code, theme and the level-3 indicator, per group.

    Parameters
    ----------
    data : Study or mapping of DataFrames
        A :class:`~tip_eval.Study`, or a dict of canonical tables with at least ``interviews``,
        ``codebook`` and ``followup_codes`` (plus ``participants`` and ``trainings`` for ``by`` and
        ``months_since_training``).
    by : str or list of str, optional
        Grouping column(s) of participants or their training (``country``, ``province``,
        ``sector``, ``training_id``, ``gender``, ...). ``None`` gives one overall group.
    confidence : float, default 0.95
        Confidence level of the Wilson intervals.
    rule : {"primary", "any", "all"}, default "primary"
        How double-coded interviews become one coding: the primary (first-listed) coder's codes,
        codes applied by any coder, or codes applied by all coders (see the module notes).

    Returns
    -------
    pandas.DataFrame
        One row per group and summary row, at full precision. The ``by`` columns first (none when
        ``by`` is None, as in ``te.gains``); groups sorted by their keys, a missing key last.
        Every group of the roster appears, also those with nobody interviewed
        (``n_interviewed`` 0, shares NaN).
        Then, per group, the code rows (codebook order), the theme rows, and the indicator row:

        ``kind``
            ``"code"``, ``"theme"`` or ``"indicator"``.
        ``code_id``
            The code (missing on theme and indicator rows).
        ``label``
            The code's label; the theme path on theme rows; ``"At least one applied-practice
            code"`` on the indicator row.
        ``theme``
            The code's theme; on theme rows the theme path the row rolls up. Nested themes
            ``"Theme > Subtheme"`` are rolled up at every level: ``"Special groups"`` covers
            ``"Special groups > Children"`` and ``"Special groups > Transgender and other groups"``.
        ``level``
            Kirkpatrick level (3 behaviour, 4 results); on theme rows the level shared by all its
            codes (missing if mixed); 3 on the indicator row.
        ``applied_practice``
            Whether the code is evidence of applying the training; on theme rows True/False when
            all its codes agree (missing if mixed); True on the indicator row.
        ``n_codes``
            Number of codes the row covers (1 for a code).
        ``n_interviewed``
            People in the group with at least one coded interview.
        ``n_with_code``
            Of these, people with the code (for a theme: with any code of the theme; for the
            indicator: with at least one applied-practice code) in at least one interview.
        ``pct_with_code``
            ``100 * n_with_code / n_interviewed`` (NaN when nobody was interviewed).
        ``ci_low``, ``ci_high``
            Wilson score interval of that share, in percent (NaN when ``n_interviewed`` is 0).
        ``confidence``
            The confidence level used.
        ``months_since_training``
            Median, over the group's coded interviews, of the months between the end of the
            person's training (``trainings.end_date``) and ``interview_date``; months of
            365.25/12 days. Repeated on every row of the group.

        ``result.attrs["rule"]`` records the consensus rule.

    Notes
    -----
    The level-3 indicator is the share of interviewees who report at least one code marked
    ``applied_practice`` in the codebook: evidence that training content was used at work
    (Kirkpatrick level 3, behaviour). Codes missing from the codebook (an unvalidated input) are
    shown with missing metadata and never count towards the indicator.

    Wilson (1927) score interval, with :math:`\\hat p = x/n` and :math:`z = \\Phi^{-1}(1-\\alpha/2)`:

    .. math:: \\frac{\\hat p + z^2/(2n) \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}

    It stays inside [0, 1] and keeps close to its nominal coverage for the small groups and the
    shares near 0 or 100% typical of follow-up interviews (Newcombe 1998), where the Wald interval
    fails. The intervals describe sampling uncertainty only; they assume interviewees are a random
    sample of the group, which :func:`followup_vs_gains` checks.

    Missing-data policy: interviews nobody coded, and interviews not linked to a participant, are
    left out; a participant not on the roster is kept with missing group values.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    JASA, 22, 209-212. Newcombe, R. G. (1998). Two-sided confidence intervals for the single
    proportion: comparison of seven methods. Statistics in Medicine, 17, 857-872.
    Kirkpatrick, D. L. & Kirkpatrick, J. D. (2006). Evaluating training programs (3rd ed.).

    Examples
    --------
    >>> import tip_eval as te
    >>> study, _ = te.datasets.make_study()
    >>> s = te.followup_summary(study, by="country")
    >>> s[s["kind"] == "indicator"][["country", "n_interviewed", "n_with_code"]]
       country  n_interviewed  n_with_code
    21     IDN             10            8
    43     KHM             27           25
    65     THA             63           51
    """
    from tip_eval import stats

    t = _Tables(data)
    rule = _check_rule(rule)
    confidence = _check_confidence(confidence)
    by_cols = as_by(by)
    attrs = t.attributes()
    check_by(by_cols, attrs.columns)
    key_cols = by_cols or ["group"]

    person, items, membership, interview_codes = _coded_people(t, rule)

    if "participant_id" in attrs:
        attrs_p = attrs.drop_duplicates("participant_id").astype({"participant_id": object}).set_index("participant_id")
    else:
        attrs_p = pd.DataFrame(index=pd.Index([], dtype=object))
    person_attrs = attrs_p.reindex(person.index)
    person_keys = group_keys(person_attrs, by_cols).reset_index(drop=True)
    roster_keys = group_keys(attrs_p, by_cols).reset_index(drop=True)
    if not by_cols:
        roster_keys = pd.DataFrame({"group": ["all"]})
    groups = pd.concat([roster_keys, person_keys], ignore_index=True).drop_duplicates()
    groups = groups.sort_values(key_cols, na_position="last", kind="stable").reset_index(drop=True)

    has = (person.to_numpy(dtype=np.int64) @ membership.T.astype(np.int64)) > 0 if len(person) else \
        np.zeros((0, len(items)), dtype=bool)

    # months since training, per coded interview
    iv = t.interviews
    months = pd.Series(np.nan, index=pd.RangeIndex(0))
    month_keys = pd.DataFrame(columns=key_cols)
    if len(interview_codes) and {"interview_id", "participant_id", "interview_date"} <= set(iv.columns):
        coded_iv = iv[iv["interview_id"].isin(interview_codes.index)].astype({"participant_id": object})
        ia = attrs_p.reindex(coded_iv["participant_id"])
        end = pd.to_datetime(ia["end_date"], errors="coerce") if "end_date" in ia else pd.Series(pd.NaT, index=ia.index)
        date = pd.to_datetime(coded_iv["interview_date"], errors="coerce")
        months = pd.Series((date.to_numpy() - end.to_numpy()) / np.timedelta64(1, "D") / DAYS_PER_MONTH)
        month_keys = group_keys(ia, by_cols).reset_index(drop=True)

    n_groups, n_items = len(groups), len(items)
    if n_groups == 0:
        return _empty(by_cols + list(SUMMARY_COLUMNS), attrs={"rule": rule})
    gidx = _group_index(person_keys, groups, key_cols)
    n_people = np.bincount(gidx, minlength=n_groups)
    n_with = np.zeros((n_groups, n_items), dtype=np.int64)
    np.add.at(n_with, gidx, has.astype(np.int64))
    med = np.full(n_groups, np.nan)
    if len(month_keys):
        m_idx = _group_index(month_keys, groups, key_cols)
        by_group = pd.Series(months.to_numpy(dtype=float)).groupby(m_idx).median()
        med[by_group.index.to_numpy(dtype=np.int64)] = by_group.to_numpy(dtype=float)

    out = groups.loc[np.repeat(np.arange(n_groups), n_items), key_cols].reset_index(drop=True)
    tiled = items.iloc[np.tile(np.arange(n_items), n_groups)].reset_index(drop=True)
    out = pd.concat([out, tiled], axis=1)
    out["n_interviewed"] = np.repeat(n_people, n_items).astype(np.int64)
    out["n_with_code"] = n_with.ravel()
    n_arr = out["n_interviewed"].to_numpy(dtype=float)
    x_arr = out["n_with_code"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pct_with_code"] = np.where(n_arr > 0, 100.0 * x_arr / n_arr, np.nan)
    low, high = stats.wilson_interval(x_arr, n_arr, confidence)
    out["ci_low"] = 100.0 * np.asarray(low, dtype=float)
    out["ci_high"] = 100.0 * np.asarray(high, dtype=float)
    out["confidence"] = confidence
    out["months_since_training"] = np.repeat(med, n_items)
    out["level"] = pd.array(pd.to_numeric(out["level"], errors="coerce"), dtype="Int64")
    out["applied_practice"] = _nullable_bool(out["applied_practice"])
    out = out[by_cols + list(SUMMARY_COLUMNS)].reset_index(drop=True)
    out.attrs["rule"] = rule
    return out


def _group_index(keys: pd.DataFrame, groups: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Row number in ``groups`` of each row of ``keys`` (missing keys match missing keys)."""
    numbered = groups[cols].assign(_gidx=np.arange(len(groups)))
    merged = keys[cols].reset_index(drop=True).merge(numbered, on=cols, how="left", sort=False)
    return merged["_gidx"].to_numpy(dtype=np.int64)


def _empty(columns: list[str], attrs: dict[str, Any] | None = None) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    out.attrs.update(attrs or {})
    return out


# --------------------------------------------------------------------------------------------------
# code_cooccurrence
# --------------------------------------------------------------------------------------------------
@memoised()
def code_cooccurrence(data: Any, rule: str = "primary") -> pd.DataFrame:
    """How often two codes are applied to the same interview: counts and the c-coefficient.

    Parameters
    ----------
    data : Study or mapping of DataFrames
        A :class:`~tip_eval.Study` or a dict with ``interviews``, ``codebook``, ``followup_codes``.
    rule : {"primary", "any", "all"}, default "primary"
        How a double-coded interview becomes one coding (see the module notes).

    Returns
    -------
    pandas.DataFrame
        One row per unordered pair of codes (``code_a`` before ``code_b`` in codebook order; every
        pair, also those never co-occurring; no row of a code with itself):

        ``code_a``, ``code_b``
            The two codes.
        ``label_a``, ``label_b``
            Their labels.
        ``n_interviews``
            Coded interviews (the units counted).
        ``n_a``, ``n_b``
            Interviews with code a, with code b.
        ``n_both``
            Interviews with both codes.
        ``c_coefficient``
            :math:`c = n_{12} / (n_1 + n_2 - n_{12})`: interviews with both codes as a share of
            interviews with either (0 = never together, 1 = always together). NaN when neither
            code was applied (denominator 0).

        ``result.attrs["rule"]`` records the consensus rule.

    Notes
    -----
    The unit is the interview (a document), not the person and not the coded passage: two codes
    co-occur when both are applied to the same interview. The c-coefficient is the co-occurrence
    coefficient of qualitative data analysis (ATLAS.ti's "c-coefficient", a Jaccard index of
    the two codes' interview sets); it does not depend on the number of interviews with neither
    code. ATLAS.ti computes it over coded quotations; here it is computed over interviews. With
    few interviews, a high c from two rare codes is weak evidence: read it with ``n_both``.

    References
    ----------
    Friese, S. (2019). Qualitative Data Analysis with ATLAS.ti (3rd ed.), on the c-coefficient.
    ATLAS.ti user manual, "Code Co-occurrence Table": c = n12 / (n1 + n2 - n12).
    Jaccard, P. (1912). The distribution of the flora in the alpine zone. New Phytologist, 11, 37-50.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, _ = te.datasets.make_study()
    >>> co = te.code_cooccurrence(study)
    >>> top = co.sort_values("c_coefficient", ascending=False).iloc[0]
    >>> top["code_a"], top["code_b"], int(top["n_both"]), round(float(top["c_coefficient"]), 2)
    ('ID_DEFINITIONS', 'ENG_SERVICES_SAFETY', 16, 0.32)
    """
    t = _Tables(data)
    rule = _check_rule(rule)
    codes, _, interview_codes = _prepare_codes(t, rule)
    ids = codes["code_id"].tolist()
    labels = codes["label"].tolist()
    k = len(ids)
    x = interview_codes.to_numpy(dtype=np.int64)
    both = x.T @ x if len(x) else np.zeros((k, k), dtype=np.int64)
    single = np.diag(both).copy()
    ia, ib = np.triu_indices(k, 1)
    n12 = both[ia, ib]
    n1, n2 = single[ia], single[ib]
    denom = (n1 + n2 - n12).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(denom > 0, n12 / denom, np.nan)
    out = pd.DataFrame({
        "code_a": pd.Series([ids[i] for i in ia], dtype=object),
        "code_b": pd.Series([ids[j] for j in ib], dtype=object),
        "label_a": pd.Series([labels[i] for i in ia], dtype=object),
        "label_b": pd.Series([labels[j] for j in ib], dtype=object),
        "n_interviews": np.full(len(ia), len(x), dtype=np.int64),
        "n_a": n1.astype(np.int64),
        "n_b": n2.astype(np.int64),
        "n_both": n12.astype(np.int64),
        "c_coefficient": c.astype(float),
    }, columns=list(COOCCURRENCE_COLUMNS))
    out.attrs["rule"] = rule
    return out


# --------------------------------------------------------------------------------------------------
# coder_agreement
# --------------------------------------------------------------------------------------------------
@memoised()
def coder_agreement(data: Any) -> pd.DataFrame:
    """Agreement between coders on the double-coded interviews, per code and overall.

    Parameters
    ----------
    data : Study or mapping of DataFrames
        A :class:`~tip_eval.Study` or a dict with ``followup_codes`` (and ``interviews`` for the
        coder order, ``codebook`` for the labels).

    Returns
    -------
    pandas.DataFrame
        One row per code (codebook order), then one ``"overall"`` row:

        ``kind``
            ``"code"`` or ``"overall"``.
        ``code_id``, ``label``
            The code (missing on the overall row; its label is ``"All codes (pooled)"``).
        ``n_double_coded``
            Interviews coded by two or more coders (the units compared).
        ``n_coders``
            Largest number of coders on one interview.
        ``n_either``
            Double-coded interviews to which at least one coder applied the code (on the overall
            row: interview x code decisions with at least one coder applying the code). Agreement
            on a code almost nobody applies rests on these few interviews.
        ``pct_agreement``
            Percent agreement (``te.stats.percent_agreement``): per double-coded interview, the
            share of coder pairs making the same decision (applied / not applied), averaged over
            interviews; with two coders, the percent of interviews on which they agree. Chance
            agreement is not removed: a rare code gets a high percent agreement for free.
        ``cohen_kappa``
            Cohen's (1960) kappa between the first two coders of each interview:
            :math:`\\kappa = (p_o - p_e)/(1 - p_e)`, :math:`p_e` from each coder's marginal rate.
        ``krippendorff_alpha``
            Krippendorff's alpha (nominal) over all coders of each interview:
            :math:`\\alpha = 1 - D_o/D_e` (Krippendorff 2011).
        ``rating``
            Plain words for the kappa on the Landis & Koch (1977) scale (poor, slight, fair,
            moderate, substantial, almost perfect), from ``te.stats.agreement_label``;
            ``"not computable"`` where kappa is NaN.

    Notes
    -----
    Coder order: the coders of an interview are ordered as listed in ``interviews.coders`` (see
    the module notes). Kappa is computed on coder *positions*: the primary coding against the
    second coding of each double-coded interview, whoever the two coders are. When coder pairs vary
    between interviews (a/b on some, a/c on others), kappa treats "first" and "second" coder as
    two raters; Krippendorff's alpha makes no such assumption, allows any number of coders and
    missing codings, and is the better summary. With more than two coders on an interview, kappa
    uses the first two and alpha uses all.

    Overall row: every interview x code decision of the double-coded interviews is one unit, and
    the same three statistics are computed on these pooled decisions (not an average of the
    per-code values).

    Kappa and alpha are NaN when they are undefined: no double-coded interview, or a code that no
    coder (or every coder on every interview) applied, since then expected disagreement is 0. Such a
    code shows ``pct_agreement`` 100 and NaN kappa: agreement cannot be judged from it.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educ. Psychol. Meas., 20,
    37-46. Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School
    for Communication, University of Pennsylvania. Landis, J. R. & Koch, G. G. (1977). The
    measurement of observer agreement for categorical data. Biometrics, 33, 159-174.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, truth = te.datasets.make_study()
    >>> ag = te.coder_agreement(study)
    >>> ag.loc[ag["code_id"] == "TRUST_BUILDING", "rating"].item()  # a planted low-agreement code
    'fair'
    """
    t = _Tables(data)
    codes = _code_table(t)
    codings = _codings(t, codes["code_id"].tolist())
    pairs = codings.pairs
    n_per = pairs.groupby("interview_id", sort=False)["position"].transform("size").to_numpy()
    keep = n_per >= 2
    sub = pairs[keep].reset_index(drop=True)
    mat = codings.matrix[keep]
    units = pd.unique(sub["interview_id"])
    n_units = len(units)
    n_coders = int(sub["position"].max() + 1) if len(sub) else 0
    # cube: units x positions x codes, NaN where a position has no coder
    cube = np.full((n_units, max(n_coders, 2), len(codes)), np.nan)
    if n_units:
        u = pd.Index(units).get_indexer(sub["interview_id"])
        cube[u, sub["position"].to_numpy()] = mat.astype(float)

    rows = []
    for j, c in enumerate(codes.itertuples(index=False)):
        rows.append({"kind": "code", "code_id": c.code_id, "label": c.label,
                     **_agreement_stats(cube[:, :, j], n_units, n_coders)})
    pooled = cube.transpose(0, 2, 1).reshape(-1, cube.shape[1])
    overall = _agreement_stats(pooled, n_units, n_coders)
    rows.append({"kind": "overall", "code_id": pd.NA, "label": "All codes (pooled)", **overall})
    out = pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))
    out["code_id"] = out["code_id"].astype(object)
    return out


def _agreement_stats(m: np.ndarray, n_units: int, n_coders: int) -> dict[str, Any]:
    """Statistics of one units x positions matrix (0/1, NaN where a position has no coder)."""
    from tip_eval import stats

    nan = float("nan")
    if m.shape[0] == 0:
        return {"n_double_coded": n_units, "n_coders": n_coders, "n_either": 0, "pct_agreement": nan,
                "cohen_kappa": nan, "krippendorff_alpha": nan, "rating": _rating(nan)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        either = int((np.nanmax(m, axis=1) > 0).sum())
        pct = float(stats.percent_agreement(m))
        a, b = m[:, 0], m[:, 1]
        ok = ~np.isnan(a) & ~np.isnan(b)
        kappa = float(stats.cohen_kappa(a[ok], b[ok])) if ok.any() else nan
        alpha = float(stats.krippendorff_alpha(m, level="nominal"))
    return {"n_double_coded": n_units, "n_coders": n_coders, "n_either": either, "pct_agreement": pct,
            "cohen_kappa": kappa, "krippendorff_alpha": alpha, "rating": _rating(kappa)}


#: ``rating`` when kappa is undefined
NOT_COMPUTABLE = "not computable"


def _rating(kappa: float) -> str:
    from tip_eval import stats

    label = stats.agreement_label(kappa)
    return NOT_COMPUTABLE if label is None else str(label)


# --------------------------------------------------------------------------------------------------
# followup_vs_gains
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FollowupGains:
    """Result of :func:`followup_vs_gains`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per code, then the level-3 indicator row; columns in :func:`followup_vs_gains`.
    pooled : pandas.DataFrame
        One row: the pooled logistic model of all applied-practice codes on knowledge gain.
    selection : pandas.DataFrame
        One row: knowledge gain of the interviewed against the not interviewed.
    note : str
        Plain-words statement on whether interviewees may not be a random sample, and on any
        people or models left out.
    reliability : float
        Test reliability used for the reliable-change categories (NaN when unknown).
    confidence : float
        Confidence level of every interval.
    rule : str
        Consensus rule used for double-coded interviews.
    """

    table: pd.DataFrame
    pooled: pd.DataFrame
    selection: pd.DataFrame
    note: str
    reliability: float
    confidence: float
    rule: str
    n_interviewed: int = 0
    n_interviewed_with_gain: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        return (f"FollowupGains({len(self.table)} rows, {self.n_interviewed_with_gain} of {self.n_interviewed} "
                f"interviewed people with a knowledge gain; rule={self.rule!r})\n{self.note}")


@memoised()
def followup_vs_gains(
    data: Any,
    confidence: float = 0.95,
    p_adjust: str = "holm",
    rule: str = "primary",
    reliability: float | None = None,
) -> FollowupGains:
    """Do the people who report applying the training have larger knowledge gains?

    For each code, interviewed people with the code are compared with interviewed people without
    it on their knowledge gain (post-test minus pre-test, percentage points); each code is modelled
    on knowledge gain by logistic regression; and the interviewed are compared with the people not
    interviewed, because interviewees may not be a random sample.

    Parameters
    ----------
    data : Study or mapping of DataFrames
        A :class:`~tip_eval.Study`, or a dict of canonical tables with ``scores``, ``interviews``,
        ``codebook``, ``followup_codes`` (and ``responses`` for the reliability).
    confidence : float, default 0.95
        Confidence level of every interval.
    p_adjust : str, default "holm"
        Method of ``te.stats.p_adjust`` for the Mann-Whitney p-values across the code rows
        ("holm", "bonferroni", "hochberg", "BH", "BY", "none").
    rule : {"primary", "any", "all"}, default "primary"
        How a double-coded interview becomes one coding (see the module notes).
    reliability : float, optional
        Reliability of the test for the reliable-change categories. By default the study's own
        pre-test KR-20 (0/1 items) or Cronbach's alpha, from ``responses``; when the study has
        only total scores the reliable-change shares are NaN unless this is given.

    Returns
    -------
    FollowupGains
        ``.table``: one row per code (codebook order, ``kind`` ``"code"``), then the level-3
        indicator row (``kind`` ``"indicator"``: at least one applied-practice code). Columns:

        ``kind, code_id, label, theme, level, applied_practice``
            As in :func:`followup_summary` (``code_id`` missing on the indicator row).
        ``n_with``, ``n_without``
            Interviewed people with a knowledge gain (matched pre- and post-test) who have / do not
            have the code.
        ``gain_with``, ``gain_without``
            Their mean knowledge gain, percentage points (post pct minus pre pct).
        ``diff``
            ``gain_with - gain_without``.
        ``ci_low``, ``ci_high``
            Welch interval of ``diff``: :math:`diff \\pm t_{1-\\alpha/2,\\nu} \\sqrt{s_1^2/n_1 +
            s_2^2/n_2}` with Welch-Satterthwaite :math:`\\nu` (NaN unless both groups have 2 or
            more people and some spread).
        ``confidence``
            The confidence level.
        ``p_mannwhitney``
            Two-sided Mann-Whitney U test of the gains with against without, as
            ``scipy.stats.mannwhitneyu(with, without)`` (``method="auto"``: exact without ties
            and under 8 per group, otherwise the normal approximation with tie correction and
            continuity correction).
        ``p_adjusted``
            ``p_mannwhitney`` adjusted across the code rows by ``p_adjust``. The indicator row
            is one pre-specified test and keeps its raw p.
        ``pct_reliable_improved_with``, ``pct_no_reliable_change_with``, ``pct_reliable_declined_with``
            Percent of the people with the code in each reliable-change category (Jacobson &
            Truax 1991; ``te.stats.reliable_change`` with the pre-test reliability and the standard
            deviation of every pre-test score of the study, as in ``te.gains``). NaN when the
            reliability is unknown.
        ``pct_reliable_improved_without``, ``pct_no_reliable_change_without``, ``pct_reliable_declined_without``
            The same for the people without the code.
        ``odds_ratio_per_10``
            :math:`\\exp(10\\beta)` from the logistic regression ``logit P(code) = a + \\beta\\,gain``
            (statsmodels ``Logit``, maximum likelihood): the multiplicative change in the odds of
            reporting the code for every 10 percentage points more knowledge gain. Above 1: people
            who learned more report the code more often. Fitted for every code: the
            applied-practice rows test the level-3 link; the other rows (sharing, results,
            barriers) are descriptive.
        ``or_ci_low``, ``or_ci_high``
            Wald interval, :math:`\\exp(10(\\hat\\beta \\pm z\\,SE))`.
        ``p_logit``
            Wald p-value of :math:`\\beta` (not adjusted).
        ``note``
            Why a row's model or test is missing, in plain words (empty when nothing is missing):
            fewer than 2 people with or without the code, or perfect separation (everyone with
            the code gained more, or less, than everyone without it), where the maximum-likelihood
            odds ratio does not exist.

        ``.pooled`` (one row): ``n_people, n_codes, odds_ratio_per_10, or_ci_low, or_ci_high,
        p_value, confidence, note``: one logistic model of all applied-practice codes stacked (one
        row per person x code, a separate intercept per code, a common slope on gain), with
        standard errors robust to the clustering of codes within people. Codes nobody or
        everybody reports are left out (named in ``note``). This is the single summary of the
        link "more learning, more applied behaviour change".

        ``.selection`` (one row): ``n_interviewed, n_not_interviewed`` (people with a knowledge
        gain who were / were not interviewed), ``gain_interviewed, gain_not_interviewed`` (mean
        gains), ``diff`` (interviewed minus not), ``ci_low, ci_high`` (Welch), ``confidence``,
        ``p_value`` (Welch t-test), ``p_mannwhitney``.

        ``.note``: plain words on the selection check, and on people left out.

    Notes
    -----
    Knowledge gain is :math:`D = post\\_pct - pre\\_pct` per person, matched by participant_id,
    as in ``te.gains``. A person's code status is the consensus coding (``rule``) in any of their
    interviews. Interviewees without both tests are left out of the comparisons (counted in the
    note).

    The comparisons are associations among volunteers, not effects: people who learned more may
    also be more motivated, more senior, or better at describing their work. And interviewees are
    often those easiest to reach or most positive, so shares of behaviour change among them can
    overstate the programme's reach; ``.selection`` shows whether they learned more than the rest.

    References
    ----------
    Welch, B. L. (1947). Biometrika, 34, 28-35. Mann, H. B. & Whitney, D. R. (1947). Ann. Math.
    Statist., 18, 50-60. Jacobson, N. S. & Truax, P. (1991). J. Consult. Clin. Psychol., 59,
    12-19. Hosmer, D. W., Lemeshow, S. & Sturdivant, R. X. (2013). Applied Logistic Regression
    (3rd ed.). Albert, A. & Anderson, J. A. (1984). On the existence of maximum likelihood
    estimates in logistic regression models. Biometrika, 71, 1-10 (separation).
    Kirkpatrick, D. L. & Kirkpatrick, J. D. (2006). Evaluating training programs.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, _ = te.datasets.make_study()
    >>> res = te.followup_vs_gains(study)
    >>> bool(res.pooled["or_ci_low"].item() > 1)  # more learning, more applied practice reported
    True
    """
    from tip_eval import stats

    t = _Tables(data)
    rule = _check_rule(rule)
    confidence = _check_confidence(confidence)
    if not isinstance(p_adjust, str):
        raise ValueError(f"p_adjust must be the name of a method such as 'holm'; got {p_adjust!r}")
    stats.p_adjust([0.5], p_adjust)  # validates the method name with a clear message

    pre, post = _knowledge_scores(t)
    gain = (post - pre).dropna()
    matched = gain.index

    # reliable change over everyone with both tests
    if reliability is None:
        from tip_eval.analysis.inputs import pre_test_reliability

        reliability = pre_test_reliability(t)
    r_xx = float("nan") if reliability is None else float(reliability)
    pre_all = pre.dropna().to_numpy(dtype=float)
    sd_pre = float(pre_all.std(ddof=1)) if pre_all.size >= 2 else float("nan")
    if len(matched) and np.isfinite(r_xx):
        rc = stats.reliable_change(pre.reindex(matched), post.reindex(matched), r_xx, sd_pre=sd_pre)
        category = rc["category"].astype(object)
    else:
        category = pd.Series(np.nan, index=matched, dtype=object)

    codes = _prepare_codes(t, rule)[0]
    person = _coded_people(t, rule)[0]
    n_interviewed = len(person)
    with_gain = person.index[person.index.isin(matched)]
    p_codes = person.loc[with_gain]
    g = gain.reindex(with_gain).to_numpy(dtype=float)
    cat = category.reindex(with_gain).to_numpy(dtype=object)

    applied_mask = codes["applied_practice"].fillna(False).to_numpy(dtype=bool)
    indicator = p_codes.to_numpy(dtype=bool)[:, applied_mask].any(axis=1) if len(p_codes) else np.zeros(0, dtype=bool)

    rows = []
    for j, c in enumerate(codes.itertuples(index=False)):
        y = p_codes.iloc[:, j].to_numpy(dtype=bool) if len(p_codes) else np.zeros(0, dtype=bool)
        rows.append({"kind": "code", "code_id": c.code_id, "label": c.label, "theme": c.theme, "level": c.level,
                     "applied_practice": c.applied_practice, **_compare(y, g, cat, confidence)})
    rows.append({"kind": "indicator", "code_id": pd.NA, "label": INDICATOR_LABEL, "theme": pd.NA, "level": 3,
                 "applied_practice": True, **_compare(indicator, g, cat, confidence)})
    table = pd.DataFrame(rows)
    is_code = (table["kind"] == "code").to_numpy()
    adj = np.full(len(table), np.nan)
    if is_code.any():
        adj[is_code] = np.asarray(stats.p_adjust(table.loc[is_code, "p_mannwhitney"].to_numpy(dtype=float), p_adjust),
                                  dtype=float)
    adj[~is_code] = table.loc[~is_code, "p_mannwhitney"].to_numpy(dtype=float)
    table["p_adjusted"] = adj
    table["confidence"] = confidence
    table["code_id"] = table["code_id"].astype(object)
    table["level"] = pd.array(pd.to_numeric(table["level"], errors="coerce"), dtype="Int64")
    table["applied_practice"] = _nullable_bool(table["applied_practice"])
    table = table[list(GAINS_COLUMNS)]

    applied_codes = [cid for cid, a in zip(codes["code_id"], applied_mask) if a]
    pooled = _pooled_logit(p_codes[applied_codes] if applied_codes else p_codes.iloc[:, :0], g, confidence)

    interviewed_ids = set(t.interviews["participant_id"].dropna()) if "participant_id" in t.interviews else set()
    iv_mask = np.asarray(matched.isin(list(interviewed_ids)), dtype=bool)
    gv = gain.to_numpy(dtype=float)
    selection, sel_note = _selection(gv[iv_mask], gv[~iv_mask], confidence)

    notes = [sel_note]
    if n_interviewed > len(with_gain):
        notes.append(f"{n_interviewed - len(with_gain)} of {n_interviewed} interviewed people lack a pre- or "
                     "post-test and are left out of the comparison of gains.")
    if not np.isfinite(r_xx):
        notes.append("The test's reliability is unknown (no item responses), so reliable-change shares are "
                     "missing; pass reliability= to compute them.")
    return FollowupGains(table=table, pooled=pooled, selection=selection, note=" ".join(notes), reliability=r_xx,
                         confidence=confidence, rule=rule, n_interviewed=n_interviewed,
                         n_interviewed_with_gain=len(with_gain), notes=tuple(notes))


def _knowledge_scores(t: _Tables) -> tuple[pd.Series, pd.Series]:
    """Pre- and post-test percent per participant (NaN where a test is missing)."""
    sc = t.scores
    empty = pd.Series([], dtype=float, index=pd.Index([], dtype=object, name="participant_id"))
    if sc.empty or not {"participant_id", "phase", "pct"} <= set(sc.columns):
        return empty, empty.copy()
    s = sc[["participant_id", "phase", "pct"]].dropna(subset=["participant_id", "phase"])
    s = s.astype({"participant_id": object, "phase": object})
    wide = s.pivot_table(index="participant_id", columns="phase", values="pct", aggfunc="mean")
    pre = wide["pre"].astype(float) if "pre" in wide else pd.Series(np.nan, index=wide.index)
    post = wide["post"].astype(float) if "post" in wide else pd.Series(np.nan, index=wide.index)
    return pre, post


def _compare(y: np.ndarray, g: np.ndarray, cat: np.ndarray, confidence: float) -> dict[str, Any]:
    """With-versus-without comparison of gains for one code (y: bool per person)."""
    nan = float("nan")
    a, b = g[y], g[~y]
    out: dict[str, Any] = {"n_with": int(a.size), "n_without": int(b.size),
                           "gain_with": float(a.mean()) if a.size else nan,
                           "gain_without": float(b.mean()) if b.size else nan}
    out["diff"] = out["gain_with"] - out["gain_without"]
    _, lo, hi, _ = _welch(a, b, confidence)
    out["ci_low"], out["ci_high"] = lo, hi
    out["p_mannwhitney"] = _mannwhitney(a, b)
    for side, mask in (("with", y), ("without", ~y)):
        c = cat[mask]
        known = np.array([isinstance(v, str) for v in c], dtype=bool)
        k = int(known.sum())
        for name, label in (("improved", "improved"), ("no_reliable_change", "no reliable change"),
                            ("declined", "declined")):
            col = f"pct_reliable_{name}_{side}" if name != "no_reliable_change" else f"pct_no_reliable_change_{side}"
            out[col] = 100.0 * float(np.sum(c[known] == label)) / k if k else nan
    orr, lo, hi, p, note = _logit_or(y, g, confidence)
    out.update({"odds_ratio_per_10": orr, "or_ci_low": lo, "or_ci_high": hi, "p_logit": p, "note": note})
    return out


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, float, float, float]:
    """Welch's t-test of mean(a) - mean(b): (diff, ci_low, ci_high, p); NaN when not computable."""
    nan = float("nan")
    if a.size < 2 or b.size < 2:
        return (float(a.mean() - b.mean()) if a.size and b.size else nan), nan, nan, nan
    if np.var(a, ddof=1) + np.var(b, ddof=1) <= 0:
        return float(a.mean() - b.mean()), nan, nan, nan
    from scipy import stats as sps

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's precision warning when a group is constant
        res = sps.ttest_ind(a, b, equal_var=False)
        ci = res.confidence_interval(confidence_level=confidence)
    return float(a.mean() - b.mean()), float(ci.low), float(ci.high), float(res.pvalue)


def _mannwhitney(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0 or b.size == 0:
        return float("nan")
    from scipy import stats as sps

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def _separated(y: np.ndarray, x: np.ndarray) -> bool:
    """True when a threshold on x splits y perfectly (complete or quasi-complete separation)."""
    x1, x0 = x[y], x[~y]
    return bool(x1.max() <= x0.min() or x1.min() >= x0.max())


def _logit_or(y: np.ndarray, g: np.ndarray, confidence: float) -> tuple[float, float, float, float, str]:
    """Odds ratio per 10 points of gain from ``Logit(y ~ 1 + gain/10)``, or NaNs and a note."""
    nan = float("nan")
    n1 = int(y.sum())
    n0 = int(y.size - n1)
    if n1 < 2 or n0 < 2:
        who = "with" if n1 < 2 else "without"
        return nan, nan, nan, nan, (f"too few interviewed people {who} the code ({min(n1, n0)}) for a "
                                    "logistic model; at least 2 with and 2 without are needed")
    x = g / 10.0
    if np.ptp(x) == 0:
        return nan, nan, nan, nan, "everyone has the same knowledge gain; no logistic model"
    if _separated(y, x):
        return nan, nan, nan, nan, ("perfect separation: the knowledge gains of people with the code do not "
                                    "overlap those without it, so the odds ratio cannot be estimated")
    fit = _fit_logit(y.astype(float), np.column_stack([np.ones_like(x), x]), confidence)
    if isinstance(fit, str):
        return nan, nan, nan, nan, fit
    beta, lo, hi, p = fit
    return math.exp(beta), math.exp(lo), math.exp(hi), p, ""


def _fit_logit(y: np.ndarray, X: np.ndarray, confidence: float, groups: np.ndarray | None = None
               ) -> tuple[float, float, float, float] | str:
    """Fit a Logit; return (beta, ci_low, ci_high, p) of the last column, or a note on failure."""
    import statsmodels.api as sm
    from statsmodels.tools import sm_exceptions as sme

    problems = tuple(getattr(sme, n) for n in ("ConvergenceWarning", "PerfectSeparationWarning",
                                               "HessianInversionWarning") if hasattr(sme, n))
    errors = tuple(getattr(sme, n) for n in ("PerfectSeparationError",) if hasattr(sme, n))
    kwargs: dict[str, Any] = {"disp": 0, "maxiter": 200}
    if groups is not None:
        kwargs.update(cov_type="cluster", cov_kwds={"groups": groups})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = sm.Logit(y, X).fit(**kwargs)
        except (np.linalg.LinAlgError, ValueError, *errors) as exc:  # pragma: no cover - depends on data
            return f"logistic model failed ({type(exc).__name__}); odds ratio not estimated"
    if any(issubclass(w.category, problems) for w in caught) or not res.mle_retvals.get("converged", True):
        return "logistic model did not converge (near-perfect separation or too few people); odds ratio not estimated"
    params = np.asarray(res.params, dtype=float)
    ci = np.asarray(res.conf_int(alpha=1.0 - confidence), dtype=float)
    p = float(np.asarray(res.pvalues, dtype=float)[-1])
    if not (np.isfinite(params[-1]) and np.all(np.isfinite(ci[-1]))):
        return "logistic model gave no finite estimate; odds ratio not estimated"
    return float(params[-1]), float(ci[-1, 0]), float(ci[-1, 1]), p


def _pooled_logit(p_codes: pd.DataFrame, g: np.ndarray, confidence: float) -> pd.DataFrame:
    """Stacked logistic model of the applied-practice codes on gain, code intercepts, cluster-robust SE."""
    nan = float("nan")
    y_all = p_codes.to_numpy(dtype=bool)
    n = y_all.shape[0]
    usable = [j for j in range(y_all.shape[1]) if 0 < y_all[:, j].sum() < n]
    dropped = [str(p_codes.columns[j]) for j in range(y_all.shape[1]) if j not in usable]
    row: dict[str, Any] = {"n_people": int(n), "n_codes": len(usable), "odds_ratio_per_10": nan, "or_ci_low": nan,
                           "or_ci_high": nan, "p_value": nan, "confidence": confidence, "note": ""}
    notes = []
    if dropped:
        notes.append(f"left out (reported by nobody or by everybody): {', '.join(dropped)}")
    if n < 3 or not usable:
        notes.append("too few interviewed people with a knowledge gain or no usable applied-practice code; "
                     "no pooled model")
        row["note"] = "; ".join(notes)
        return pd.DataFrame([row], columns=list(POOLED_COLUMNS))
    k = len(usable)
    y = y_all[:, usable].T.ravel().astype(float)  # code-major stacking
    x = np.tile(g / 10.0, k)
    dummies = np.kron(np.eye(k), np.ones((n, 1)))
    groups = np.tile(np.arange(n), k)
    fit = _fit_logit(y, np.column_stack([dummies, x]), confidence, groups=groups)
    if isinstance(fit, str):
        notes.append(fit)
    else:
        beta, lo, hi, p = fit
        row.update(odds_ratio_per_10=math.exp(beta), or_ci_low=math.exp(lo), or_ci_high=math.exp(hi), p_value=p)
    row["note"] = "; ".join(notes)
    return pd.DataFrame([row], columns=list(POOLED_COLUMNS))


def _selection(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[pd.DataFrame, str]:
    """Gains of the interviewed (a) against the not interviewed (b), and the plain-words note."""
    diff, lo, hi, p = _welch(a, b, confidence)
    row = {"n_interviewed": int(a.size), "n_not_interviewed": int(b.size),
           "gain_interviewed": float(a.mean()) if a.size else float("nan"),
           "gain_not_interviewed": float(b.mean()) if b.size else float("nan"),
           "diff": diff, "ci_low": lo, "ci_high": hi, "confidence": confidence, "p_value": p,
           "p_mannwhitney": _mannwhitney(a, b)}
    frame = pd.DataFrame([row], columns=list(SELECTION_COLUMNS))
    pct = f"{100 * confidence:g}%"
    head = ("Interviewees may not be a random sample of the people trained: those who agree to a follow-up "
            "interview are often the more engaged or the easier to reach.")
    if a.size == 0:
        return frame, head + " Nobody with both knowledge tests was interviewed, so this cannot be checked."
    if b.size == 0:
        return frame, head + (" Everyone with both knowledge tests was interviewed, so there is nobody to "
                              "compare them with.")
    if not np.isfinite(p):
        return frame, head + (f" Interviewed people gained {row['gain_interviewed']:.1f} points on the knowledge "
                              f"test and the others {row['gain_not_interviewed']:.1f}; too few people to test the "
                              "difference.")
    detail = (f"interviewed people gained {row['gain_interviewed']:.1f} points on the knowledge test on average, "
              f"those not interviewed {row['gain_not_interviewed']:.1f} (difference {diff:+.1f} points, {pct} CI "
              f"{lo:.1f} to {hi:.1f}; Welch p = {p:.3g})")
    if p < 1.0 - confidence:
        more = "more" if diff > 0 else "less"
        verdict = (f" Their gains differ: {detail}. Interviewees learned {more} than the rest, so shares of "
                   f"behaviour change among them probably {'overstate' if diff > 0 else 'understate'} those "
                   "of all participants.")
    else:
        verdict = (f" Their gains do not differ clearly: {detail}. This is reassuring but does not prove the "
                   "interviewees are representative; they may differ in ways the test does not measure.")
    return frame, head + verdict
