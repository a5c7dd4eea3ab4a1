"""Reading a whole study: every source through its layout, types parsed, responses scored.

The result (:class:`Loaded`) is still unvalidated: :func:`tip_eval.study.load_study` passes it to
:func:`tip_eval.validation.check_tables`, which applies the schemas and the cross-table rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from tip_eval import schemas
from tip_eval.io.coerce import coerce_frame, normalize_id
from tip_eval.io.config import read_config
from tip_eval.io.layouts import LayoutContext, Mapped
from tip_eval.io.registry import LAYOUTS
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


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (provenance and the cache key)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_sources(path: str | Path, config: Mapping[str, Any] | None = None) -> Loaded:
    """Read every source of a study into canonical tables with provenance (see module docstring)."""
    cfg = read_config(path, config)
    ctx = LayoutContext(settings=dict(cfg.settings))
    mapped: list[Mapped] = []
    source_rows = []
    for src in cfg.sources:
        if not src.file.exists():
            from tip_eval.errors import InputRefused

            raise InputRefused(src.name, "is listed in study.toml but does not exist.",
                               "Check the file name in study.toml, or add the file to the study folder.")
        digest = file_sha256(src.file)
        got = LAYOUTS[src.layout](src, ctx)
        mapped.extend(got)
        for m in got:
            if m.table in schemas.TABLES:
                source_rows.append({"file": m.file, "sheet": m.sheet if m.sheet is not None else "", "table": m.table,
                                    "layout": src.layout, "sha256": digest})
    from tip_eval.io.layouts_partner import finish_sources

    mapped = finish_sources(mapped, ctx, ctx.settings, cfg.root)
    excerpts = _excerpts([m for m in mapped if m.table == "excerpts"])
    mapped = [m for m in mapped if m.table in schemas.TABLES]
    headers: dict[tuple, dict[str, str]] = {}
    by_table: dict[str, list[pd.DataFrame]] = {}
    for m in mapped:
        headers.setdefault((m.file, m.sheet), {}).update(m.headers)
        by_table.setdefault(m.table, []).append(m.frame)
    problems = list(ctx.problems)
    tables: dict[str, pd.DataFrame] = {}
    quarantined: dict[str, pd.DataFrame] = {}
    for table, frames in by_table.items():
        raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
        settings = dict(cfg.settings)
        typed, probs, bad = coerce_frame(raw, headers, settings)
        problems.extend(probs)
        if bad.any():
            q = raw.loc[bad].copy()
            q["_reason"] = "a value could not be read (see the problem list)"
            quarantined[table] = q
        tables[table] = typed.loc[~bad].reset_index(drop=True)
    _score_responses(tables, problems)
    _scores(tables, problems)
    for t, frame in tables.items():
        cols = list(schemas.schema(t).columns)
        keep = [c for c in cols if c in frame.columns] + [c for c in ("_file", "_sheet", "_row", "_col") if c in frame.columns]
        missing = [c for c in cols if c not in frame.columns]
        for c in missing:
            frame[c] = None
        tables[t] = frame[cols + [c for c in keep if c.startswith("_")]]
    sources = pd.DataFrame(source_rows, columns=SOURCE_COLUMNS).drop_duplicates()
    return Loaded(name=cfg.name, min_cell=cfg.min_cell, tables=tables, headers=headers, problems=problems,
                  quarantined=quarantined, sources=sources, settings=dict(cfg.settings), excerpts=excerpts)


def _excerpts(frames: list[Mapped]) -> pd.DataFrame:
    """The cleared excerpts, with identifiers normalised like the canonical tables'."""
    if not frames:
        return pd.DataFrame(columns=EXCERPT_COLUMNS)
    f = pd.concat([m.frame for m in frames], ignore_index=True)
    out = pd.DataFrame({c: [normalize_id(v) for v in f[c]] for c in ("interview_id", "coder", "code_id")})
    out["excerpt"] = f["excerpt"].to_numpy(dtype=object)
    out["file"], out["sheet"], out["row"] = f["_file"].to_numpy(), f["_sheet"].to_numpy(), f["_row"].astype("Int64").to_numpy()
    return out[EXCERPT_COLUMNS]


