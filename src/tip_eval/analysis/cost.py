"""What a result cost: cost per person trained, per completer, per person who reliably improved.

:func:`cost_effectiveness` joins each training's cost (in one reporting currency, converted with
exchange rates the user gives: nothing is looked up on the internet) to the people the training
enrolled and what they learned, and reports the cost per result and the gain per 100 units of
currency per participant (the "effect per dollar" of J-PAL's cost-effectiveness analyses).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import By, as_by, is_study

if TYPE_CHECKING:  # pragma: no cover
    from tip_eval.study import Study

__all__ = ["COST_COLUMNS", "cost_effectiveness", "normalise_costs"]

TRAINING = "training_id"
SUBJECT = "participant_id"

#: result columns of :func:`cost_effectiveness` after the ``by`` columns
COST_COLUMNS: tuple[str, ...] = (
    "currency",
    "cost_total",
    "cost_years",
    "n_registered",
    "n_matched",
    "n_reliably_improved",
    "cost_per_trained",
    "cost_per_completer",
    "cost_per_reliably_improved",
    "cost_per_reliably_improved_ci_low",
    "cost_per_reliably_improved_ci_high",
    "confidence",
    "mean_gain",
    "gain_sd",
    "gain_sd_per_100",
    "note",
)

#: RCI threshold of reliable change (Jacobson & Truax 1991), as in :func:`~tip_eval.gains`
RCI_THRESHOLD = 1.96


def normalise_costs(
    costs: Any,
    trainings: pd.Series,
    *,
    rates: Mapping[str, float] | None = None,
    currency: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """Costs per training in the reporting currency.

    Parameters
    ----------
    costs : pandas.DataFrame, mapping or number
        A frame with ``training_id, cost`` and optionally ``currency, year, category`` (several
        rows per training are added up, e.g. one per category); a mapping ``training_id -> cost``;
        or one number, the cost of every training.
    trainings : pandas.Series
        The study's training ids (costs for other trainings are refused).
    rates : mapping, optional
        Units of the reporting currency per unit of each other currency, e.g.
        ``{"KHR": 0.000245, "THB": 0.028}`` for US dollars.
    currency : str, optional
        Reporting currency (ISO 4217 code). Default: the only currency of the costs, if there is
        one.

    Returns
    -------
    (pandas.DataFrame, str)
        ``training_id, cost`` (one row per training with a cost, in the reporting currency) and
        ``years`` (the cost years of that training, text), and the reporting currency.
    """
    known = pd.Index(pd.unique(trainings.dropna().astype(str)))
    if isinstance(costs, pd.DataFrame):
        frame = costs.copy()
    elif isinstance(costs, Mapping):
        frame = pd.DataFrame({TRAINING: list(costs), "cost": list(costs.values())})
    elif isinstance(costs, (int, float, np.integer, np.floating)) and not isinstance(costs, bool):
        frame = pd.DataFrame({TRAINING: list(known), "cost": float(costs)})
    else:
        raise TypeError(
            "costs must be a table (training_id, cost, currency, year), a mapping training_id -> cost, "
            f"or one number for every training; got {type(costs).__name__}"
        )
    missing = [c for c in (TRAINING, "cost") if c not in frame.columns]
    if missing:
        raise ValueError(f"the costs table needs the column(s) {missing}; it has: {', '.join(map(str, frame.columns))}")
    frame[TRAINING] = frame[TRAINING].astype(str)
    value = pd.to_numeric(frame["cost"], errors="coerce").astype(np.float64)
    bad = frame.loc[~np.isfinite(value) | (value < 0), TRAINING].tolist()
    if bad:
        raise ValueError(
            f"the cost of training(s) {bad} is not a number of 0 or more; write each cost as a "
            "plain number (no currency sign or thousands separator)"
        )
    frame["cost"] = value
    unknown = sorted(set(frame[TRAINING]) - set(known))
    if unknown:
        raise ValueError(
            f"costs are given for training(s) {unknown} that are not in the study; check the spelling "
            f"of training_id (the study's trainings: {', '.join(known)})"
        )
    cur = (
        frame["currency"].astype("string").str.strip().str.upper()
        if "currency" in frame.columns
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    given = sorted(set(cur.dropna()) - {""})
    rates = {str(k).upper(): float(v) for k, v in (rates or {}).items()}
    if currency is None:
        if len(given) > 1:
            raise ValueError(
                f"costs are in several currencies ({', '.join(given)}): say which one to report in "
                "(reporting currency) and give the exchange rates"
            )
        currency = given[0] if given else ""
    currency = str(currency).upper()
    rates[currency] = 1.0
    cur = cur.fillna(currency).replace("", currency)
    no_rate = sorted(set(cur) - set(rates))
    if no_rate:
        raise ValueError(
            f"the costs include {', '.join(no_rate)}, which has no exchange rate; give how many {currency or 'units'} one "
            f"unit of each is worth (in study.toml: rates = {{ {no_rate[0]} = ... }})"
        )
    frame["cost"] = frame["cost"] * cur.map(rates).astype(np.float64)
    if "year" in frame.columns:
        years = pd.to_numeric(frame["year"], errors="coerce")
        frame["years"] = years.map(lambda y: "" if pd.isna(y) else str(int(y)))
    else:
        frame["years"] = ""
    out = (
        frame.groupby(TRAINING, sort=False)
        .agg(cost=("cost", "sum"), years=("years", lambda s: ", ".join(sorted(set(s) - {""}))))
        .reset_index()
    )
    return out, currency


def _study_costs(study: Any, costs: Any, rates: Any, currency: Any) -> tuple[Any, Any, Any]:
    """Fill costs, rates and currency from the study (its costs table, study.toml's rates) when not given."""
    table = getattr(study, "exchange_rates", None)
    settings: dict[str, Any] = {}
    if table is not None and len(table):
        settings["currency"] = str(table["reporting_currency"].iloc[0])
        settings["rates"] = dict(zip(table["currency"].astype(str), table["rate"].astype(float)))
    if costs is None:
        costs = getattr(study, "costs", None)
        if costs is None or len(costs) == 0:
            raise ValueError(
                "this study has no costs: add a costs sheet or costs.csv (training_id, cost, currency, "
                "year) to the study, or pass costs= (a table, a mapping training_id -> cost, or one "
                "number for every training)"
            )
    if rates is None:
        rates = settings.get("rates")
    if currency is None:
        currency = settings.get("currency")
    return costs, rates, currency


@memoised()
def cost_effectiveness(
    study: Study,
    costs: Any = None,
    by: By = None,
    *,
    rates: Mapping[str, float] | None = None,
    currency: str | None = None,
    measure: str = "knowledge",
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Cost per person trained, per completer and per reliably improved person, and gain per 100 spent.

    Parameters
    ----------
    study : Study
        The study.
    costs : pandas.DataFrame, mapping or number, optional
        Each training's cost: a table ``training_id, cost, currency, year`` (optional
        ``category``; several rows of a training are added up), a mapping ``training_id ->
        cost``, or one number for every training. Default: the study's own costs sheet or
        ``costs.csv`` (see the README).
    by : str or list of str, optional
        Grouping columns (``country``, ``training_id``, ``sector``, ...); ``None``: one row.
    rates : mapping, optional (keyword only)
        Exchange rates: units of the reporting currency per unit of each currency of the costs
        (``{"KHR": 0.000245, "THB": 0.028}``). Default: ``rates`` of the study's settings.
    currency : str, optional (keyword only)
        Reporting currency. Default: the study's setting, else the only currency of the costs.
    measure : {"knowledge", "confidence"} (keyword only)
        Which gain ``n_reliably_improved``, ``mean_gain`` and ``gain_sd`` describe.
    confidence : float, default 0.95 (keyword only)
        Level of the bootstrap interval.
    n_boot : int, default 2000 (keyword only)
        Bootstrap resamples.
    seed : int or None, default 0 (keyword only)
        Seed of the bootstrap, so a brief is reproducible (``None``: fresh randomness).

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted by the keys), the ``by`` columns first, then exactly
        :data:`COST_COLUMNS`:

        ``currency``
            The reporting currency.
        ``cost_total``
            Cost of the group in the reporting currency: each training's cost is shared equally
            among the people it registered, so a group of people (a sector) carries its share of
            each training's cost, and a group of trainings (a country) the sum of their costs.
        ``cost_years``
            The years the costs are from, as given (no inflation adjustment).
        ``n_registered``, ``n_matched``
            People registered, and people who took both tests (completers), in trainings with a
            cost.
        ``n_reliably_improved``
            People whose gain is a reliable improvement: :math:`RCI > 1.96`, computed exactly as
            ``pct_reliable_improved`` of :func:`~tip_eval.gains` (``RCI = D / (\\sqrt 2\\,
            s_{pre}\\sqrt{1 - r_{xx}})``, :math:`s_{pre}` the sd of all pre-test scores of the
            study, :math:`r_{xx}` its pre-test KR-20/alpha), so it equals
            ``pct_reliable_improved * n / 100`` of ``te.gains(study, by=by)`` when every training
            has a cost. NaN when the test's reliability is unknown (no item-level answers).
        ``cost_per_trained``, ``cost_per_completer``
            ``cost_total / n_registered`` and ``cost_total / n_matched``.
        ``cost_per_reliably_improved``
            ``cost_total / n_reliably_improved``; **NaN, never infinity**, when nobody reliably
            improved (the note says so).
        ``cost_per_reliably_improved_ci_low``, ``cost_per_reliably_improved_ci_high``
            Percentile bootstrap interval over people: the registered people are resampled with
            replacement within each training (``n_boot`` times, seeded), the number reliably
            improved is recounted (people without both tests count as not improved) and the cost
            divided by it. Drawing a training's resampled count as binomial(``n_t``, ``k_t/n_t``)
            is exactly the same as drawing its people one by one, and is what is done. When
            resamples with nobody reliably improved reach the upper percentile, the upper end is
            unbounded: NaN, with a note.
        ``confidence``
            Level of the interval.
        ``mean_gain``
            Mean gain of the completers in the group (points of ``measure``).
        ``gain_sd``
            ``mean_gain`` in standard deviations of this study's pre-test scores (all people with
            a pre-test; one sd for every row, so rows compare).
        ``gain_sd_per_100``
            ``100 * gain_sd / cost_per_trained``: sd gained per participant for every 100 units of
            currency spent per participant (J-PAL's effect per 100 dollars). It credits every
            registered person with the completers' mean gain.
        ``note``
            Plain words where a number is missing or needs care; empty otherwise.

    Notes
    -----
    Costs are taken as given: in the years they were spent, converted at the rates given, not
    adjusted for inflation or purchasing power. Trainings without a cost are left out (their
    people too) and named in the notes. Numbers are at full precision: pass the result through
    :func:`tip_eval.disclosure.suppress` before publishing it (groups under ``min_cell`` people,
    and counts of reliably improved people under ``min_cell`` with the costs computed from them,
    are blanked).

    References
    ----------
    Dhaliwal, I., Duflo, E., Glennerster, R. & Tulloch, C. (2013). Comparative cost-effectiveness
    analysis to inform policy in developing countries. In Glewwe (ed.), Education Policy in
    Developing Countries. J-PAL. Jacobson, N. S. & Truax, P. (1991). J. Consulting and Clinical
    Psychology, 59, 12-19. Efron, B. & Tibshirani, R. J. (1993). An introduction to the bootstrap,
    ch. 13 (percentile intervals).

    Examples
    --------
    >>> import tip_eval as te
    >>> study, truth = te.datasets.make_study()
    >>> table = te.cost_effectiveness(study, costs=1000)
    >>> round(float(table["cost_per_trained"].iloc[0]) * int(table["n_registered"].iloc[0]))
    7000
    """
    from tip_eval.analysis.inputs import check_measure, person_scores

    if not is_study(study):
        raise TypeError(f"cost_effectiveness needs a tip_eval Study; got {type(study).__name__}")
    measure = check_measure(measure)
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        level = float("nan")
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence must be a number strictly between 0 and 1 (e.g. 0.95); got {confidence!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 100:
        raise ValueError(f"n_boot must be a whole number of at least 100; got {n_boot!r}")
    by_list = [b for b in dict.fromkeys(as_by(by))]
    costs, rates, currency = _study_costs(study, costs, rates, currency)
    per_training, currency = normalise_costs(costs, study.trainings[TRAINING], rates=rates, currency=currency)

    ps = person_scores(study, by=[TRAINING, *[b for b in by_list if b != TRAINING]], measure=measure)
    people = ps.frame
    floor = ps.floor
    pre = people["pre"].to_numpy(dtype=np.float64) - floor
    post = people["post"].to_numpy(dtype=np.float64) - floor
    pre_seen = pre[~np.isnan(pre)]
    sd_pre = float(pre_seen.std(ddof=1)) if pre_seen.size >= 2 else float("nan")
    rel = ps.reliability
    gain = post - pre
    matched = ~np.isnan(gain)
    if rel is not None and 0.0 <= rel < 1.0 and sd_pre > 0:
        improved = matched & (gain / (math.sqrt(2.0) * sd_pre * math.sqrt(1.0 - rel)) > RCI_THRESHOLD)
        has_rci = True
    else:
        improved = np.zeros(len(people), dtype=bool)
        has_rci = False
    people = people.assign(_gain=gain, _matched=matched, _improved=improved)

    registered = people.groupby(TRAINING, observed=True, sort=False).size()
    registered.index = registered.index.astype(str)
    cost_of = per_training.set_index(TRAINING)
    with_cost = cost_of.index.intersection(registered.index)
    people = people[people[TRAINING].astype(str).isin(with_cost)].copy()
    people["_training_cost"] = people[TRAINING].astype(str).map(cost_of["cost"])
    people["_training_size"] = people[TRAINING].astype(str).map(registered)
    people["_years"] = people[TRAINING].astype(str).map(cost_of["years"])
    left_out = [t for t in study.trainings[TRAINING].astype(str) if t not in set(with_cost)]

    rows = _group_rows(people, by_list, has_rci, level, int(n_boot), seed, sd_pre)
    table = pd.DataFrame(rows)
    if by_list:
        table = table.sort_values(by_list, kind="stable", na_position="last").reset_index(drop=True)
    table.insert(len(by_list), "currency", currency)
    if left_out:
        extra = (
            f"no cost given for {', '.join(left_out)}: left out"
            if len(left_out) <= 5
            else f"no cost given for {len(left_out)} trainings: left out"
        )
        table["note"] = [f"{n}; {extra}" if n else extra for n in table["note"]]
    return table[[*by_list, *COST_COLUMNS]]


def _group_rows(
    people: pd.DataFrame, by: list[str], has_rci: bool, level: float, n_boot: int, seed: int | None, sd_pre: float
) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    tail = (1.0 - level) / 2.0
    groups = (
        people.groupby(by if len(by) > 1 else by[0], dropna=False, observed=True, sort=True) if by else [((), people)]
    )
    rows = []
    for key, part in groups:
        keys = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        cost = _share_of_costs(part)
        n_reg = len(part)
        n_matched = int(part["_matched"].sum())
        n_imp = int(part["_improved"].sum()) if has_rci else float("nan")
        mean_gain = float(part.loc[part["_matched"], "_gain"].mean()) if n_matched else float("nan")
        per_trained = cost / n_reg if n_reg else float("nan")
        per_completer = cost / n_matched if n_matched else float("nan")
        notes = []
        low = high = per_improved = float("nan")
        if not has_rci:
            notes.append("reliable change needs the test's reliability (item-level answers): not computed")
        elif n_imp == 0:
            notes.append("nobody in this group reliably improved: no cost per reliably improved person")
        else:
            per_improved = cost / n_imp
            counts = _boot_counts(part, n_boot, rng)
            q_low, q_high = np.quantile(counts, [tail, 1.0 - tail])
            low = cost / q_high
            if q_low > 0:
                high = cost / q_low
            else:
                notes.append("in some resamples nobody reliably improved: the upper end of the interval is unbounded")
        gain_sd = mean_gain / sd_pre if sd_pre > 0 else float("nan")
        per_100 = 100.0 * gain_sd / per_trained if per_trained > 0 else float("nan")
        if per_trained == 0:
            notes.append("no cost recorded: no gain per 100 spent")
        years = ", ".join(sorted({y for s in part["_years"] for y in s.split(", ") if y}))
        rows.append(
            {
                **keys,
                "cost_total": cost,
                "cost_years": years,
                "n_registered": n_reg,
                "n_matched": n_matched,
                "n_reliably_improved": n_imp,
                "cost_per_trained": per_trained,
                "cost_per_completer": per_completer,
                "cost_per_reliably_improved": per_improved,
                "cost_per_reliably_improved_ci_low": low,
                "cost_per_reliably_improved_ci_high": high,
                "confidence": level,
                "mean_gain": mean_gain,
                "gain_sd": gain_sd,
                "gain_sd_per_100": per_100,
                "note": "; ".join(notes),
            }
        )
    return rows


def _share_of_costs(part: pd.DataFrame) -> float:
    """The group's share of its trainings' costs: cost x (people of the group / people registered)."""
    per = part.groupby(TRAINING, observed=True, sort=True).agg(
        n=("_training_size", "size"), size=("_training_size", "first"), cost=("_training_cost", "first")
    )
    whole = per["n"] == per["size"]  # the whole training: its cost exactly, not cost * n / n
    return float(np.where(whole, per["cost"], per["cost"] * per["n"] / per["size"]).sum())


def _boot_counts(part: pd.DataFrame, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Reliably improved people in ``n_boot`` resamples of the group's people, within each training."""
    per = part.groupby(TRAINING, observed=True, sort=True)["_improved"].agg(["size", "sum"])
    n = per["size"].to_numpy(dtype=np.int64)
    p = per["sum"].to_numpy(dtype=np.float64) / n
    return rng.binomial(n[None, :], p[None, :], size=(n_boot, len(n))).sum(axis=1)
