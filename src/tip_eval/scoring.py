"""Scoring of answers: reading one answer against its item, and each participant's total per phase.

Used by the loader (:mod:`tip_eval.io.load`), by :class:`~tip_eval.study.Study` (scores derived from
responses when none are given) and by the synthetic studies of :mod:`tip_eval.datasets`, which
re-exports :func:`scores_from_responses` under its old name.

The rules (also in ``data_schemas/README.md``):

Reading an answer (:func:`read_answer`)
    An item whose key is one letter (``A``) has the options ``A`` up to its ``n_options``-th letter
    (``A-D`` for 4 options; ``A-E`` when the item bank does not say how many). An item whose key is a
    number (``2``) has the options ``1`` up to ``n_options`` (``1-5`` when not given). An answer that
    is unambiguously one option in another form - lower case (``a``), with a full stop or a bracket
    (``D.``, ``A)``, ``(B)``), with spaces around it - is read as that option, with a note. Anything
    else (``E`` on a 4-option item, ``3`` on a lettered item, ``AB``) is a located problem: it is
    set aside, never scored 0. A blank answer is a skipped question and scores 0. An item keyed
    true or false (``True``, ``Benar``, ``ถูก``, ``ត្រូវ`` ...) takes true/false answers in English,
    Indonesian, Thai or Khmer and judges them by their meaning; any other answer to it (``maybe``,
    ``C``) is a located problem, set aside. Other items keyed with words compare the answer to the key
    ignoring case.

A score exists only when the whole test was read (:func:`complete_scores`)
    A participant's total in a phase is computed only when every item of the item bank has a
    response that was read and kept (a blank answer, a skipped question, counts as read and scores
    0). When any answer was set aside (unreadable, a duplicate, an item not in the item bank) or an
    item has no column or row at all, the person's score for that phase is missing, with a problem
    line saying why - never a total built from the answers that remained.
"""

from __future__ import annotations

import re
import string
from typing import Any

import numpy as np
import pandas as pd

from tip_eval import schemas
from tip_eval.i18n import _
from tip_eval.vocab import label_key

__all__ = ["complete_scores", "factorize_codes", "is_correct", "read_answer", "scores_from_responses", "truth_value"]

_LETTER = re.compile(r"^[(\[]?\s*([A-Za-z])\s*[.)\]:]?$")
_NUMBER = re.compile(r"^[(\[]?\s*(\d{1,2})\s*[.)\]:]?$")
_DEFAULT_OPTIONS = 5  # when the item bank does not give n_options (the bank has option_a..option_e)
_TRUE_WORDS = frozenset(
    label_key(w)
    for w in ("true", "t", "yes", "y", "benar", "betul", "ya", "ใช่", "ถูก", "จริง", "ត្រូវ", "ពិត", "បាទ", "ចាស")
)
_FALSE_WORDS = frozenset(
    label_key(w)
    for w in ("false", "f", "no", "n", "salah", "tidak", "keliru", "ไม่ใช่", "ผิด", "ไม่จริง", "មិនត្រូវ", "ខុស", "មិនពិត", "ទេ")
)


