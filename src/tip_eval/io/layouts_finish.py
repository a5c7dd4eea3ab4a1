"""Work that needs every source of a study at once, after each layout has mapped its own sheets.

:func:`finish_sources` links participants known by name only, matches the item, competency and
code IDs partners write to the item bank, the competency list and the codebook, and counts rows
that several sources declare (a roster repeated on every row, a training in every workbook) once.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from tip_eval.i18n import _
from tip_eval.io.layouts import LayoutContext, Mapped
from tip_eval.io.layouts_partner import ROSTER, TRAINING_COLUMNS
from tip_eval.vocab import label_key

__all__ = ["finish_sources"]


def _id_key(value: Any) -> str:
    """Matching key of an item or competency ID: case, separators and leading zeros ignored (Q1 = q01)."""
    return re.sub(r"(?<!\d)0+(?=\d)", "", label_key(value).replace(" ", ""))


def finish_sources(mapped: list[Mapped], ctx: LayoutContext, settings: dict, root) -> list[Mapped]:
    """Work that needs every source at once, before types are parsed.

    1. Participants known by name only get their ID (:func:`tip_eval.io.linking.link_names`).
    2. Item and competency IDs written by partners are matched to the item bank and the competency
       list (``q1`` -> ``Q01``; a competency by its label in any language); follow-up codes to the
       codebook (by ID or label).
    3. Roster rows repeated on every row of a sheet (Kobo, long) and trainings declared by several
       sources count once; a repeated person whose details differ is a warning.
    """
    from tip_eval.io.coerce import normalize_id
    from tip_eval.io.item_bank import answer_index, words_to_letters
    from tip_eval.io.linking import link_names

    upper = settings.get("id_case", "upper") == "upper"
    link_names(mapped, ctx, settings, root, upper=upper)
    # 2. IDs of items, competencies and codes
    items: dict[str, str] = {}
    comps: dict[str, str] = {}
    codes: dict[str, str] = {}
    for m in mapped:
        f = m.frame
        if m.table == "items" and "item_id" in f:
            for v in f["item_id"]:
                ident = normalize_id(v)
                if ident:
                    items.setdefault(_id_key(v), ident)
        elif m.table == "competencies" and "competency_id" in f:
            for _i, r in f.iterrows():
                cid = normalize_id(r.get("competency_id"))
                if not cid:
                    continue
                comps.setdefault(_id_key(cid), cid)
                for c in ("label", "label_km", "label_th", "label_id"):
                    if isinstance(r.get(c), str):
                        comps.setdefault(label_key(r.get(c)), cid)
        elif m.table == "codebook" and "code_id" in f:
            for _i, r in f.iterrows():
                cid = normalize_id(r.get("code_id"))
                if cid:
                    codes.setdefault(_id_key(cid), cid)
                    if isinstance(r.get("label"), str):
                        codes.setdefault(label_key(r.get("label")), cid)
    words = answer_index([m.frame for m in mapped if m.table == "items"])
    targets = {
        "responses": ("item_id", items),
        "confidence": ("competency_id", comps),
        "followup_codes": ("code_id", codes),
        "excerpts": ("code_id", codes),
    }
    for m in mapped:
        f = m.frame
        if "_resolve" not in f.columns and m.table != "responses":  # (every test sheet: answers as words)
            continue
        col, index = targets.get(m.table, (None, None))
        if col and index and col in f and "_resolve" in f:
            positions, uniques = pd.factorize(f[col].astype(object), use_na_sentinel=True)
            resolved = np.array([_resolve(u, index) for u in uniques] + [None], dtype=object)
            f[col] = resolved[positions]
        if m.table == "responses" and "answer" in f and words:  # an option's words (Kobo labels): its letter
            f["answer"] = words_to_letters(f["item_id"], f["answer"], words)
        if "_resolve" in f.columns:
            m.frame = f.drop(columns=["_resolve"])
    # interview lists without coders (a documents table): the coders found in the codings, in order
    fill = [m for m in mapped if m.table == "interviews" and "_fill_coders" in m.frame.columns]
    if fill:
        order: dict[str, list[str]] = {}
        for m in mapped:
            if m.table == "followup_codes":
                for iv, c in zip(m.frame["interview_id"], m.frame["coder"]):
                    iv_id, c_id = normalize_id(iv), normalize_id(c)
                    if iv_id and c_id and c_id not in order.setdefault(iv_id, []):
                        order[iv_id].append(c_id)
        for m in fill:
            m.frame["coders"] = [
                ";".join(order.get(normalize_id(v) or "", [])) or None for v in m.frame["interview_id"]
            ]
            m.frame = m.frame.drop(columns=["_fill_coders"])
    # 3. rows that repeat
    seen: dict[tuple[str, str], tuple] = {}
    for m in mapped:
        f = m.frame
        if "_dedupe" not in f.columns:
            continue
        key_col = _DEDUPE_KEYS.get(m.table)
        drop = np.zeros(len(f), dtype=bool)
        if key_col:
            compare = _DEDUPE_COMPARE[m.table]
            norm_cache: dict = {}
            values = [
                [
                    norm_cache.setdefault((type(x).__name__, x) if _hashable(x) else repr(x), _norm_value(x))
                    for x in (f[c].to_numpy(dtype=object) if c in f else [None] * len(f))
                ]
                for c in compare
            ]
            recs = list(zip(*values)) if values else [()] * len(f)
            files, sheets, rows_ = (
                f["_file"].to_numpy(dtype=object),
                f["_sheet"].to_numpy(dtype=object),
                f["_row"].to_numpy(dtype=object),
            )
            id_cache: dict = {}
            for i, v in enumerate(f[key_col].to_numpy(dtype=object)):
                k = id_cache.get(v) if _hashable(v) and v in id_cache else None
                if k is None:
                    k = normalize_id(v, upper=(key_col == "participant_id" and upper))
                    if _hashable(v):
                        id_cache[v] = k
                if k is None:
                    continue
                rec = recs[i]
                loc = (files[i], sheets[i], rows_[i])
                if (m.table, k) not in seen:
                    seen[(m.table, k)] = (rec, loc)
                    continue
                first, floc = seen[(m.table, k)]
                if first == rec:
                    drop[i] = True
                    if not pd.isna(loc[2]):
                        ctx.repeats.add((loc[0], loc[1] if isinstance(loc[1], str) else None, int(loc[2])))
                elif m.table == "participants":
                    diff = [c for c, a, b in zip(compare, first, rec) if a != b]
                    drop[i] = True
                    r0 = None if floc[2] is None or pd.isna(floc[2]) else int(floc[2])
                    where = (
                        _("row {row} of {file}").format(row=r0, file=floc[0])
                        if floc[0] != loc[0]
                        else _("row {row}").format(row=r0)
                    )
                    ctx.problem(
                        loc[0],
                        loc[1] if isinstance(loc[1], str) else None,
                        None if pd.isna(loc[2]) else int(loc[2]),
                        m.headers.get(diff[0], diff[0]),
                        None if pd.isna(f.iloc[i][diff[0]]) else str(f.iloc[i][diff[0]]),
                        _(
                            "participant {participant} is on the roster again with a different {columns} than in "
                            "{where}; the first was kept"
                        ).format(participant=k, columns=", ".join(diff), where=where),
                        _("Correct the details so that they agree."),
                        "warning",
                    )
        m.frame = f.loc[~drop].drop(columns=["_dedupe"]).reset_index(drop=True)
    return mapped


#: tables whose rows may be declared by several sources, their key, and what must agree for two
#: declarations to count once (otherwise both are kept and validation reports the repeated key)
_DEDUPE_KEYS = {
    "participants": "participant_id",
    "trainings": "training_id",
    "items": "item_id",
    "competencies": "competency_id",
}
_DEDUPE_COMPARE = {
    "participants": ROSTER,
    "trainings": TRAINING_COLUMNS[1:],
    "items": ["module", "correct_answer", "points", "n_options"],
    "competencies": ["label"],
}


def _hashable(v: Any) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


def _norm_value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, str):
        k = label_key(v)
        return k or None
    if isinstance(v, (bool, np.bool_)):
        return v
    if isinstance(v, (int, float, np.integer, np.floating)) and float(v).is_integer():
        return str(int(v))  # 1, 1.0 and "1" (a CSV cell) are the same declaration
    return v


def _resolve(value: Any, index: dict[str, str]) -> Any:
    if not isinstance(value, str) or not value.strip():
        return value
    return index.get(_id_key(value)) or index.get(label_key(value)) or value
