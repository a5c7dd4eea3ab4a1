"""Scoring of answers: each participant's total per phase from the item responses.

Used by the loader (:mod:`tip_eval.io.load`), by :class:`~tip_eval.study.Study` (scores derived from
responses when none are given) and by the synthetic studies of :mod:`tip_eval.datasets`, which
re-exports :func:`scores_from_responses` under its old name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval import schemas

__all__ = ["scores_from_responses"]


def scores_from_responses(responses: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Total each participant's score per phase from item responses.

    ``max_score`` is the sum of ``points`` over the item bank's items (every item counts: a skipped
    item scores 0), and ``pct = 100 * score / max_score``.
    """
    max_score = float(items["points"].sum())
    # one grouped pass over factorised keys (groups in order of first appearance, as groupby(sort=False);
    # rows with a missing key are left out, a missing score counts 0, training_id is the first non-missing)
    r = responses
    valid = (r["participant_id"].notna() & r["phase"].notna()).to_numpy()
    if not valid.all():
        r = r.loc[valid]
    pcodes, _ = pd.factorize(r["participant_id"])
    hcodes, phases = pd.factorize(r["phase"])
    group, _ = pd.factorize(pcodes.astype(np.int64) * max(len(phases), 1) + hcodes)
    n = int(group.max()) + 1 if len(group) else 0
    first = pd.Series(group).drop_duplicates().index.to_numpy()
    points = pd.to_numeric(r["score"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    total = np.bincount(group, weights=np.nan_to_num(points, nan=0.0), minlength=n)
    has_t = r["training_id"].notna().to_numpy()
    t_first = pd.Series(np.flatnonzero(has_t), index=group[has_t]).groupby(level=0, sort=False).first()
    t_pos = np.full(n, -1, dtype=np.int64)
    t_pos[t_first.index.to_numpy()] = t_first.to_numpy()
    training = r["training_id"].iloc[np.maximum(t_pos, 0)].reset_index(drop=True) if n else r["training_id"].iloc[:0]
    if (t_pos < 0).any():
        training = training.where(pd.Series(t_pos >= 0))
    s = pd.DataFrame({"participant_id": r["participant_id"].iloc[first].reset_index(drop=True),
                      "phase": r["phase"].iloc[first].reset_index(drop=True),
                      "training_id": training, "score": total})
    s["max_score"] = max_score
    s["pct"] = 100.0 * s["score"] / max_score
    return s[list(schemas.TABLES["scores"].to_schema().columns)]