def factorize_codes(values: np.ndarray, *, narrow: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values)`` of integer codes built from other codes (a person's code times the
    number of phases plus the phase's, ...): the same codes and distinct values, in order of first
    appearance.

    When the values are non-negative and no larger than their number, each value's first row is found
    with an array indexed by value instead of pandas' hash table, which is sized for every row (on the
    600,000 answers of 10,000 people, a temporary several columns large).

    Parameters
    ----------
    values : numpy.ndarray
        One integer per row.
    narrow : bool, default False
        Give the codes as 32-bit integers when they fit (half the memory of pandas' codes, which
        are ``numpy.intp``): for the steps of a load that only count or index with them.

    Returns
    -------
    tuple of numpy.ndarray
        The code of each row and the distinct values, as :func:`pandas.factorize` gives them.
    """
    n = len(values)
    if n == 0 or values.min() < 0 or int(values.max()) >= n:
        codes, uniques = pd.factorize(values)
        return (narrowed(codes) if narrow else codes), uniques
    first = np.full(int(values.max()) + 1, n, dtype=code_type(n))
    for start in range(0, n, SPREAD_ROWS):  # a part at a time: numpy widens 32-bit values to 64 bits
        part = values[start : start + SPREAD_ROWS]
        np.minimum.at(first, part, np.arange(start, start + len(part), dtype=first.dtype))
    seen = np.flatnonzero(first < n)
    uniques = seen[np.argsort(first[seen], kind="stable")]
    rank = np.empty(len(first), dtype=code_type(len(uniques)) if narrow else np.intp)
    rank[uniques] = np.arange(len(uniques), dtype=rank.dtype)
    return spread(rank, values), uniques.astype(values.dtype, copy=False)


def column_codes(values: pd.Series, *, use_na_sentinel: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize(values, use_na_sentinel=...)``, its codes as 32-bit integers when they fit and
    its distinct values as Python objects.

    A column of Arrow text is encoded by Arrow itself, as pandas does, without the 64-bit copy of
    the codes pandas then makes (on 6.9 million answers: 90 MB less at the height of the step).
    """
    if len(values) and isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        encoded = pa.array(values, from_pandas=True).dictionary_encode(
            null_encoding="mask" if use_na_sentinel else "encode"
        )
        if isinstance(encoded, pa.DictionaryArray):
            indices = encoded.indices
            if indices.null_count:
                indices = pc.fill_null(indices, -1)
            codes = indices.to_numpy(zero_copy_only=False, writable=True)
            uniques = np.asarray(pd.array(encoded.dictionary, dtype=values.dtype), dtype=object)
            return codes, uniques
    if len(values) and isinstance(values.dtype, pd.CategoricalDtype):
        return _category_codes(values, use_na_sentinel=use_na_sentinel)
    found = pd.factorize(values, use_na_sentinel=use_na_sentinel)
    return narrowed(found[0]), np.asarray(found[1], dtype=object)


def _category_codes(values: pd.Series, *, use_na_sentinel: bool) -> tuple[np.ndarray, np.ndarray]:
    """:func:`column_codes` of a categorical column, from its own codes: the categories in order of
    first appearance, as factorizing the values gives them (the missing value too, where it is
    numbered), without a value per row.
    """
    names = np.append(values.cat.categories.to_numpy(dtype=object, na_value=np.nan), np.nan)  # last: missing
    shifted = values.cat.codes.to_numpy().astype(code_type(len(names) + 1))
    shifted[shifted < 0] = len(names) - 1
    out, order = factorize_codes(shifted, narrow=True)  # the categories in order of first appearance
    missing = np.flatnonzero(order == len(names) - 1)
    if use_na_sentinel and len(missing):  # the missing value coded -1, and the values after it one lower
        rank = np.arange(len(order), dtype=out.dtype)
        rank[missing[0] + 1 :] -= 1
        rank[missing[0]] = -1
        out = spread(rank, out)
        order = np.delete(order, missing[0])
    return out, names[order]


#: :func:`spread` fills a column this many rows at a time
SPREAD_ROWS = 1 << 18


