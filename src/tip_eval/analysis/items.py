"""Item analysis of the knowledge test: which questions work, which need rewriting, which modules lag.

:func:`item_analysis` gives one row per item (and group): difficulty before and after training,
discrimination, alpha-if-deleted, the learning disaggregation and plain-word flags.
:func:`module_summary` gives one row per curriculum module (and group) with the module's gain.

A flawed question (a wrong answer key, an ambiguous stem) silently distorts every score; its
signature is a negative discrimination: people who know more get it wrong more often.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import By, as_by, check_by, is_study
from tip_eval.i18n import N_

__all__ = ["item_analysis", "module_summary", "ITEM_COLUMNS", "MODULE_COLUMNS", "FLAG_WORDS", "MIN_PEOPLE_FOR_FLAGS"]

SUBJECT = "participant_id"

#: result columns of :func:`item_analysis`, after the ``by`` columns
ITEM_COLUMNS: tuple[str, ...] = (
    "item_id",
    "module",
    "n_pre",
    "n_post",
    "n_matched",
    "difficulty_pre",
    "difficulty_post",
    "item_gain",
    "discrimination_pre",
    "discrimination_post",
    "alpha_if_deleted",
    "share_positive",
    "share_negative",
    "share_retained",
    "share_none",
    "flag_too_easy",
    "flag_too_hard",
    "flag_low_discrimination",
    "flag_negative_discrimination",
    "flag_negative_gain",
    "flags",
    "too_few_people",
)

#: fewest people behind a statistic for its flag to be raised (see :func:`item_analysis`)
MIN_PEOPLE_FOR_FLAGS = 30

#: the words each flag adds to the ``flags`` column, in this order
FLAG_WORDS: dict[str, str] = {  # in English in the results; a brief translates them (N_: in the catalogs)
    "flag_negative_discrimination": N_("negative discrimination: check the answer key and wording"),
    "flag_low_discrimination": N_("low discrimination"),
    "flag_too_easy": N_("too easy before training"),
    "flag_too_hard": N_("too hard after training"),
    "flag_negative_gain": N_("fewer right after training than before"),
}

#: result columns of :func:`module_summary`, after the ``by`` columns
MODULE_COLUMNS: tuple[str, ...] = (
    "module",
    "n_items",
    "difficulty_pre",
    "difficulty_post",
    "n_pre",
    "n_post",
    "n",
    "pre_mean",
    "post_mean",
    "pre_mean_matched",
    "post_mean_matched",
    "mean_gain",
    "ci_low",
    "ci_high",
    "confidence",
    "p_value",
    "p_adjusted",
)


# --- inputs ----------------------------------------------------------------------------------------


def _item_sources(data: object, by: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Responses, the item bank, people with their keys.

    A Study's responses are returned whole, delayed post-test included (filtering millions of
    Arrow-backed text rows costs more than the analysis); a plain frame is checked, copied and
    filtered here. Without ``by``, a Study's people are its participants (their trainings'
    attributes are joined only to group by them).
    """
    if is_study(data):
        attrs = data.attributes() if by else data.participants
        check_by(by, [c for c in attrs.columns if c != SUBJECT])
        resp = data.responses[[SUBJECT, "phase", "item_id", "score"]]
        bank = data.items[["item_id", "module", "points"]]
        people = attrs[[SUBJECT, *by]]
        return resp, bank.reset_index(drop=True), people.reset_index(drop=True)
    if isinstance(data, pd.DataFrame):
        need = [SUBJECT, "phase", "item_id", "score"]
        missing = [c for c in need if c not in data.columns]
        if missing:
            raise ValueError(
                f"a plain DataFrame for item analysis needs the columns {', '.join(need)} (one row per person, "
                f"phase and item; optional: points, module and the by columns); missing: {', '.join(missing)}"
            )
        check_by(by, [c for c in data.columns if c not in (*need, "points", "module")], "the frame")
        resp = data[need].copy()
        resp["phase"] = resp["phase"].astype("string").str.strip().str.lower().astype(object)
        bad = ~resp["phase"].isin(["pre", "post", "delayed"])
        if bad.any():
            raise ValueError(f"phase must hold 'pre', 'post' or 'delayed'; found {data.loc[bad, 'phase'].iloc[0]!r}")
        resp = resp[resp["phase"] != "delayed"]  # item analysis compares the pre- and the post-test
        resp["score"] = pd.to_numeric(resp["score"], errors="raise").astype(np.float64)
        ids = sorted(pd.unique(resp["item_id"]).tolist(), key=str)
        bank = pd.DataFrame({"item_id": ids})
        per_item = data.groupby("item_id", sort=False)
        if "points" in data.columns:
            if (per_item["points"].nunique() > 1).any():
                raise ValueError("points must be the same in every row of an item")
            bank["points"] = bank["item_id"].map(per_item["points"].first()).astype(np.float64)
        else:
            top = resp["score"].max()
            if top > 1:
                raise ValueError("scores go above 1: add a `points` column (the points of each item) to the frame")
            bank["points"] = 1.0
        bank["module"] = bank["item_id"].map(per_item["module"].first()) if "module" in data.columns else pd.NA
        people = data[[SUBJECT, *by]].drop_duplicates(SUBJECT)
        if by and (data.groupby(SUBJECT)[by].nunique(dropna=False) > 1).to_numpy().any():
            raise ValueError("by columns must be the same in every row of a participant")
        return resp, bank.reset_index(drop=True), people.reset_index(drop=True)
    raise TypeError(f"data must be a tip_eval Study or a pandas DataFrame; got {type(data).__name__}")


