"""What the follow-up analyses share.

The tables they need, the codings of each interview and the consensus rule, per person (see
:mod:`tip_eval.analysis.followup` for the conventions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import is_study
from tip_eval.i18n import N_

__all__ = ["DAYS_PER_MONTH", "INDICATOR_LABEL", "RULES"]

#: consensus rules accepted by ``rule=``
RULES: tuple[str, ...] = ("primary", "any", "all")

#: average length of a month in days (365.25 / 12), for ``months_since_training``
DAYS_PER_MONTH = 365.25 / 12.0

#: label of the level-3 indicator row
INDICATOR_LABEL = N_("At least one applied-practice code")  # English in results; translated where shown

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
        # an interview its listed coder coded without applying any code has no coding rows in a tool's
        # export (Taguette, QualCoder list only the codes applied): it was coded all the same, and
        # counts in every denominator with no code
        known = pd.MultiIndex.from_frame(pairs[["interview_id", "coder"]])
        silent = listed[~pd.MultiIndex.from_frame(listed[["interview_id", "coder"]]).isin(known)]
        if len(silent):
            extra = silent[["interview_id", "coder"]].reset_index(drop=True)
            extra["appearance"] = np.arange(len(pairs), len(pairs) + len(extra))
            pairs = pd.concat([pairs, extra], ignore_index=True)
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
            pd.MultiIndex.from_frame(fc[["interview_id", "coder"]])
        )
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
        return pd.DataFrame(
            columns=interview_codes.columns, index=pd.Index([], name="participant_id", dtype=object), dtype=bool
        )
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
        rows.append(
            {
                "kind": "code",
                "code_id": c.code_id,
                "label": c.label,
                "theme": c.theme,
                "level": c.level,
                "applied_practice": c.applied_practice,
            }
        )
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
        rows.append(
            {
                "kind": "theme",
                "code_id": pd.NA,
                "label": p,
                "theme": p,
                "level": _shared(codes.loc[m, "level"]),
                "applied_practice": _shared(codes.loc[m, "applied_practice"]),
            }
        )
        members.append(m)
    applied_mask = codes["applied_practice"].fillna(False).to_numpy(dtype=bool)
    rows.append(
        {
            "kind": "indicator",
            "code_id": pd.NA,
            "label": INDICATOR_LABEL,
            "theme": pd.NA,
            "level": 3,
            "applied_practice": True,
        }
    )
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


def _group_index(keys: pd.DataFrame, groups: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Row number in ``groups`` of each row of ``keys`` (missing keys match missing keys)."""
    numbered = groups[cols].assign(_gidx=np.arange(len(groups)))
    merged = keys[cols].reset_index(drop=True).merge(numbered, on=cols, how="left", sort=False)
    return merged["_gidx"].to_numpy(dtype=np.int64)


def _empty(columns: list[str], attrs: dict[str, Any] | None = None) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    out.attrs.update(attrs or {})
    return out