def spread(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]`` (a value per row from the distinct values and each row's position among them),
    filled :data:`SPREAD_ROWS` rows at a time.

    numpy widens 32-bit positions to 64-bit ones before it takes: over a whole column, a copy of the
    column (55 MB on 6.9 million answers) beside the result.
    """
    out = np.empty(len(rows), dtype=values.dtype)
    for start in range(0, len(rows), SPREAD_ROWS):
        np.take(values, rows[start : start + SPREAD_ROWS], out=out[start : start + SPREAD_ROWS])
    return out


def flagged(size: int, positions: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """A flag for each of ``size`` values, set for those ``positions`` names (only the rows where
    ``keep`` holds, when it is given), set :data:`SPREAD_ROWS` rows at a time.

    numpy widens 32-bit positions to 64-bit ones before it indexes: over a whole column, a copy of
    the column.
    """
    out = np.zeros(size, dtype=bool)
    for start in range(0, len(positions), SPREAD_ROWS):
        part = positions[start : start + SPREAD_ROWS]
        out[part if keep is None else part[keep[start : start + SPREAD_ROWS]]] = True
    return out


def code_type(n: int) -> type[np.signedinteger]:
    """The narrowest of int32 and int64 that holds every number below ``n`` (the codes of a load's
    columns: 32 bits while they fit, half the memory of pandas' ``numpy.intp``).
    """
    return np.int32 if n < 2**31 - 1 else np.int64


def narrowed(codes: np.ndarray) -> np.ndarray:
    """Codes (non-negative, or -1 for missing) as 32-bit integers when they fit, else as they are."""
    if codes.dtype == np.int32 or not len(codes) or code_type(int(codes.max()) + 1) is np.int64:
        return codes
    return codes.astype(np.int32)


def person_phase_codes(frame: pd.DataFrame) -> np.ndarray:
    """One code per row for its person and phase (``participant_id``, ``phase``; missing values equal),
    the tests numbered in order of first appearance, as 32-bit integers while they fit.

    Built from the two columns' codes (a person's code times the number of phases plus the phase's),
    in place: grouping by the text columns hashed every row's strings, and each temporary is a column
    of the table.
    """
    phase, phases = column_codes(frame["phase"], use_na_sentinel=False)
    if len(phases) < 128:  # a few phases: a byte a row while the people's codes are made
        phase = phase.astype(np.int8)
    people, found = column_codes(frame["participant_id"], use_na_sentinel=False)
    width = max(len(phases), 1)
    key = people.astype(code_type(max(len(found), 1) * width), copy=False)
    del people, found
    key *= width
    key += phase
    del phase
    return factorize_codes(key, narrow=True)[0]


def truth_value(text: Any) -> bool | None:
    """True or False for a true/false word in English, Indonesian, Thai or Khmer; None for anything else.

    >>> truth_value("Benar"), truth_value(" no "), truth_value("maybe")
    (True, False, None)
    """
    if not isinstance(text, str):
        return None
    k = label_key(text)
    return True if k in _TRUE_WORDS else False if k in _FALSE_WORDS else None


def is_correct(option: Any, key: Any) -> bool:
    """Whether an answer read by :func:`read_answer` is the item's key (true/false keys by meaning)."""
    if option is None or key is None or (isinstance(key, float) and np.isnan(key)):
        return False
    truth = truth_value(str(key))
    if truth is not None:
        return truth_value(str(option)) is truth
    return str(option).casefold() == str(key).strip().casefold()


def read_answer(answer: Any, key: Any, n_options: Any = None) -> tuple[str | None, str | None]:
    """Read one answer against its item: ``(answer as an option, problem)``.

    Parameters
    ----------
    answer : str or None
        The answer as written (after the cell normaliser). None is a skipped question.
    key : str or None
        The item's correct answer from the item bank.
    n_options : int, optional
        The item's number of options; unknown when missing (see the module docstring).

    Returns
    -------
    (str or None, str or None)
        The option the answer stands for (``"A"``, ``"2"``; the answer itself for items keyed with
        words; None when blank) and, when the answer is not one option of the item, the problem in
        plain words (then the first element is None).

    Examples
    --------
    >>> read_answer(" d. ", "B", 4)
    ('D', None)
    >>> read_answer("E", "B", 4)
    (None, "'E' is not one of this question's options (A-D)")
    """
    if answer is None or (isinstance(answer, float) and np.isnan(answer)):
        return None, None
    text = str(answer).strip()
    if not text:
        return None, None
    k = "" if key is None or (isinstance(key, float) and np.isnan(key)) else str(key).strip()
    try:
        n = int(n_options) if n_options is not None and not pd.isna(n_options) else None
    except (TypeError, ValueError):
        n = None
    if len(k) == 1 and k.isalpha():
        count = n if n else max(_DEFAULT_OPTIONS, string.ascii_uppercase.index(k.upper()) + 1)
        options = string.ascii_uppercase[:count]
        m = _LETTER.match(text)
        shown = f"{options[0]}-{options[-1]}"
        if m is None:
            return None, _("'{value}' is not one of this question's options ({options})").format(
                value=text, options=shown
            )
        letter = m.group(1).upper()
        if letter not in options:
            return None, _("'{value}' is not one of this question's options ({options})").format(
                value=text, options=shown
            )
        return letter, None
    if k.isdigit():
        count = n if n else max(_DEFAULT_OPTIONS, int(k))
        m = _NUMBER.match(text)
        if m is None or not 1 <= int(m.group(1)) <= count:
            return None, _("'{value}' is not one of this question's options ({options})").format(
                value=text, options=f"1-{count}"
            )
        return str(int(m.group(1))), None
    if truth_value(k) is not None and truth_value(text) is None:
        return None, f"'{text}' is not one of this question's options (true or false)"
    return text, None


def scores_from_responses(responses: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Total each participant's score per phase from item responses.

    ``max_score`` is the sum of ``points`` over the item bank's items and ``pct = 100 * score /
    max_score``. Only participants and phases with a response to every item of the bank get a score
    (a skipped item is a response scoring 0); see :func:`complete_scores` for the others.
    """
    complete, _ = complete_scores(responses, items)
    return complete


def _first_rows(mask: np.ndarray, group: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of the ``n`` groups with a row where ``mask`` holds: the group and its first such row.

    What ``pd.Series(rows, index=group[rows]).groupby(level=0).first()`` gives (in order of group,
    not of appearance), without pandas' hash table of every row.
    """
    first = np.full(n, len(mask), dtype=np.int64)
    for start in range(0, len(mask), SPREAD_ROWS):  # a part at a time: the rows' positions are 64-bit
        part = mask[start : start + SPREAD_ROWS]
        rows = np.flatnonzero(part)
        rows += start
        own = group[start : start + SPREAD_ROWS]
        np.minimum.at(first, own if len(rows) == len(own) else own[part], rows)
    groups = np.flatnonzero(first < len(mask))
    return groups, first[groups]


def combined_key(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, int] | None:
    """One integer per row for its values in ``columns`` (missing values equal), and how many such
    integers there can be; None when that is far more than the rows (too many combinations to count).

    Built one column's codes at a time, in place, as 32-bit integers while they fit: pandas'
    ``duplicated`` and ``drop_duplicates`` size a hash table for every row of every column (several
    hundred MB on 6.9 million answers).
    """
    n = len(frame)
    key: np.ndarray | None = None
    size = 1
    for c in columns:
        codes, uniques = column_codes(frame[c], use_na_sentinel=False)
        size *= max(len(uniques), 1)
        if size > 4 * n + 1024:
            return None
        if key is None:
            key = codes.astype(code_type(4 * n + 1024))  # the first column's codes: no array of zeros beside them
        else:
            key *= max(len(uniques), 1)
            key += codes
        del codes
    return (np.zeros(n, dtype=np.int64) if key is None else key), size


def first_rows(frame: pd.DataFrame, columns: list[str]) -> np.ndarray | None:
    """Positions of the rows ``frame.drop_duplicates(columns)`` keeps (each first row of its values,
    missing values equal), in order; None when the values have too many combinations to count
    (then call ``drop_duplicates``): see :func:`combined_key`.
    """
    found = combined_key(frame, columns)
    if found is None:
        return None
    key, size = found
    return np.sort(_first_rows(np.ones(len(key), dtype=bool), key, size)[1])


def complete_scores(responses: pd.DataFrame, items: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores of the complete tests, and the tests that are not complete.

    Returns
    -------
    (scores, incomplete)
        ``scores``: the canonical scores table for every participant and phase whose responses cover
        every item of the bank. ``incomplete``: one row per other participant and phase
        (``participant_id, phase, training_id, n_read, n_items, missing``: how many of the bank's
        items were read, and the IDs of those that were not).
    """
    columns = list(schemas.TABLES["scores"].to_schema().columns)
    bank = items["item_id"].dropna().astype(str).drop_duplicates()
    max_score = float(pd.to_numeric(items.drop_duplicates("item_id")["points"], errors="coerce").sum())
    r = responses
    valid = (r["participant_id"].notna() & r["phase"].notna()).to_numpy()
    if not valid.all():
        r = r.loc[valid]
    inc_cols = ["participant_id", "phase", "training_id", "n_read", "n_items", "missing"]
    if r.empty:
        return schemas.empty("scores")[columns], pd.DataFrame(columns=inc_cols)
    in_bank = r["item_id"].isin(bank).to_numpy(dtype=bool)  # (text columns stay Arrow: no object per row)
    # one grouped pass over factorised keys (groups in order of first appearance, as groupby(sort=False);
    # a missing score counts 0, training_id is the first non-missing)
    group = person_phase_codes(r)  # (rows with a person and a phase only: no missing value among them)
    n = int(group.max()) + 1 if len(group) else 0
    # each test's first row (the codes number the tests in order of first appearance)
    first = _first_rows(np.ones(len(group), dtype=bool), group, n)[1]
    points = pd.to_numeric(r["score"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    weights = np.where(in_bank, points, 0.0)  # one copy of the column, its missing scores made 0 in place
    del points
    np.nan_to_num(weights, copy=False, nan=0.0)
    total = np.bincount(group, weights=weights, minlength=n)
    del weights
    # distinct bank items per group
    icodes = column_codes(r["item_id"])[0]
    width = int(icodes.max()) + 2 if len(icodes) else 1
    everyone = bool(in_bank.all())  # nearly always: no masked copies
    ct = code_type(n * width + 1)
    pair = group.astype(ct) if everyone else group[in_bank].astype(ct, copy=False)  # group * width + item + 1
    pair *= width
    pair += icodes if everyone else icodes[in_bank]
    pair += 1
    del icodes
    if n * width <= 4 * len(pair) + 1_000_000:  # a flag per test and item is small: no sort of every pair
        seen = flagged(n * width, pair)
        n_read = seen.reshape(n, width).sum(axis=1, dtype=np.int64)
        del seen
    else:
        n_read = np.bincount(np.unique(pair) // width, minlength=n)
    del pair
    t_groups, t_rows = _first_rows(r["training_id"].notna().to_numpy(), group, n)
    t_pos = np.full(n, -1, dtype=np.int64)
    t_pos[t_groups] = t_rows
    del t_groups, t_rows
    training = r["training_id"].iloc[np.maximum(t_pos, 0)].reset_index(drop=True)
    if (t_pos < 0).any():
        training = training.where(pd.Series(t_pos >= 0))
    s = pd.DataFrame(
        {
            "participant_id": r["participant_id"].iloc[first].reset_index(drop=True),
            "phase": r["phase"].iloc[first].reset_index(drop=True),
            "training_id": training,
            "score": total,
        }
    )
    s["max_score"] = max_score
    s["pct"] = 100.0 * s["score"] / max_score if max_score > 0 else np.nan
    # the date the test was taken: the first date written on any of its answers (optional column)
    s["test_date"] = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if "test_date" in r.columns:
        dated = r["test_date"].notna().to_numpy()
        if dated.any():
            d_groups, d_rows = _first_rows(dated, group, n)
            s.loc[d_groups, "test_date"] = pd.to_datetime(r["test_date"].iloc[d_rows].to_numpy())
    done = (n_read == len(bank)) & (len(bank) > 0)
    incomplete = s.loc[~done, ["participant_id", "phase", "training_id"]].copy()
    incomplete["n_read"] = n_read[~done]
    incomplete["n_items"] = len(bank)
    if len(incomplete):
        read_items = (
            pd.DataFrame({"g": group[in_bank], "item": r["item_id"].astype(object).to_numpy()[in_bank]})
            .groupby("g")["item"]
            .agg(set)
        )
        order = list(bank)
        incomplete["missing"] = [[i for i in order if i not in read_items.get(g, set())] for g in np.flatnonzero(~done)]
    else:
        incomplete["missing"] = pd.Series([], dtype=object)
    return s.loc[done, columns].reset_index(drop=True), incomplete.reset_index(drop=True)[inc_cols]