def _duplicate_error(participant: object, item: object) -> ValueError:
    return ValueError(f"participant {participant!r} has more than one response to item {item!r} in one phase")


def _item_inputs(data: object, by: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Responses (participant_id, phase, item_id, score), the item bank, and people with their keys."""
    resp, bank, people = _item_sources(data, by)
    keep = (resp["phase"] != "delayed").to_numpy(dtype=bool, na_value=True)
    if not keep.all():  # item analysis compares the pre- and the post-test
        resp = resp[keep]
    dup = resp.duplicated([SUBJECT, "phase", "item_id"])
    if dup.any():
        raise _duplicate_error(resp.loc[dup, SUBJECT].iloc[0], resp.loc[dup, "item_id"].iloc[0])
    return resp, bank, people


def _runs(array: object) -> tuple[object, np.ndarray] | None:
    """The values and lengths of the runs of equal neighbours of an Arrow array, or None when the
    array's first rows show few repeats (encoding the runs would then cost more than it saves).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    head = pc.run_end_encode(array.slice(0, _RUN_SAMPLE))
    head_runs = sum(len(c.values) for c in head.chunks) if isinstance(head, pa.ChunkedArray) else len(head.values)
    if head_runs * 4 > min(len(array), _RUN_SAMPLE):
        return None
    values, lengths = [], []
    for chunk in chunks:
        ree = pc.run_end_encode(chunk)
        values.append(ree.values)
        lengths.append(np.diff(ree.run_ends.to_numpy(), prepend=0))
    return pa.chunked_array(values, type=array.type), np.concatenate(lengths)


#: rows whose runs decide whether a column is encoded run by run (see :func:`_runs`)
_RUN_SAMPLE = 4096


def _encode(values: pd.Series, sort: bool = False) -> tuple[np.ndarray, pd.Index, Any]:
    """Integer codes and uniques of a column, missing values coded too (as ``pandas.factorize``
    with ``use_na_sentinel=False``; sorted uniques, missing last, with ``sort``), and the uniques
    as an Arrow array when the column is Arrow-backed text (else None).

    Arrow-backed text is dictionary-encoded by Arrow (:func:`_arrow_codes`), a few times faster
    than ``pandas.factorize``.
    """
    if _arrow_text(values.dtype):
        codes, dictionary, lengths = _arrow_codes(values, sort)
        if lengths is not None:
            codes = np.repeat(codes, lengths)
        return codes, pd.Index(dictionary.to_pylist(), dtype=object), dictionary
    codes, uniques = pd.factorize(values, sort=sort, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.intp), pd.Index(uniques), None


def _arrow_codes(values: pd.Series, sort: bool = False) -> tuple[np.ndarray, Any, np.ndarray | None]:
    """Codes of Arrow-backed text, as :func:`_encode`, with the uniques as an Arrow array; the codes
    are those of the column's runs when the third value (the runs' lengths) is not None.

    A column in runs of equal values (a person's answers, one phase's answers) is encoded run by
    run: finding the runs is cheaper than hashing every row, and the runs' first appearances are in
    the rows' order.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(values.array)
    runs = _runs(array) if len(array) else None
    # missing values stay null (faster than encoding them)
    encoded = pc.dictionary_encode(array if runs is None else runs[0])
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    dictionary = encoded.dictionary
    indices = encoded.indices
    if indices.null_count:  # missing values take the last code
        indices = pc.fill_null(indices, len(dictionary))
        dictionary = pa.concat_arrays([dictionary, pa.nulls(1, dictionary.type)])
    codes = indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)  # (half the memory of intp)
    if sort and len(dictionary):
        order = pc.array_sort_indices(dictionary, null_placement="at_end").to_numpy()
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        codes = rank[codes]
        dictionary = dictionary.take(pa.array(order))
    return codes, dictionary, None if runs is None else runs[1]


def _encode_items(values: pd.Series, items: pd.Index) -> tuple[np.ndarray, pd.Index]:
    """Codes and uniques of the item column, as :func:`_encode` (the codes may be numbered otherwise).

    When the answers and the item bank are Arrow text, no answer is missing and every answer's
    item is in the bank, the codes are positions in the bank: looking each answer up in a table of
    the bank's few items is cheaper than building a table of what the answers hold.
    """
    if _arrow_text(values.dtype) and _arrow_text(items.dtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        array = pa.array(values.array)
        if not array.null_count:
            bank = pa.array(items.array)
            pos = pc.index_in(array, value_set=bank if bank.type == array.type else bank.cast(array.type))
            if not pos.null_count:
                return pos.to_numpy(zero_copy_only=False), pd.Index(bank.to_pylist(), dtype=object)
    codes, uniques, _ = _encode(values)
    return codes, uniques


def _arrow_text(dtype: object) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


class _Coded:
    """Responses as integer codes: person (into the sorted ``people``), phase, item; the scores.

    Rows of the delayed post-test stay in the arrays but take no part: item analysis compares the
    pre- and the post-test.
    """

    def __init__(self, resp: pd.DataFrame, items: pd.Index) -> None:
        self.people_arrow: Any = None  # the people as an Arrow array, when their IDs are Arrow text
        if _arrow_text(resp[SUBJECT].dtype):  # (the IDs as Python text only when a message needs them)
            self.person, self.people_arrow, lengths = _arrow_codes(resp[SUBJECT], sort=True)
            if lengths is not None:
                self.person = np.repeat(self.person, lengths)
        else:
            self.person, self._people, _ = _encode(resp[SUBJECT], sort=True)
        self.n_people = len(self.people_arrow) if self.people_arrow is not None else len(self._people)
        self.item, self.item_values = _encode_items(resp["item_id"], items)
        self.score = resp["score"].to_numpy(dtype=np.float64, na_value=np.nan)
        # phase codes: 0 pre, 1 post, 2 delayed, 3 anything else (missing included)
        labels = ("pre", "post", "delayed")
        phase = resp["phase"]
        if _arrow_text(phase.dtype):  # encoded by runs
            codes, uniques, lengths = _arrow_codes(phase)
            lookup = [labels.index(v) if isinstance(v, str) and v in labels else 3 for v in uniques.to_pylist()]
            self.phase = np.array(lookup, dtype=np.int8)[codes]
            if lengths is not None:
                self.phase = np.repeat(self.phase, lengths)
        else:
            self.phase = np.full(len(resp), 3, dtype=np.int8)
            for code, label in enumerate(labels):
                self.phase[(phase == label).to_numpy(dtype=bool, na_value=False)] = code
        self._pre, self._post, self._delayed, self._other = 0, 1, 2, 3
        self._n_phases = 4

    @functools.cached_property
    def people(self) -> pd.Index:
        """The people's IDs (sorted, missing last), as ``pandas.factorize(sort=True)`` gives them."""
        return pd.Index(self.people_arrow.to_pylist(), dtype=object) if self.people_arrow is not None else self._people

    def matrices(self, items: pd.Index) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """The pre- and the post-test's people x items score matrices, each with the code of its
        rows' people, once every person is known to answer each item at most once per phase.

        A matrix has a row for each person with a response in that phase (sorted, as
        ``pivot(index=participant_id, columns=item_id)``) and NaN where a person has no row for an
        item. Duplicates are counted in the same (phase, person, item) grid the matrices fill (no
        hashing of millions of keys); the rows outside that grid (another phase, an item not in the
        bank) are checked by key. A duplicate raises the same error, naming the same first
        duplicate, as on frames.
        """
        k, n_people = len(items), self.n_people
        column = items.get_indexer(self.item_values)  # of each item code
        in_bank = bool((column >= 0).all())
        if in_bank and np.array_equal(column, np.arange(len(column))):  # the codes are the bank's positions
            cols = self.item
        else:
            cols = np.append(column, -1)[self.item]
        in_test = self.phase <= self._post  # the pre- or the post-test
        slot = self.phase[in_test].astype(np.intp) * n_people + self.person[in_test]  # phase and person
        seen = np.bincount(slot, minlength=2 * n_people).reshape(2, n_people) > 0
        col, score = cols[in_test], self.score[in_test]
        if not in_bank and not (col >= 0).all():  # answers to items outside the bank take no cell
            ok = col >= 0
            slot, col, score = slot[ok], col[ok], score[ok]
        cell = slot  # (phase, person, item), computed in place: one array of this size fewer at the peak
        cell *= k
        cell += col
        del slot, col
        found = len(cell) > 0 and np.bincount(cell).max() > 1
        if (not in_bank and (cols < 0).any()) or (self.phase == self._other).any():
            rest = (self.phase == self._other) | (in_test & (cols < 0))
            found = found or bool(self._keys(rest).duplicated().any())
        if found:
            asked = self.phase != self._delayed
            rows = np.flatnonzero(asked)
            first = int(rows[np.argmax(self._keys(asked).duplicated().to_numpy())])
            raise _duplicate_error(self.people[self.person[first]], self.item_values[self.item[first]])
        grid = np.full(2 * n_people * k, np.nan)
        grid[cell] = score
        grid = grid.reshape(2, n_people, k)
        out = []
        for code in (self._pre, self._post):
            present = np.flatnonzero(seen[code])
            mat = grid[code] if len(present) == n_people else grid[code][present]
            out.append((mat, present))
        return out[0], out[1]

    def _keys(self, rows: np.ndarray) -> pd.Series:
        n_items = max(len(self.item_values), 1)
        key = (self.person[rows].astype(np.int64) * self._n_phases + self.phase[rows]) * n_items + self.item[rows]
        return pd.Series(key, copy=False)


def _group_index(people: pd.DataFrame, by: list[str]) -> tuple[pd.Series, pd.DataFrame]:
    """Group code per participant (Series indexed by participant_id) and the sorted group keys."""
    if not by:
        return pd.Series(0, index=pd.Index(people[SUBJECT], name=SUBJECT), dtype=np.int64), pd.DataFrame(index=[0])
    grouped = people.groupby(by, sort=True, dropna=False, observed=True)
    codes = pd.Series(grouped.ngroup().to_numpy(dtype=np.int64), index=pd.Index(people[SUBJECT], name=SUBJECT))
    keys = grouped.size().index.to_frame(index=False)[by]
    return codes, keys


def _group_of(codes: pd.Series, coded: _Coded) -> np.ndarray:
    """The group code of each of the answering people (NaN for a person not registered), as floats:
    ``codes.reindex(coded.people)``.

    When both the registered IDs and the answering people's are Arrow text, they are looked up by
    Arrow: pandas would build a hash table of Python objects.
    """
    ids, people_arrow = codes.index, coded.people_arrow
    # (with a missing ID among the people, pandas decides how NaN matches)
    if people_arrow is not None and not people_arrow.null_count and _arrow_text(ids.dtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        registered = pa.array(ids.array)
        if registered.type != people_arrow.type:
            people_arrow = people_arrow.cast(registered.type)
        if pc.count_distinct(registered, mode="all").as_py() == len(registered):  # else reindex's error
            at = pc.index_in(people_arrow, value_set=registered)
            pos = at.to_numpy(zero_copy_only=False)  # float, NaN where not registered
            found = ~np.isnan(pos)
            out = np.full(coded.n_people, np.nan)
            out[found] = codes.to_numpy(dtype=np.float64)[pos[found].astype(np.intp)]
            return out
    return codes.reindex(coded.people).to_numpy(dtype=np.float64, na_value=np.nan)


def _flag_text(flags: pd.DataFrame) -> pd.Series:
    words = np.array(list(FLAG_WORDS.values()), dtype=object)
    on = flags[list(FLAG_WORDS)].to_numpy(dtype=bool)
    return pd.Series(["; ".join(words[row]) for row in on], index=flags.index, dtype=object)


# --- item analysis ---------------------------------------------------------------------------------


@memoised()
def item_analysis(
    data: object,
    by: By = None,
    *,
    easy_pre: float = 0.9,
    hard_post: float = 0.3,
    low_discrimination: float = 0.2,
    negative_gain: float = 0.0,
    min_people: int = MIN_PEOPLE_FOR_FLAGS,
) -> pd.DataFrame:
    """Classical item analysis of the knowledge test, before and after training.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A :class:`~tip_eval.Study` (its ``responses`` and ``items``), or a long item-level frame
        with one row per person, phase and item: ``participant_id, phase, item_id, score``, and
        optionally ``points`` (default 1 per item; required when a score is above 1), ``module``
        and the ``by`` columns.
    by : str or list of str, optional
        Grouping columns (participant or training attributes: ``country``, ``training_id``,
        ``sector``, ...): one row per group and item. ``None`` gives one row per item.
    easy_pre : float, default 0.9
        ``flag_too_easy`` when ``difficulty_pre >= easy_pre``: most people knew it already, so the
        item cannot show learning.
    hard_post : float, default 0.3
        ``flag_too_hard`` when ``difficulty_post < hard_post``: few got it even after training
        (the content was not taught, or the item is unclear).
    low_discrimination : float, default 0.2
        ``flag_low_discrimination`` when the discrimination is below this (and not negative) in
        every phase where it can be computed. 0.2 is the usual rule of thumb for classroom tests
        (Ebel & Frisbie 1991: below 0.20 "poor, to be revised").
    negative_gain : float, default 0.0
        ``flag_negative_gain`` when ``item_gain < negative_gain``.
    min_people : int, default 30
        A flag is raised only from a statistic of at least this many people: ``n_pre`` for
        ``flag_too_easy`` and the pre-test discrimination, ``n_post`` for ``flag_too_hard`` and
        the post-test discrimination, ``n_matched`` for ``flag_negative_gain``. The standard
        error of a correlation near 0 is about :math:`1/\\sqrt n`: 0.18 with 30 people, 0.29 with
        12, so a discrimination below 0.2 (or below 0) in fewer people is as likely noise as a
        flawed question; shares move by 8 points or more with one person in 12.

    Returns
    -------
    pandas.DataFrame
        One row per item (the item bank's order), or per group and item (groups sorted), the
        ``by`` columns first, then exactly these columns. Shares are 0-1 (not percent).

        ``item_id``, ``module``
            The item and its curriculum module.
        ``n_pre``, ``n_post``
            People who were asked the item before (after) training.
        ``n_matched``
            People asked it in both tests (matched by ``participant_id``).
        ``difficulty_pre``, ``difficulty_post``
            Share of the item's points obtained, :math:`p = \\bar x / points` (the share right
            for 0/1 items), over all people tested in that phase, matched or not. Higher means
            easier.
        ``item_gain``
            Mean change in the share of the item's points among matched people,
            :math:`\\overline{(post - pre)}/points`; for 0/1 items
            ``share_positive - share_negative``.
        ``discrimination_pre``, ``discrimination_post``
            Corrected item-total point-biserial correlation: Pearson correlation of the item
            score with the person's total over the *other* items, in that phase (``r.drop`` of
            R's ``psych::alpha``). See :func:`tip_eval.stats.items.item_rest_correlation`.
        ``alpha_if_deleted``
            Cronbach's alpha (= KR-20 for 0/1 items) of the pre-test without the item, over the
            people asked every pre-test item. Higher than the whole test's alpha means the item
            lowers internal consistency.
        ``share_positive``, ``share_negative``, ``share_retained``, ``share_none``
            Among matched people: wrong->right, right->wrong, right->right, wrong->wrong
            ("right" = full marks); they sum to 1 (Walstad & Wagner 2016).
        ``flag_too_easy``, ``flag_too_hard``, ``flag_low_discrimination``, ``flag_negative_discrimination``, ``flag_negative_gain``
            Booleans, as described under the thresholds. ``flag_negative_discrimination``: the
            discrimination is below 0 in every phase where it can be computed (one phase alone
            is too noisy in groups of 20-40). False when the statistic is undefined.
        ``flags``
            The raised flags in words, separated by "; " (see :data:`FLAG_WORDS`); empty when
            none. Read it as ``table["flags"]``: ``table.flags`` is pandas' own attribute.
        ``too_few_people``
            True when fewer than ``min_people`` took the item before, after and both times: the
            sample is too small to judge the item, and no flag is raised.

    Notes
    -----
    Missing-data policy: an item a person was not asked (no response row) is missing, not
    wrong; a skipped item that was asked scores 0 in the canonical tables. Difficulty and
    discrimination use the people asked the item (pairwise); alpha-if-deleted uses complete
    pre-tests only (listwise).

    Everything is computed on people x items matrices by matrix operations, for all items and
    all groups at once (group sums are one sparse matrix product); there is no loop over items
    or groups.

    A flag is a prompt to look at the question, not a verdict: with 20-40 people per group the
    statistics are noisy, especially per group; below ``min_people`` no flag is raised at all.

    References
    ----------
    Crocker, L. & Algina, J. (1986). Introduction to classical and modern test theory, ch. 14.
    Ebel, R. L. & Frisbie, D. A. (1991). Essentials of educational measurement (5th ed.), p. 232.
    Walstad, W. B. & Wagner, J. (2016). The disaggregation of value-added test scores to assess
    learning outcomes in economics courses. J. Economic Education, 47(2), 121-131.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, truth = te.datasets.make_study()
    >>> table = te.item_analysis(study)
    >>> table.loc[table.flag_negative_discrimination, "item_id"].tolist() == [truth.flawed_item]
    True
    """
    from tip_eval.stats.items import (
        _alpha_if_deleted_core,
        _difficulty_core,
        _disaggregation_core,
        _rest_correlation_core,
    )

    by_list = as_by(by)
    resp, bank, people = _item_sources(data, by_list)
    items = pd.Index(bank["item_id"], name="item_id")
    coded = _Coded(resp, items)
    (pre_m, pre_people), (post_m, post_people) = coded.matrices(items)
    pts = bank["points"].to_numpy(dtype=np.float64)
    codes_all, keys = _group_index(people, by_list)
    n_groups, k = len(keys), len(items)
    group_of = _group_of(codes_all, coded)

    def codes_of(present: np.ndarray) -> np.ndarray:
        c = group_of[present]
        if np.isnan(c).any():
            raise ValueError(
                f"participant {coded.people[present[np.isnan(c)][0]]!r} has responses but is not a "
                "registered participant"
            )
        return c.astype(np.int64)

    cpre, cpost = codes_of(pre_people), codes_of(post_people)
    n_pre, diff_pre = _difficulty_core(pre_m, pts, cpre, n_groups)
    n_post, diff_post = _difficulty_core(post_m, pts, cpost, n_groups)
    disc_pre = _rest_correlation_core(pre_m, cpre, n_groups)
    disc_post = _rest_correlation_core(post_m, cpost, n_groups)
    alpha_del = _alpha_if_deleted_core(pre_m, cpre, n_groups)
    matched, in_pre, in_post = np.intersect1d(pre_people, post_people, assume_unique=True, return_indices=True)
    dis = _disaggregation_core(pre_m[in_pre], post_m[in_post], pts, group_of[matched].astype(np.int64), n_groups)

    flat = lambda a: np.asarray(a, dtype=np.float64).ravel()  # noqa: E731  (groups x items -> rows)
    out = pd.DataFrame(
        {
            "item_id": np.tile(items.to_numpy(dtype=object), n_groups),
            "module": np.tile(bank["module"].to_numpy(dtype=object), n_groups),
            "n_pre": flat(n_pre).round().astype(np.int64),
            "n_post": flat(n_post).round().astype(np.int64),
            "n_matched": flat(dis["n_matched"]).round().astype(np.int64),
            "difficulty_pre": flat(diff_pre),
            "difficulty_post": flat(diff_post),
            "item_gain": flat(dis["item_gain"]),
            "discrimination_pre": flat(disc_pre),
            "discrimination_post": flat(disc_post),
            "alpha_if_deleted": flat(alpha_del),
            "share_positive": flat(dis["share_positive"]),
            "share_negative": flat(dis["share_negative"]),
            "share_retained": flat(dis["share_retained"]),
            "share_none": flat(dis["share_none"]),
        }
    )
    if isinstance(min_people, bool) or not isinstance(min_people, (int, np.integer)) or min_people < 1:
        raise ValueError(f"min_people must be a whole number of people, at least 1; got {min_people!r}")
    enough_pre, enough_post = out["n_pre"] >= min_people, out["n_post"] >= min_people
    enough_both = out["n_matched"] >= min_people
    dp = out["discrimination_pre"].where(enough_pre)
    dq = out["discrimination_post"].where(enough_post)
    any_disc = dp.notna() | dq.notna()
    all_negative = any_disc & ~(dp >= 0) & ~(dq >= 0)
    all_low = any_disc & ~(dp >= low_discrimination) & ~(dq >= low_discrimination)
    out["flag_too_easy"] = (enough_pre & (out["difficulty_pre"] >= easy_pre)).to_numpy(dtype=bool)
    out["flag_too_hard"] = (enough_post & (out["difficulty_post"] < hard_post)).to_numpy(dtype=bool)
    out["flag_low_discrimination"] = (all_low & ~all_negative).to_numpy(dtype=bool)
    out["flag_negative_discrimination"] = all_negative.to_numpy(dtype=bool)
    out["flag_negative_gain"] = (enough_both & (out["item_gain"] < negative_gain)).to_numpy(dtype=bool)
    out["flags"] = _flag_text(out)
    out["too_few_people"] = (~enough_pre & ~enough_post & ~enough_both).to_numpy(dtype=bool)
    if by_list:
        key_rows = keys.loc[keys.index.repeat(k)].reset_index(drop=True)
        out = pd.concat([key_rows, out], axis=1)
    return out[[*by_list, *ITEM_COLUMNS]]


# --- modules ---------------------------------------------------------------------------------------


@memoised()
def module_summary(data: object, by: By = None, confidence: float = 0.95, p_adjust: str = "holm") -> pd.DataFrame:
    """One row per curriculum module (and group): its items' difficulty and the module's gain.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        As for :func:`item_analysis`; a plain frame needs a ``module`` column.
    by : str or list of str, optional
        Grouping columns, as for :func:`item_analysis`.
    confidence : float, default 0.95
        Level of the gain intervals.
    p_adjust : str, default "holm"
        Adjustment of ``p_value`` across **all rows** of this table (modules x groups); see
        :func:`tip_eval.stats.p_adjust`.

    Returns
    -------
    pandas.DataFrame
        One row per module (in the order of the item bank) or per group and module, the ``by``
        columns first, then:

        ``module``, ``n_items``
            The module and its number of items.
        ``difficulty_pre``, ``difficulty_post``
            Unweighted mean of the module's item difficulties (share of points obtained) before
            and after training (from :func:`item_analysis`).
        ``n_pre``, ``n_post``, ``n``, ``pre_mean``, ``post_mean``, ``mean_gain``, ``ci_low``, ``ci_high``, ``confidence``, ``p_value``
            As in :func:`~tip_eval.gains` with ``module=``: each person's module score is
            ``100 * points scored / points of the module's items`` (percent, 0-100), ``n`` the
            matched pairs, ``mean_gain`` the mean of post - pre over them with its t interval
            and paired t-test p-value.
        ``pre_mean_matched``, ``post_mean_matched``
            The matched pairs' own mean module scores (their difference is ``mean_gain``).
        ``p_adjusted``
            ``p_value`` adjusted across all rows of this table (so that looking at 6 modules
            does not multiply false alarms).

    Notes
    -----
    The gains are those of :func:`tip_eval.gains` with ``module=...``, computed for every module
    and group in one pass; for a plain frame every person of the frame is counted, a person's
    module score missing when they have no response to the module in that phase.
    """
    from tip_eval.stats.multitest import p_adjust as _p_adjust

    by_list = as_by(by)
    items = item_analysis(data, by_list)
    if items.empty:  # no item answers (only totals, or no item bank): nothing to summarise
        return pd.DataFrame(columns=[*by_list, *MODULE_COLUMNS])
    if items["module"].isna().all():
        raise ValueError(
            "module_summary needs the module of each item: a Study's item bank, or a `module` column in the frame"
        )
    diff = (
        items.groupby([*by_list, "module"], sort=False, dropna=False, observed=True)
        .agg(
            n_items=("item_id", "size"),
            difficulty_pre=("difficulty_pre", "mean"),
            difficulty_post=("difficulty_post", "mean"),
        )
        .reset_index()
    )
    # the gain columns of MODULE_COLUMNS, as _module_gains computes them (p_adjusted is added below)
    gain_cols = list(MODULE_COLUMNS[MODULE_COLUMNS.index("n_pre") : MODULE_COLUMNS.index("p_adjusted")])
    modules = list(dict.fromkeys(items["module"].dropna().tolist()))
    gains_table = _module_gains(data, by_list, modules, confidence)[[*by_list, "module", *gain_cols]]
    out = diff.merge(gains_table, on=[*by_list, "module"], how="left", validate="one_to_one")
    order = {m: i for i, m in enumerate(modules)}
    out = out.sort_values(
        [*by_list, "module"], key=lambda s: s.map(order) if s.name == "module" else s, kind="stable"
    ).reset_index(drop=True)
    out["p_adjusted"] = _p_adjust(out["p_value"].to_numpy(dtype=np.float64), p_adjust)
    out["n_items"] = out["n_items"].astype(np.int64)
    return out[[*by_list, *MODULE_COLUMNS]]


def _module_gains(data: object, by: list[str], modules: list, confidence: float) -> pd.DataFrame:
    """Gains of every module's percent score, by ``by`` and module, in one vectorised pass.

    A person's module score is ``100 * points scored / points of the module's items`` in each
    phase, missing when they have no response to the module in that phase; the gain columns are
    those of :func:`tip_eval.gains` with ``module=`` (every registered participant of a Study
    counted), computed for all modules and groups at once.
    """
    from tip_eval.stats.paired import paired_gain_grouped

    resp, bank, people = _item_inputs(data, by)
    bank = bank[bank["module"].notna()].drop_duplicates("item_id")
    total = bank.groupby("module", sort=False)["points"].sum().astype(np.float64)
    module_of = pd.Series(bank["module"].to_numpy(dtype=object), index=pd.Index(bank["item_id"]))
    scored = pd.DataFrame(
        {
            SUBJECT: resp[SUBJECT].to_numpy(),
            "phase": resp["phase"].to_numpy(),
            "module": resp["item_id"].map(module_of).to_numpy(dtype=object),
            "score": resp["score"].to_numpy(dtype=np.float64, na_value=np.nan),
        }
    )
    scored = scored[scored["module"].notna()]
    sums = scored.groupby(["module", SUBJECT, "phase"], sort=False)["score"].sum().unstack("phase")
    sums = sums.reindex(columns=["pre", "post"])
    pct = 100.0 * sums.div(total.reindex(sums.index.get_level_values("module")).to_numpy(), axis=0)
    grid = people.merge(pd.DataFrame({"module": pd.Series(modules, dtype=object)}), how="cross")
    key = pd.MultiIndex.from_arrays([grid["module"].to_numpy(dtype=object), grid[SUBJECT].to_numpy(dtype=object)])
    values = pct.reindex(key)
    grid["pre"] = values["pre"].to_numpy(dtype=np.float64)
    grid["post"] = values["post"].to_numpy(dtype=np.float64)
    table = paired_gain_grouped(grid, [*by, "module"], "pre", "post", max_score=100.0, confidence=confidence)
    return table.reset_index()