def _scores(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """Scores: supplied totals (max_score from the item bank when not given; pct computed), and totals
    derived from item responses for every participant and phase without a supplied total."""
    derived = None
    if "responses" in tables and "items" in tables and len(tables["responses"]):
        derived = _scores_from(tables["responses"], tables["items"])
    if "scores" not in tables:
        if derived is not None:
            tables["scores"] = derived
        return
    s = tables["scores"].copy()
    score = pd.to_numeric(s["score"], errors="coerce").astype(float)
    mx = pd.to_numeric(s["max_score"], errors="coerce").astype(float) if "max_score" in s else pd.Series(np.nan, index=s.index)
    if mx.isna().any() and "items" in tables and len(tables["items"]):
        mx = mx.fillna(float(pd.to_numeric(tables["items"]["points"], errors="coerce").sum()))
    pct = pd.to_numeric(s["pct"], errors="coerce").astype(float) if "pct" in s else pd.Series(np.nan, index=s.index)
    s["score"], s["max_score"] = score, mx
    # a score above the maximum is reported once, as such; its percentage is capped so as not to say it twice
    s["pct"] = pct.fillna((100.0 * score / mx.where(mx > 0)).clip(upper=100.0))
    if derived is not None and len(derived):
        key = pd.MultiIndex.from_frame(s[["participant_id", "phase"]].astype(object))
        dkey = pd.MultiIndex.from_frame(derived[["participant_id", "phase"]].astype(object))
        both = dkey.isin(key)
        if both.any():
            given = pd.Series(score.to_numpy(), index=key)
            given = given[~given.index.duplicated()]
            for _, r in derived.loc[both].iterrows():
                g = given.get((r["participant_id"], r["phase"]))
                if g is not None and not pd.isna(g) and abs(float(g) - float(r["score"])) > 1e-9:
                    problems.append(Problem(r["_file"], r["_sheet"], None if pd.isna(r["_row"]) else int(r["_row"]), None,
                                            str(r["participant_id"]),
                                            f"the {r['phase']}-test total given ({g:g}) differs from the total of the item "
                                            f"answers ({r['score']:g}); the total given is used",
                                            "Check the answers or the total.", "warning"))
        s = pd.concat([s, derived.loc[~both]], ignore_index=True)
    tables["scores"] = s


def _score_responses(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """Score item answers against the answer key: ``points`` when the answer equals the key, else 0.

    Answers and keys are compared after the cell normaliser, ignoring case. A blank answer scores 0
    (the item was skipped). A participant with every answer blank in a phase did not take that test:
    those rows are dropped with a warning. Responses that already carry a ``score`` keep it.
    """
    resp = tables.get("responses")
    if resp is None or resp.empty:
        return
    if "score" in resp.columns and resp["score"].notna().all():
        return
    given = pd.to_numeric(resp["score"], errors="coerce").astype(float) if "score" in resp.columns \
        else pd.Series(np.nan, index=resp.index)
    items = tables.get("items")
    key = {} if items is None else dict(zip(items["item_id"], items["correct_answer"]))
    points = {} if items is None else dict(zip(items["item_id"], items["points"]))
    ans = resp["answer"].astype(object)
    keyed = resp["item_id"].map(key)
    # compared once per distinct (answer, key) pair, not once per response
    a_codes, a_values = pd.factorize(ans)
    k_codes, k_values = pd.factorize(keyed.astype(object))
    width = len(k_values) + 2  # codes shifted by one: -1 (missing) becomes 0
    pair, first = pd.factorize((a_codes.astype(np.int64) + 1) * width + (k_codes + 1))
    pair_ok = np.array([ac >= 0 and kc >= 0 and str(a_values[ac]).casefold() == str(k_values[kc]).casefold()
                        for ac, kc in zip(first // width - 1, first % width - 1)], dtype=bool)
    correct = pair_ok[pair] if len(pair) else np.zeros(0, dtype=bool)
    pts = resp["item_id"].map(points).astype(float).fillna(0.0).to_numpy()
    resp = resp.copy()
    resp["score"] = np.where(given.notna().to_numpy(), given.to_numpy(), np.where(correct, pts, 0.0))
    blank = (ans.isna() & given.isna()).to_numpy()
    all_blank = pd.Series(blank).groupby([resp["participant_id"].to_numpy(), resp["phase"].to_numpy()],
                                         dropna=False).transform("all").to_numpy(dtype=bool)
    if all_blank.any():
        first = resp.loc[all_blank].drop_duplicates(["participant_id", "phase"])
        for _, r in first.iterrows():
            problems.append(Problem(r["_file"], r["_sheet"], None if pd.isna(r["_row"]) else int(r["_row"]), None,
                                    str(r["participant_id"]),
                                    f"participant {r['participant_id']} has no answers in the {r['phase']}-test: treated as not tested",
                                    "Fill in the answers, or remove the row if the person did not take the test.", "warning"))
        resp = resp.loc[~all_blank]
    tables["responses"] = resp.reset_index(drop=True)


def _scores_from(responses: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    from tip_eval.scoring import scores_from_responses

    # a repeated (participant, phase, item) is set aside by validation: the total counts the first only
    responses = responses.drop_duplicates(["participant_id", "phase", "item_id"], keep="first")
    s = scores_from_responses(responses, items)
    prov = responses.drop_duplicates(["participant_id", "phase"])[["participant_id", "phase", "_file", "_sheet", "_row"]]
    return s.merge(prov, on=["participant_id", "phase"], how="left")


__all__ = ["Loaded", "load_sources", "file_sha256", "normalize_id"]
