"""Benchmarks of tip_eval at programme scale, as ratios against baselines measured in the same run.

Usage (from the repository root)::

    python benchmarks/run.py --quick     # smaller sizes, about two minutes
    python benchmarks/run.py             # full sizes (2,000 trainings x 50 participants x 30 items)
    python benchmarks/run.py --only gains,validate --quick

Each step runs in a fresh Python process (so imports, caches and memory of one step never help or
hurt another). Inside a step, the candidate (tip_eval) and its baselines are run once to warm up,
then timed in alternation (``--repeats`` rounds; the median is reported), so that load from other
processes on the machine affects both alike. Wall-clock and CPU time are both recorded; the table
shows wall-clock ratios, with CPU-time ratios beside them (CPU time is less disturbed by other
processes on a busy machine). Peak memory is the process's peak resident set size (VmHWM) while
the function runs once, measured after resetting the peak (Linux ``/proc/self/clear_refs``), so it
includes the inputs already in memory; the increment over the resident size just before is shown
too.

Results go to ``benchmarks/_data/results_<mode>.json`` and ``benchmarks/RESULTS.md`` (which holds
the latest quick and full tables, the machine and the versions). Input files are generated under
``benchmarks/_data/`` (git-ignored) by :mod:`scale` and reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "_data"
sys.path.insert(0, str(HERE))

# sizes: (trainings, participants per training, items)
SIZES = {
    "quick": {
        "wide_rows": 10_000,
        "analysis": (1000, 30, 30),
        "compare": (100, 30, 30),
        "validate": (1000, 30, 30),
        "cache": (20, 30, 30),
        "make": (1000, 30, 30),
        "memory": (200, 50, 30),
        "growth": [],
        "loop_groups": 1000,
        "repeats": 2,
        "brief_repeats": 2,
        "brief_warm_all": False,
        "firstload": [((40, 50, 30), None)],
        "firstload_repeats": 1,
    },
    "full": {
        "wide_rows": 100_000,
        "analysis": (1000, 30, 30),
        "compare": (1000, 30, 30),
        "validate": (2000, 50, 30),
        "cache": (2000, 50, 30),
        "make": (2000, 50, 30),
        "memory": (2000, 50, 30),
        "growth": [(500, 50, 30), (1000, 50, 30), (2000, 50, 30)],
        "loop_groups": 1000,
        "repeats": 5,
        "brief_repeats": 5,
        "brief_warm_all": True,
        "firstload": [((200, 50, 30), None), ((2000, 50, 30), 1536)],
        "firstload_repeats": 2,
    },
}


# ------------------------------------------------------------------------------ measuring


def _status(field: str) -> float:
    """A VmXXX field of /proc/self/status, in MB (NaN where unavailable)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_of(fn: Callable[[], Any]) -> tuple[float, float, float, float]:
    """Run fn once; return (peak RSS while it ran, RSS just before, in MB; wall s; CPU s)."""
    import gc

    gc.collect()
    before = _status("VmRSS")
    reset = _reset_peak()
    w, c = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    peak = _status("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return peak, before, wall, cpu


def measure(
    funcs: dict[str, Callable[[], Any]], repeats: int, warmup: bool = True, once: set[str] | frozenset = frozenset()
) -> dict[str, dict[str, Any]]:
    """Time each function: a warm-up run, a timed run for peak memory, then ``repeats`` alternating rounds.

    Functions named in ``once`` are slow baselines: no warm-up and no further rounds (that single run
    gives both the time and the memory).
    """
    out: dict[str, dict[str, Any]] = {k: {"wall": [], "cpu": []} for k in funcs}
    for name, fn in funcs.items():
        if warmup and name not in once:
            fn()
        peak, before, wall, cpu = _peak_of(fn)
        out[name].update(peak_mb=peak, rss_before_mb=before)
        out[name]["wall"].append(wall)
        out[name]["cpu"].append(cpu)
    for _ in range(repeats):
        for name, fn in funcs.items():
            if name in once:
                continue
            w, c = time.perf_counter(), time.process_time()
            fn()
            out[name]["wall"].append(time.perf_counter() - w)
            out[name]["cpu"].append(time.process_time() - c)
    for v in out.values():
        v["wall_median"] = statistics.median(v["wall"])
        v["cpu_median"] = statistics.median(v["cpu"])
    return out


def row(
    what: str,
    cand: str,
    base: str,
    m: dict[str, dict[str, Any]],
    target: str = "",
    ok: bool | None = None,
    scale_base: float = 1.0,
    note: str = "",
    invert: bool = False,
) -> dict[str, Any]:
    """One line of the table: candidate time / baseline time (or baseline / candidate with ``invert``)."""
    c, b = m[cand], m[base]
    tc, tb = c["wall_median"], b["wall_median"] * scale_base
    cc, cb = c["cpu_median"], b["cpu_median"] * scale_base
    ratio = tb / tc if invert else tc / tb
    cpu_ratio = (cb / cc if invert else cc / cb) if cc > 0 and cb > 0 else float("nan")
    return {
        "what": what,
        "candidate": cand,
        "baseline": base,
        "t_candidate": tc,
        "t_baseline": tb,
        "ratio": ratio,
        "cpu_ratio": cpu_ratio,
        "invert": invert,
        "target": target,
        "ok": ok,
        "peak_candidate_mb": c.get("peak_mb"),
        "inc_candidate_mb": c.get("peak_mb", 0) - c.get("rss_before_mb", 0),
        "peak_baseline_mb": b.get("peak_mb"),
        "note": note,
    }


def _child(cmd: list[str], env: dict | None = None) -> tuple[float, float, float, int]:
    """Run a command; return (wall s, CPU s, peak RSS MB, exit code) of that child alone."""
    w = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - w
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, proc.returncode


# ------------------------------------------------------------------------------------ steps
# Each step runs in its own process and returns a list of table rows.


def step_read(cfg: dict) -> list[dict]:
    import pandas as pd
    import scale

    from tip_eval.io import read as R

    xlsx, csv = scale.build_wide(cfg["wide_rows"])
    rows_n = cfg["wide_rows"]

    def tip_xlsx():
        R._GUARD_CACHE.clear()  # a new file every time: the guard runs
        return R.read_table(xlsx)

    def tip_csv():
        return R.read_table(csv)

    m = measure(
        {
            "read_table(xlsx)": tip_xlsx,
            "pandas.read_excel(calamine)": lambda: pd.read_excel(xlsx, engine="calamine"),
            "pandas.read_excel(openpyxl)": lambda: pd.read_excel(xlsx, engine="openpyxl"),
            "read_table(csv)": tip_csv,
            "pandas.read_csv(dtype=str)": lambda: pd.read_csv(csv, dtype=str, keep_default_na=False),
        },
        cfg["repeats"],
        once={"pandas.read_excel(openpyxl)"},
    )
    size = f"{rows_n:,} rows x 40 columns"
    ok = m["read_table(xlsx)"]["wall_median"] / m["pandas.read_excel(calamine)"]["wall_median"] <= 1.3
    ok_csv = m["read_table(csv)"]["wall_median"] / m["pandas.read_csv(dtype=str)"]["wall_median"] <= 1.5
    return [
        row(
            f"read xlsx, {size}",
            "read_table(xlsx)",
            "pandas.read_excel(calamine)",
            m,
            "<= 1.3",
            ok,
            note="guard + normaliser + locations included; guard cache cleared each time",
        ),
        row(
            f"read xlsx, {size}: openpyxl is N x slower",
            "read_table(xlsx)",
            "pandas.read_excel(openpyxl)",
            m,
            invert=True,
            note="openpyxl timed once",
        ),
        row(
            f"read csv, {size}",
            "read_table(csv)",
            "pandas.read_csv(dtype=str)",
            m,
            "<= 1.5",
            ok_csv,
            note="encoding and delimiter detection, blanks, locations",
        ),
    ]


def step_farcell(cfg: dict) -> list[dict]:
    import pandas as pd
    import scale

    from tip_eval.errors import InputRefused
    from tip_eval.io import read as R

    declared, lying = scale.build_far_cell()
    small, _ = scale.build_wide(10)

    def refuse(path):
        def go():
            R._GUARD_CACHE.clear()
            try:
                R.read_table(path)
            except InputRefused:
                return True
            raise AssertionError(f"{path} was not refused")

        return go

    m = measure(
        {
            "refuse far cell (declared)": refuse(declared),
            "refuse far cell (dimension lies, 20,000 rows first)": refuse(lying),
            "pandas.read_excel(calamine), 10-row sheet": lambda: pd.read_excel(small, engine="calamine"),
        },
        max(cfg["repeats"], 5),
    )
    t = m["refuse far cell (declared)"]["wall_median"]
    return [
        row(
            "far-away cell XFD1048576 refused",
            "refuse far cell (declared)",
            "pandas.read_excel(calamine), 10-row sheet",
            m,
            "< 0.1 s",
            t < 0.1,
            note=f"{t * 1000:.1f} ms",
        ),
        row(
            "far-away cell behind a lying dimension",
            "refuse far cell (dimension lies, 20,000 rows first)",
            "pandas.read_excel(calamine), 10-row sheet",
            m,
            note=f"{m['refuse far cell (dimension lies, 20,000 rows first)']['wall_median'] * 1000:.0f} ms: the whole sheet is scanned",
        ),
    ]


def handwritten_checks(tables: dict) -> dict:
    """What an analyst would write instead of check_tables: the same rules as plain pandas code.

    Per table: required columns; no missing values where required; identifiers match the ID pattern
    and are at most 64 characters; vocabulary columns hold allowed codes; numbers in range; unique
    keys; end_date >= start_date; score <= max_score. Across tables: every reference exists, and
    responses/scores carry the participant's own training. Returns the bad-row mask per table.
    """
    import numpy as np

    from tip_eval import schemas, vocab
    from tip_eval.validation import REFERENCES

    pat = schemas.ID_PATTERN
    ids = {
        "trainings": ["training_id"],
        "participants": ["participant_id", "training_id"],
        "items": ["item_id"],
        "responses": ["participant_id", "item_id", "training_id"],
        "scores": ["participant_id", "training_id"],
        "competencies": ["competency_id"],
        "confidence": ["participant_id", "competency_id"],
        "interviews": ["interview_id", "participant_id"],
        "codebook": ["code_id"],
        "followup_codes": ["interview_id", "coder", "code_id"],
        "costs": ["training_id"],
    }
    vocabs = {
        ("trainings", "country"): list(vocab.COUNTRIES),
        ("trainings", "language"): list(vocab.TRAINING_LANGUAGES),
        ("participants", "sector"): list(vocab.SECTORS),
        ("participants", "gender"): list(vocab.GENDERS),
        ("items", "module"): list(vocab.MODULES),
        ("responses", "phase"): list(vocab.PHASES),
        ("scores", "phase"): list(vocab.PHASES),
        ("confidence", "phase"): list(vocab.PHASES),
        ("confidence", "rating"): [1, 2, 3, 4, 5],
        ("codebook", "level"): [1, 2, 3, 4],
    }
    ranges = {
        ("participants", "years_experience"): (0, 60),
        ("items", "points"): (1e-300, np.inf),
        ("items", "n_options"): (2, np.inf),
        ("responses", "score"): (0, np.inf),
        ("scores", "score"): (0, np.inf),
        ("scores", "max_score"): (1e-300, np.inf),
        ("scores", "pct"): (0, 100),
        ("costs", "cost"): (0, np.inf),
        ("costs", "year"): (1990, 2100),
    }
    keys = {
        "trainings": ["training_id"],
        "participants": ["participant_id"],
        "items": ["item_id"],
        "responses": ["participant_id", "phase", "item_id"],
        "scores": ["participant_id", "phase"],
        "competencies": ["competency_id"],
        "confidence": ["participant_id", "phase", "competency_id"],
        "interviews": ["interview_id"],
        "codebook": ["code_id"],
        "followup_codes": ["interview_id", "coder", "code_id"],
    }
    bad = {}
    for t, df in tables.items():
        schema = schemas.schema(t)
        missing = [c for c in schema.columns if c not in df.columns]
        if missing:
            raise ValueError(f"{t} lacks {missing}")
        b = np.zeros(len(df), dtype=bool)
        for c, col in schema.columns.items():
            if not col.nullable:
                b |= df[c].isna().to_numpy()
        for c in ids[t]:
            s = df[c]
            b |= ~(s.str.fullmatch(pat).fillna(True).to_numpy(dtype=bool) & (s.str.len().fillna(0) <= 64).to_numpy())
        for (tt, c), allowed in vocabs.items():
            if tt == t:
                s = df[c]
                b |= ~(s.isin(allowed) | s.isna()).to_numpy()
        for (tt, c), (lo, hi) in ranges.items():
            if tt == t:
                s = df[c].astype("float64")
                b |= ~((s >= lo) & (s <= hi) | s.isna()).to_numpy()
        if keys.get(t):  # a cost row has no key: one training may have several of the same amount
            b |= df.duplicated(keys[t]).to_numpy()
        if t == "costs":
            b |= ~df["currency"].str.fullmatch(r"[A-Z]{3}").fillna(False).to_numpy(dtype=bool)
        if t == "trainings":
            b |= (df["end_date"] < df["start_date"]).to_numpy()
        if t == "scores":
            b |= (df["score"] > df["max_score"] + 1e-9).to_numpy()
        bad[t] = b
    for t, c, parent, pc in REFERENCES:
        bad[t] |= ~tables[t][c].isin(tables[parent][pc]).to_numpy()
    own = tables["participants"].set_index("participant_id")["training_id"]
    for t in ("responses", "scores"):
        bad[t] |= (tables[t]["participant_id"].map(own) != tables[t]["training_id"]).to_numpy()
    return bad


def step_validate(cfg: dict) -> list[dict]:
    import scale

    from tip_eval.validation import check_tables

    t, p, k = cfg["validate"]
    study = scale.load_pickled(t, p, k)["study"]
    tables = study.tables()
    n_rows = sum(len(v) for v in tables.values())
    m = measure(
        {
            "check_tables": lambda: check_tables(tables),
            "hand-written pandas checks": lambda: handwritten_checks(tables),
        },
        cfg["repeats"],
    )
    ratio = m["check_tables"]["wall_median"] / m["hand-written pandas checks"]["wall_median"]
    return [
        row(
            f"validate {t:,} x {p} x {k} ({n_rows / 1e6:.1f} M rows)",
            "check_tables",
            "hand-written pandas checks",
            m,
            "<= 2",
            ratio <= 2,
            note="pandera lazy + cross-table rules + quarantine bookkeeping",
        )
    ]


def _peer_loop(study, groups: int | None):
    """The loop an analyst writes instead of gains(by='training_id'): per training, pingouin + wilcoxon."""
    import pingouin as pg
    from scipy import stats

    wide = study.scores.pivot(index="participant_id", columns="phase", values="pct").dropna()
    wide = wide.join(study.participants.set_index("participant_id")["training_id"])
    out = []
    for i, (tid, g) in enumerate(wide.groupby("training_id", sort=False)):
        if groups is not None and i >= groups:
            break
        tt = pg.ttest(g["post"], g["pre"], paired=True)
        w = stats.wilcoxon(g["post"], g["pre"])
        out.append(
            (
                tid,
                float(tt["T"].iloc[0]),
                float(tt["p_val"].iloc[0] if "p_val" in tt else tt["p-val"].iloc[0]),
                float(w.pvalue),
            )
        )
    return out


def _groupby_floor(study):
    """The floor: the same differences, per training, with a bare pandas groupby mean."""
    wide = study.scores.pivot(index="participant_id", columns="phase", values="pct").dropna()
    d = (wide["post"] - wide["pre"]).rename("d")
    return (
        d.to_frame()
        .join(study.participants.set_index("participant_id")["training_id"])
        .groupby("training_id")["d"]
        .mean()
    )


def step_gains(cfg: dict) -> list[dict]:
    import warnings

    import scale

    import tip_eval as te

    warnings.filterwarnings("ignore")
    import pingouin  # noqa: F401  (imported before timing: the loop is timed once, without a warm-up)
    import scipy.stats  # noqa: F401

    t, p, k = cfg["analysis"]
    study = scale.load_pickled(t, p, k)["study"]
    n_groups = study.trainings.shape[0]
    sub = min(cfg["loop_groups"], n_groups)
    m = measure(
        {
            "gains(by='training_id')": lambda: te.gains(study, by="training_id"),
            "pingouin.ttest + wilcoxon loop": lambda: _peer_loop(study, sub),
            "pandas groupby mean": lambda: _groupby_floor(study),
            "gains(by='country')": lambda: te.gains(study, by="country"),
        },
        cfg["repeats"],
        once={"pingouin.ttest + wilcoxon loop"},
    )
    scale_loop = n_groups / sub
    speedup = (
        m["pingouin.ttest + wilcoxon loop"]["wall_median"] * scale_loop / m["gains(by='training_id')"]["wall_median"]
    )
    floor = m["gains(by='training_id')"]["wall_median"] / m["pandas groupby mean"]["wall_median"]
    note = (
        f"loop timed on {sub} of {n_groups} trainings, scaled x{scale_loop:g}"
        if sub < n_groups
        else "loop over every training"
    )
    return [
        row(
            f"gains by training, {t:,} x {p}: peer loop is N x slower",
            "gains(by='training_id')",
            "pingouin.ttest + wilcoxon loop",
            m,
            ">= 50",
            speedup >= 50,
            scale_base=scale_loop,
            invert=True,
            note=note,
        ),
        row(
            f"gains by training, {t:,} x {p}, vs floor",
            "gains(by='training_id')",
            "pandas groupby mean",
            m,
            "<= 20",
            floor <= 20,
            note="floor: pivot scores to pre/post, difference, groupby mean",
        ),
        row(
            f"gains by country, {t:,} x {p}, vs floor",
            "gains(by='country')",
            "pandas groupby mean",
            m,
            note="floor is by training (same work)",
        ),
    ]


def _item_floor(study):
    r = study.responses
    return r.groupby(["item_id", "phase"], observed=True)["score"].mean()


def step_items(cfg: dict) -> list[dict]:
    import warnings

    import scale

    import tip_eval as te

    warnings.filterwarnings("ignore")
    t, p, k = cfg["analysis"]
    study = scale.load_pickled(t, p, k)["study"]
    m = measure(
        {
            "item_analysis": lambda: te.item_analysis(study),
            "pandas groupby mean (difficulty only)": lambda: _item_floor(study),
        },
        cfg["repeats"],
    )
    ratio = m["item_analysis"]["wall_median"] / m["pandas groupby mean (difficulty only)"]["wall_median"]
    return [
        row(
            f"item_analysis, {t:,} x {p} x {k} ({len(study.responses) / 1e6:.1f} M responses)",
            "item_analysis",
            "pandas groupby mean (difficulty only)",
            m,
            "<= 2.5",
            ratio <= 2.5,
            note="floor computes only the share correct per item and phase",
        )
    ]


def _compare_peer(study):
    """What an analyst would write: statsmodels formula OLS (ANCOVA) and MixedLM on the gains."""
    import statsmodels.formula.api as smf

    wide = study.scores.pivot(index="participant_id", columns="phase", values="pct").dropna()
    wide = wide.join(study.participants.set_index("participant_id")["training_id"]).reset_index()
    wide["gain"] = wide["post"] - wide["pre"]
    ols = smf.ols("post ~ pre + C(training_id, Sum)", data=wide).fit()
    mixed = smf.mixedlm("gain ~ 1", data=wide, groups=wide["training_id"]).fit(reml=True)
    return ols.params, mixed.random_effects


def step_compare(cfg: dict) -> list[dict]:
    import warnings

    import scale

    import tip_eval as te

    warnings.filterwarnings("ignore")
    import statsmodels.formula.api  # noqa: F401  (imported before timing: the peer is timed once)

    t, p, k = cfg["compare"]
    study = scale.load_pickled(t, p, k)["study"]
    m = measure(
        {
            "compare_trainings": lambda: te.compare_trainings(study),
            "statsmodels formula OLS + MixedLM": lambda: _compare_peer(study),
            "pandas groupby mean": lambda: _groupby_floor(study),
        },
        max(1, cfg["repeats"] - 2),
        once={"statsmodels formula OLS + MixedLM"},
    )
    return [
        row(
            f"compare_trainings, {t:,} x {p}",
            "compare_trainings",
            "statsmodels formula OLS + MixedLM",
            m,
            note="peer: smf.ols('post ~ pre + C(training_id, Sum)') + smf.mixedlm",
        ),
        row(f"compare_trainings, {t:,} x {p}, vs floor", "compare_trainings", "pandas groupby mean", m),
    ]


def step_load(cfg: dict) -> list[dict]:
    import pandas as pd

    import tip_eval as te
    from tip_eval.io import read as R

    sample = ROOT / "sample_data"
    books = sorted(sample.rglob("*.xlsx"))

    def first():
        R._GUARD_CACHE.clear()
        return te.load_study(sample)

    def bare():
        return [pd.read_excel(b, sheet_name=None, engine="calamine") for b in books]

    m = measure({"load_study(sample_data)": first, "pandas.read_excel(calamine) of every sheet": bare}, cfg["repeats"])
    ratio = m["load_study(sample_data)"]["wall_median"] / m["pandas.read_excel(calamine) of every sheet"]["wall_median"]
    return [
        row(
            "load_study(sample_data), no cache",
            "load_study(sample_data)",
            "pandas.read_excel(calamine) of every sheet",
            m,
            "<= 3",
            ratio <= 3,
            note=f"{m['load_study(sample_data)']['wall_median']:.2f} s; read + map + coerce + validate; the baseline "
            f"reads all {len(books)} workbooks under sample_data/ (programme/ included)",
        )
    ]


def step_cache(cfg: dict) -> list[dict]:
    import shutil

    import scale

    import tip_eval as te
    from tip_eval.io import read as R

    t, p, k = cfg["cache"]
    folder = scale.build_folder(t, p, k)
    cache_dir = Path(tempfile.mkdtemp(prefix="tip_eval_cache_", dir=DATA))

    def first():
        R._GUARD_CACHE.clear()
        shutil.rmtree(cache_dir, ignore_errors=True)
        return te.load_study(folder, cache=cache_dir)

    def cached():
        return te.load_study(folder, cache=cache_dir)

    try:
        m = measure(
            {"first load_study (writes the cache)": first, "cached reload": cached},
            1 if t * p >= 50_000 else cfg["repeats"],
            warmup=t * p < 50_000,
        )
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    speedup = m["first load_study (writes the cache)"]["wall_median"] / m["cached reload"]["wall_median"]
    out = row(
        f"cached reload, {t * p:,} participants ({t:,} workbooks): first load is N x slower",
        "cached reload",
        "first load_study (writes the cache)",
        m,
        ">= 20",
        speedup >= 20,
        invert=True,
        note=f"first load {m['first load_study (writes the cache)']['wall_median']:.1f} s",
    )
    out["participants"] = t * p
    return [out]


def step_make(cfg: dict) -> list[dict]:
    import numpy as np

    from tip_eval.datasets import make_study

    t, p, k = cfg["make"]

    def draws():  # the random numbers make_study needs, drawn in bulk: the floor of any generator
        rng = np.random.default_rng(0)
        n = t * p
        return rng.random((2 * n, k)), rng.integers(1, 4, size=(2 * n, k)), rng.logistic(size=(2 * n, 7))

    m = measure(
        {
            "make_study": lambda: make_study(seed=0, n_trainings=t, participants_per_training=p, n_items=k),
            "numpy random draws": draws,
        },
        max(1, cfg["repeats"] - 2),
        warmup=False,
    )
    sec = m["make_study"]["wall_median"]
    return [
        row(
            f"make_study {t:,} x {p} x {k}",
            "make_study",
            "numpy random draws",
            m,
            "seconds",
            sec < 10,
            note=f"{sec:.1f} s, validation included",
        )
    ]


#: every runtime dependency of the brief (pyproject.toml), imported as the brief uses it
BRIEF_DEPENDENCIES = (
    "numpy, pandas, scipy.stats, statsmodels.api, plotly.graph_objects, pandera, yaml, openpyxl, "
    "python_calamine, defusedxml, jinja2, rich.progress, rapidfuzz, pyarrow, highspy"
)


def step_brief(cfg: dict) -> list[dict]:
    exe = Path(sys.executable)
    cli = exe.with_name("tip-eval")
    cmd_brief = [str(cli), "brief", str(ROOT / "sample_data"), "--out", str(DATA / "brief_out")]
    if not cli.exists():
        cmd_brief = [str(exe), "-m", "tip_eval.cli", *cmd_brief[1:]]
    cmd_cold = [*cmd_brief, "--no-cache"]
    cmd_import = [str(exe), "-c", f"import {BRIEF_DEPENDENCIES}"]
    brief_name, cold_name = "tip-eval brief sample_data", "tip-eval brief sample_data --no-cache"
    one_name = "tip-eval brief sample_data --no-cache, TIP_EVAL_PROCESSES=1"
    import_name = "python -c 'import <its dependencies>'"
    cmds = {brief_name: cmd_brief, cold_name: cmd_cold, one_name: cmd_cold, import_name: cmd_import}
    res: dict[str, dict[str, Any]] = {name: {"wall": [], "cpu": []} for name in cmds}
    # as on a user's machine, Python keeps the compiled bytecode of what it imports (an editable
    # install under PYTHONDONTWRITEBYTECODE would otherwise compile tip_eval on every run)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # the study's cache goes to a directory of this run, never to the user's own cache
    cache_dir = tempfile.mkdtemp(prefix="tip_eval_brief_cache_", dir=DATA)
    env["TIP_EVAL_CACHE_DIR"] = cache_dir
    # the same first brief with every step in one process: what the two processes of tip_eval.report.forked save
    envs = {name: {**env, "TIP_EVAL_PROCESSES": "1"} if name == one_name else env for name in cmds}
    for name, cmd in cmds.items():  # warm the file cache, write the bytecode and the study's cache
        if name == brief_name or cfg["brief_warm_all"]:  # --quick: the first command warms what matters
            _child(cmd, envs[name])
    for _ in range(cfg["brief_repeats"]):
        for name, cmd in cmds.items():
            wall, cpu, peak, rc = _child(cmd, envs[name])
            if rc != 0:
                raise RuntimeError(f"{cmd} exited with {rc}")
            res[name]["wall"].append(wall)
            res[name]["cpu"].append(cpu)
            res[name]["peak_mb"] = max(res[name].get("peak_mb", 0), peak)
            res[name]["rss_before_mb"] = 0.0
    import shutil

    shutil.rmtree(cache_dir, ignore_errors=True)
    for v in res.values():
        v["wall_median"] = statistics.median(v["wall"])
        v["cpu_median"] = statistics.median(v["cpu"])
    rows = []
    for name, what, target in (
        (brief_name, "the command as shipped: the validated study comes from its cache", 2.0),
        (cold_name, "every file read and validated again", 1.5),
        (one_name, "as --no-cache, every step in the command's own process (no target: for comparison)", None),
    ):
        ratio = res[name]["wall_median"] / res[import_name]["wall_median"]
        rows.append(
            row(
                name,
                name,
                import_name,
                res,
                f"<= {target:g}" if target is not None else "",
                ratio <= target if target is not None else None,
                note=f"{what}; separate processes; cache in a temporary TIP_EVAL_CACHE_DIR; peak = the largest "
                "process; CPU = all processes; "
                f"dependencies: {BRIEF_DEPENDENCIES}",
            )
        )
    return rows


def _plain_linprog():
    """The baseline of the disclosure step: every bound asked of the solver is one cold scipy linprog
    of its whole family (what the plan and the audit did before tip_eval.disclosure.solver)."""
    import contextlib

    import numpy as np
    from scipy.optimize import linprog

    from tip_eval.disclosure import solver

    def minimise(self, idx, coef):
        c = np.zeros(self.n)
        np.add.at(c, idx, coef)
        res = linprog(c, bounds=(0, None), method="highs", **self.matrices())
        self.solves += 1
        if res.status == 2:
            return "infeasible", np.nan, set()
        if res.status == 3:
            return "unbounded", -np.inf, set()
        eq = self.active & (self.lower == self.upper)
        marg = res.eqlin.marginals if res.eqlin is not None else []
        cells = {
            self.row_cells[i]
            for i, mu in zip(np.flatnonzero(eq), marg)
            if abs(mu) > 1e-6 and self.row_cells[i] is not None
        }
        return "optimal", float(res.fun), cells

    @contextlib.contextmanager
    def patched():
        saved = solver.Programme.minimise, solver.Programme.seen
        solver.Programme.minimise = minimise
        solver.Programme.seen = lambda self, idx, coef: (np.nan, np.nan)
        try:
            yield
        finally:
            solver.Programme.minimise, solver.Programme.seen = saved

    return patched


def step_disclosure(cfg: dict) -> list[dict]:
    """The disclosure plan and the audit of the sample brief and of the adversarial study of the tests."""
    import tip_eval as te
    from tip_eval.report.brief import write_brief
    from tip_eval.report.publication import Publication
    from tip_eval.report.results import Results
    from tip_eval.report.workbook import write_workbook

    sys.path.insert(0, str(ROOT / "tests" / "output"))
    from adversarial import adversarial_study

    plain = _plain_linprog()
    rows = []
    for name, study in (
        ("sample brief", te.load_study(ROOT / "sample_data")),
        ("adversarial study", adversarial_study()),
    ):
        res = Results(study)
        with res.active():
            pub = Publication(study, min_cell=5, results=res)  # the analyses, computed once, outside the timing
        out = Path(tempfile.mkdtemp(prefix="tip_eval_disclosure_"))
        write_brief(study, out / "brief.html", results=res, publication=pub)
        write_workbook(study, out / "tables.xlsx", results=res, publication=pub)

        # each closure takes this iteration's study, results and folder as defaults (they are timed
        # within the iteration, but a closure that reads the loop's variables later would see the last)
        def plan(res=res, study=study):
            with res.active():
                return Publication(study, min_cell=5, results=res)

        def plan_plain(plan=plan):
            with plain():
                return plan()

        def audit(out=out):
            return te.disclosure.audit(out)

        def audit_plain(out=out):
            with plain():
                return te.disclosure.audit(out)

        m = measure(
            {"plan": plan, "plan, plain linprog": plan_plain, "audit": audit, "audit, plain linprog": audit_plain},
            cfg["repeats"],
            once={"plan, plain linprog", "audit, plain linprog"},
        )
        rows += [
            row(
                f"disclosure plan, {name}",
                "plan",
                "plan, plain linprog",
                m,
                note=f"{m['plan']['wall_median']:.2f} s; Publication (analyses memoised) with its Plan solved",
            ),
            row(
                f"tip-eval audit, {name}",
                "audit",
                "audit, plain linprog",
                m,
                note=f"{m['audit']['wall_median']:.2f} s; brief.html and tables.xlsx read back and checked",
            ),
        ]
    return rows


def _probe(kind: str, folder: str) -> dict[str, float]:
    """Run in a fresh process (``run.py --probe KIND FOLDER``): one first load, or the bare read of
    every sheet of every workbook, kept in memory as a load keeps its tables; returns the wall and
    CPU seconds and the process's peak resident size (VmHWM, MB)."""
    import pandas as pd

    start_mb = _status("VmRSS")  # the interpreter and pandas, before anything is read
    w, c = time.perf_counter(), time.process_time()
    if kind == "load":
        import tip_eval as te

        kept: Any = te.load_study(folder, cache=False, on_error="quarantine")
    else:
        kept = [pd.read_excel(b, sheet_name=None, engine="calamine") for b in sorted(Path(folder).rglob("*.xlsx"))]
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    del kept
    return {"wall": wall, "cpu": cpu, "peak_mb": _status("VmHWM"), "start_mb": start_mb}


def _probe_child(kind: str, folder: Path) -> dict[str, float]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--probe", kind, str(folder)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    got = [ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE ")]
    if proc.returncode != 0 or not got:
        raise RuntimeError(f"{cmd} failed:\n{proc.stderr[-2000:]}")
    return json.loads(got[-1][6:])


def step_firstload(cfg: dict) -> list[dict]:
    """First load of a folder of training workbooks vs a bare calamine read of every sheet: time and
    peak memory, each run in a process of its own (peak = VmHWM of that process), interleaved."""
    import scale

    out = []
    load, bare = "first load_study (no cache)", "pandas.read_excel(calamine) of every sheet"
    for (t, p, k), target_mb in cfg["firstload"]:
        if t > cfg.get("max_workbooks", t):
            continue
        folder = scale.build_folder(t, p, k)
        kinds = {"load": load} if target_mb else {"load": load, "bare": bare}
        res: dict[str, dict[str, Any]] = {n: {"wall": [], "cpu": [], "peaks": []} for n in kinds.values()}
        for _ in range(1 if target_mb else cfg["firstload_repeats"]):
            for kind, name in kinds.items():
                r = _probe_child(kind, folder)
                res[name]["wall"].append(r["wall"])
                res[name]["cpu"].append(r["cpu"])
                res[name]["peaks"].append(r["peak_mb"])
        for v in res.values():
            v["wall_median"] = statistics.median(v["wall"])
            v["cpu_median"] = statistics.median(v["cpu"])
            v["peak_mb"] = statistics.median(v["peaks"])
            v["rss_before_mb"] = 0.0
        cand = res[load]
        what = f"first load of {t * p:,} participants ({t:,} workbooks)"
        if target_mb:
            r = row(
                f"{what}: peak memory",
                load,
                load,
                res,
                f"peak < {target_mb:,} MB",
                cand["peak_mb"] < target_mb,
                note=f"peak {cand['peak_mb']:,.0f} MB in {cand['wall_median']:.0f} s; one run in a process of its own "
                "(VmHWM); the ratio column compares the load with itself",
            )
        else:
            mem_ratio = cand["peak_mb"] / res[bare]["peak_mb"]
            r = row(
                f"{what}: peak memory vs a bare read",
                load,
                bare,
                res,
                "peak <= 1.5x",
                mem_ratio <= 1.5,
                note=f"peak memory {cand['peak_mb']:,.0f} / {res[bare]['peak_mb']:,.0f} MB = **{mem_ratio:.2f}x** (the "
                "ratio columns are time); each run in a process of its own (VmHWM, imports included); median "
                f"of {len(cand['wall'])} interleaved runs",
            )
            r["memory_ratio"] = mem_ratio
        r["participants"] = t * p
        out.append(r)
    return out


def step_memory(cfg: dict) -> list[dict]:
    """The 100,000-participant analysis: gains by training and country, items, comparison; peak memory."""
    import warnings

    import scale

    import tip_eval as te

    warnings.filterwarnings("ignore")
    t, p, k = cfg["memory"]
    study = scale.load_pickled(t, p, k)["study"]

    def analyse():
        te.gains(study, by="training_id")
        te.gains(study, by="country")
        te.item_analysis(study)
        te.compare_trainings(study)

    m = measure(
        {
            "analysis (gains x2, item_analysis, compare_trainings)": analyse,
            "pandas groupby mean": lambda: _groupby_floor(study),
        },
        0,
        warmup=False,
    )
    peak = m["analysis (gains x2, item_analysis, compare_trainings)"]["peak_mb"]
    return [
        row(
            f"analysis of {t * p:,} participants ({len(study.responses) / 1e6:.1f} M responses)",
            "analysis (gains x2, item_analysis, compare_trainings)",
            "pandas groupby mean",
            m,
            "peak < 2 GB",
            peak < 2048,
            note=f"peak RSS {peak:,.0f} MB (study in memory included)",
        )
    ]


#: the growth table's name of the first load from workbooks (a process of its own, imports included)
FIRST_LOAD = "first load_study from workbooks (own process)"


def step_growth(cfg: dict) -> list[dict]:
    """Time and peak memory of each step at growing sizes (for the estimate on paper); the first load
    of each size from its folder of workbooks is measured in a process of its own (VmHWM)."""
    import warnings

    import scale

    import tip_eval as te
    from tip_eval.validation import check_tables

    warnings.filterwarnings("ignore")
    out = []
    for t, p, k in cfg["growth"]:
        study = scale.load_pickled(t, p, k)["study"]
        tables = study.tables()
        m = measure(
            {
                "check_tables": lambda tables=tables: check_tables(tables),
                "gains(by='training_id')": lambda study=study: te.gains(study, by="training_id"),
                "item_analysis": lambda study=study: te.item_analysis(study),
                "compare_trainings": lambda study=study: te.compare_trainings(study),
            },
            0,
            warmup=True,
        )
        for name, v in m.items():
            out.append(
                {
                    "growth": True,
                    "size": [t, p, k],
                    "participants": t * p,
                    "responses": len(study.responses),
                    "fn": name,
                    "seconds": v["wall_median"],
                    "cpu": v["cpu_median"],
                    "peak_mb": v["peak_mb"],
                    "inc_mb": v["peak_mb"] - v["rss_before_mb"],
                }
            )
        del study, tables
        if t <= cfg.get("max_workbooks", t):  # the first load of the same study from its workbooks
            r = _probe_child("load", scale.folder_path(t, p, k))
            out.append(
                {
                    "growth": True,
                    "size": [t, p, k],
                    "participants": t * p,
                    "responses": len(scale.load_pickled(t, p, k)["study"].responses),
                    "fn": FIRST_LOAD,
                    "seconds": r["wall"],
                    "cpu": r["cpu"],
                    "peak_mb": r["peak_mb"],
                    "inc_mb": r["peak_mb"] - r["start_mb"],
                }
            )
    return out


STEPS: dict[str, Callable[[dict], list[dict]]] = {
    "read": step_read,
    "farcell": step_farcell,
    "validate": step_validate,
    "gains": step_gains,
    "items": step_items,
    "compare": step_compare,
    "load": step_load,
    "cache": step_cache,
    "make": step_make,
    "brief": step_brief,
    "disclosure": step_disclosure,
    "firstload": step_firstload,
    "memory": step_memory,
    "growth": step_growth,
}


# ------------------------------------------------------------------------------- the report


def _fmt_ratio(r: dict) -> str:
    return f"{r['ratio']:.2f}x" if r["ratio"] < 100 else f"{r['ratio']:,.0f}x"


def table(rows: list[dict]) -> str:
    lines = [
        "| what | tip_eval | baseline | tip_eval s | baseline s | ratio (wall) | ratio (CPU) | target | met | peak MB (tip_eval / baseline) | note |",
        "|---|---|---|---:|---:|---:|---:|---|---|---|---|",
    ]
    for r in rows:
        if r.get("growth"):
            continue
        met = "" if r["ok"] is None else ("yes" if r["ok"] else "**no**")
        peak = f"{r['peak_candidate_mb']:,.0f} (+{r['inc_candidate_mb']:,.0f}) / {r['peak_baseline_mb']:,.0f}"
        kind = "baseline / tip_eval" if r["invert"] else "tip_eval / baseline"
        lines.append(
            f"| {r['what']} | {r['candidate']} | {r['baseline']} | {r['t_candidate']:.3f} | {r['t_baseline']:.3f} | "
            f"{_fmt_ratio(r)} ({kind}) | {r['cpu_ratio']:.2f}x | {r['target']} | {met} | {peak} | {r['note']} |"
        )
    return "\n".join(lines)


def growth_table(rows: list[dict]) -> str:
    g = [r for r in rows if r.get("growth")]
    if not g:
        return ""
    lines = ["| participants | responses | step | seconds | peak MB | increment MB |", "|---:|---:|---|---:|---:|---:|"]
    for r in g:
        lines.append(
            f"| {r['participants']:,} | {r['responses']:,} | {r['fn']} | {r['seconds']:.2f} | {r['peak_mb']:,.0f} | {r['inc_mb']:,.0f} |"
        )
    return "\n".join(lines)


def _slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) on log(x): the exponent b in y ~ x^b."""
    import math

    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x > 0 and y > 0]
    if len(pts) < 2:
        return float("nan")
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    den = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / den if den else float("nan")


def _round2(n: float) -> int:
    """n to two significant figures (estimates should not look more precise than they are)."""
    import math

    if n <= 0:
        return 0
    digits = int(math.floor(math.log10(n))) - 1
    return int(round(n / 10**digits) * 10**digits)


def paper(res: dict | None) -> str:
    """The section "Scale beyond one machine, on paper", with numbers from a full run's growth data."""
    head = ["## Scale beyond one machine, on paper", ""]
    rows = (res or {}).get("rows", [])
    growth = [r for r in rows if r.get("growth")]
    if not growth:
        return "\n".join(
            head
            + [
                "Run the full benchmark (`python benchmarks/run.py`) to measure how each step grows; "
                "the estimate is computed from those measurements.",
                "",
            ]
        )
    steps: dict[str, list[dict]] = {}
    for r in growth:
        steps.setdefault(r["fn"], []).append(r)
    n_max_measured = max(r["participants"] for r in growth)
    lines = head + [
        f"Measured on this machine at {', '.join(f'{n:,}' for n in sorted({r['participants'] for r in growth}))} "
        "participants (50 per training, 30 items, pre and post; about 56 item answers per participant). "
        "Each step's time and memory increment were fitted as a power of the number of participants "
        "(exponent 1 = linear).",
        "",
        f"| step | seconds at {n_max_measured:,} | time exponent | memory increment MB at {n_max_measured:,} | memory exponent | "
        "seconds at 1,000,000 (extrapolated) | MB at 1,000,000 (extrapolated) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    est: dict[str, tuple[float, float, float, float]] = {}
    for name, rs in steps.items():
        rs = sorted(rs, key=lambda r: r["participants"])
        xs = [r["participants"] for r in rs]
        bt = _slope(xs, [r["cpu"] for r in rs])
        bm = _slope(xs, [max(r["inc_mb"], 1.0) for r in rs])
        t, mb = rs[-1]["seconds"], rs[-1]["inc_mb"]
        f = 1_000_000 / xs[-1]
        est[name] = (t, bt, mb, bm)
        lines.append(
            f"| {name} | {t:.1f} | {bt:.2f} | {mb:,.0f} | {bm:.2f} | {t * f ** max(bt, 1.0):,.0f} | "
            f"{mb * f ** max(bm, 1.0):,.0f} |"
        )
    first_fit = est.pop(FIRST_LOAD, None)  # the first load is its own wall, not a step of the analysis
    mem_row = next((r for r in rows if r.get("step") == "memory"), None)
    cache_row = next((r for r in rows if r.get("step") == "cache"), None)
    ram_gb = float(str(res["machine"].get("memory", "0 GB")).split()[0] or 0)
    budget = ram_gb * 1024 * 0.6 if ram_gb else 8 * 1024  # leave 40% to the system and the notebook
    walls: dict[str, int] = {}
    lines.append("")
    if mem_row:
        base = mem_row["peak_candidate_mb"] - mem_row["inc_candidate_mb"]
        per = max(base - 250.0, 1.0) / n_max_measured  # the study's tables, beyond the interpreter and libraries
        worst = max(est.values(), key=lambda e: e[2])
        n = n_max_measured
        while n < 50_000_000:
            f = n / n_max_measured
            if 250 + per * n + worst[2] * f ** max(worst[3], 1.0) > budget:
                break
            n = int(n * 1.05)
        walls["memory of the analysis"] = n
        lines.append(
            f"- **Memory of the analysis.** A {n_max_measured:,}-participant study takes about "
            f"{per * n_max_measured:,.0f} MB in memory (canonical tables, Arrow-backed text), and the whole "
            f"analysis peaked at {mem_row['peak_candidate_mb']:,.0f} MB. Growing linearly, the process would "
            f"reach 60% of this machine's {ram_gb:.0f} GB at about **{_round2(n):,} participants**."
        )
    t_an = sum(e[0] for e in est.values())
    b_an = max(e[1] for e in est.values())
    if t_an > 0:
        n_time = int(n_max_measured * (60.0 / t_an) ** (1 / max(b_an, 1.0)))
        walls["time of the analysis"] = n_time
        lines.append(
            f"- **Time of the analysis.** Validation and the three analyses together took {t_an:.0f} s at "
            f"{n_max_measured:,} participants (largest fitted exponent {b_an:.2f}); extrapolating with an "
            f"exponent of at least 1, together they stay under a minute up to about "
            f"**{_round2(n_time):,} participants**."
        )
    if first_fit:
        t_first, b_first = first_fit[0], first_fit[1]
        peaks = sorted((r["participants"], r["peak_mb"]) for r in steps[FIRST_LOAD])
        n_at, peak = peaks[-1]
        b_peak = _slope([x for x, _ in peaks], [y for _, y in peaks])
        n_load = int(n_at * (budget / peak) ** (1 / max(b_peak, 1.0)))
        walls["memory of the first load"] = n_load
        lines.append(
            f"- **The first load.** Reading {n_at:,} participants from their workbooks took {t_first:.0f} s "
            f"(time exponent {b_first:.2f}) and peaked at {peak:,.0f} MB in a process of its own (peak exponent "
            f"{b_peak:.2f}). Growing with an exponent of at least 1 it reaches 60% of the memory at about "
            f"**{_round2(n_load):,} participants** (taking about "
            f"{t_first * (n_load / n_at) ** max(b_first, 1.0) / 60:.0f} minutes, once)."
            + (f" A cached reload took {cache_row['t_candidate']:.1f} s." if cache_row else "")
        )
    elif cache_row:
        first, peak = cache_row["t_baseline"], cache_row["peak_baseline_mb"]
        n_load = int(cache_row.get("participants", n_max_measured) * budget / peak)
        walls["memory of the first load"] = n_load
        lines.append(
            f"- **The first load.** Reading {cache_row.get('participants', n_max_measured):,} participants from "
            f"their workbooks took {first:.0f} s (reading, mapping, parsing and validation, about linear in the "
            f"number of cells) and peaked at {peak:,.0f} MB, much more than the analysis: the raw cells, the "
            f"melted long rows and the parsed tables coexist. Growing linearly it reaches 60% of the memory "
            f"at about **{_round2(n_load):,} participants** (taking about "
            f"{first * n_load / cache_row.get('participants', n_max_measured) / 60:.0f} minutes, once); loading "
            f"the workbooks in batches (by country or year) would lower that peak. A cached reload took "
            f"{cache_row['t_candidate']:.1f} s."
        )
    if walls:
        first_wall = min(walls, key=walls.get)
        lines.append(
            f"- **So:** one machine like this one handles studies up to roughly **{_round2(walls[first_wall]):,} "
            f"participants** (about {_round2(walls[first_wall]) * 56 / 1e6:,.0f} million item answers); the "
            f"first wall is the {first_wall}, measured as above (a minute for all of validation and the "
            "three analyses; 60% of the memory)."
        )
    lines += [
        "",
        """Past that point (or for a data warehouse of many programmes), the work splits naturally, because
every statistic tip_eval reports is computed from small per-person or per-group summaries:

1. **Keep the validated tables in Parquet** (what `load_study(cache=True)` already writes), partitioned by
   country or year, instead of re-reading workbooks; reading Parquet is two orders of magnitude faster.
2. **Validate out of core.** pandera runs the same `DataFrameModel` rules on Polars (`pandera.polars`,
   lazy frames, streaming) and on PySpark (`pandera.pyspark`). The schemas in `tip_eval.schemas` would
   need a Polars and a PySpark twin (the checks used are all built-in ones: `isin`, ranges,
   `str_matches`, uniqueness) and the cross-table rules become anti-joins; the problem table keeps its
   columns (file, sheet, row) because provenance travels with each row.
3. **Aggregate where the data live.** The only step that touches every item answer is responses ->
   per-person scores (and, for item analysis, per-item counts and the item x total cross-products);
   that is a group-by that Polars, DuckDB or Spark does in one pass. What remains (one row per
   person and phase, ~2% of the answers) fits in memory for tens of millions of participants, and
   `gains`, `compare_trainings` and the rest accept such a plain frame today.
4. **Group-wise statistics are embarrassingly parallel**: the paired t and Wilcoxon tests, intervals
   and effect sizes are per group, and the mixed model's sufficient statistics are per-training sums,
   so a distributed back end needs no new statistics, only a different place to compute the sums.

What it would take: Polars/PySpark versions of the schemas (a test that they agree with the pandas
ones on the sample study), a `load_study(..., backend="polars")` that stops after validation and
writes partitioned Parquet, and an aggregation step that produces the per-person frame the analyses
already accept.""",
        "",
    ]
    return "\n".join(lines)


def machine() -> dict[str, str]:
    import importlib.metadata as md

    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": str(os.cpu_count())}
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu"] = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
        with open("/proc/meminfo") as fh:
            info["memory"] = f"{int(fh.readline().split()[1]) / 1024 / 1024:.0f} GB"
        info["load average at start"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        pass
    for pkg in (
        "tip_eval",
        "pandas",
        "numpy",
        "pyarrow",
        "pandera",
        "scipy",
        "statsmodels",
        "python-calamine",
        "openpyxl",
        "pingouin",
    ):
        try:
            info[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            info[pkg] = "-"
    return info


def write_results() -> Path:
    parts = [
        "# Benchmark results",
        "",
        "Written by `python benchmarks/run.py [--quick]`; every ratio is against a baseline measured in the same run "
        "(median of the repeats; see benchmarks/README.md for what each line measures). Timings on a shared machine are "
        "noisy: compare the ratios, and the CPU-time ratios beside them, rather than the seconds.",
        "",
    ]
    for mode in ("full", "quick"):
        path = DATA / f"results_{mode}.json"
        if not path.exists():
            old = HERE / f"results_{mode}.json"
            if not old.exists():
                continue
            path = old
        res = json.loads(path.read_text())
        took = sum({r["step"]: r.get("step_seconds", 0.0) for r in res["rows"] if r.get("step")}.values())
        parts += [
            f"## {mode.capitalize()} run ({res['date']}; the steps took {took or res['seconds']:.0f} s)",
            "",
            "Machine and versions: " + "; ".join(f"{k} {v}" for k, v in res["machine"].items()),
            "",
            table(res["rows"]),
            "",
        ]
        g = growth_table(res["rows"])
        if g:
            parts += ["### Growth with the number of participants", "", g, ""]
    full = DATA / "results_full.json"
    parts += [paper(json.loads(full.read_text()) if full.exists() else None)]
    out = HERE / "RESULTS.md"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


# ------------------------------------------------------------------------------------- main


def prepare(cfg: dict, steps: list[str]) -> None:
    """Generate the input files the chosen steps need (reused when present)."""
    import scale

    sizes = set()
    for s in steps:
        if s in ("validate",):
            sizes.add(tuple(cfg["validate"]))
        if s in ("gains", "items"):
            sizes.add(tuple(cfg["analysis"]))
        if s == "compare":
            sizes.add(tuple(cfg["compare"]))
        if s == "memory":
            sizes.add(tuple(cfg["memory"]))
        if s == "cache":
            sizes.add(tuple(cfg["cache"]))
        if s == "growth":
            sizes.update(tuple(x) for x in cfg["growth"])
    for size in sorted(sizes):
        if not scale.study_path(*size).exists():
            print(f"  building study {size} ...", flush=True)
            scale.build_study(*size)
    folders = [tuple(cfg["cache"])] if "cache" in steps else []
    folders += [tuple(x) for x in cfg["growth"]] if "growth" in steps else []  # the growth table's first loads
    folders += [tuple(size) for size, _ in cfg["firstload"]] if "firstload" in steps else []
    for size in dict.fromkeys(folders):
        if size[0] <= cfg.get("max_workbooks", size[0]) and not (scale.folder_path(*size) / "study.toml").exists():
            print(f"  writing study folder {size} ...", flush=True)
            scale.build_folder(*size)
    if "read" in steps:
        scale.build_wide(cfg["wide_rows"])
    if "farcell" in steps:
        scale.build_far_cell()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (about two minutes)")
    ap.add_argument("--only", default=None, help=f"comma-separated steps: {','.join(STEPS)}")
    ap.add_argument("--repeats", type=int, default=None, help="timed rounds per step (median reported)")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--probe", nargs=2, default=None, help=argparse.SUPPRESS)
    ap.add_argument(
        "--max-workbooks",
        type=int,
        default=None,
        help="skip the first-load measurements of folders with more workbooks (writing them takes long)",
    )
    args = ap.parse_args(argv)
    if args.probe:
        print("PROBE " + json.dumps(_probe(*args.probe)))
        return 0
    mode = "quick" if args.quick else "full"
    cfg = dict(SIZES[mode])
    if args.repeats:
        cfg["repeats"] = args.repeats
    if args.max_workbooks:
        cfg["max_workbooks"] = args.max_workbooks
    if args.worker:
        rows = STEPS[args.worker](cfg)
        print("RESULT " + json.dumps(rows))
        return 0

    steps = list(STEPS) if not args.only else [s.strip() for s in args.only.split(",")]
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        ap.error(f"unknown step(s) {unknown}; steps are {', '.join(STEPS)}")
    if mode == "quick":
        steps = [s for s in steps if s != "growth"]
    start = time.perf_counter()
    DATA.mkdir(exist_ok=True)
    info = machine()
    print(f"tip_eval benchmarks ({mode}); preparing inputs in {DATA} ...", flush=True)
    prepare(cfg, steps)
    path = DATA / f"results_{mode}.json"
    previous = json.loads(path.read_text())["rows"] if (args.only and path.exists()) else []
    rows: list[dict] = []
    for s in steps:
        t0 = time.perf_counter()
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", s] + (["--quick"] if args.quick else [])
        if args.repeats:
            cmd += ["--repeats", str(args.repeats)]
        if args.max_workbooks:
            cmd += ["--max-workbooks", str(args.max_workbooks)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        got = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode != 0 or not got:
            print(f"  {s}: FAILED\n{proc.stderr[-3000:]}", flush=True)
            continue
        step_rows = json.loads(got[-1][7:])
        for r in step_rows:
            r["step"] = s
            r["step_seconds"] = time.perf_counter() - t0
        rows.extend(step_rows)
        print(f"  {s}: {time.perf_counter() - t0:.1f} s", flush=True)
    if previous:  # --only: keep the other steps' rows of the last run
        done = {r["step"] for r in rows}
        rows = [r for r in previous if r.get("step") not in done] + rows
        order = {s: i for i, s in enumerate(STEPS)}
        rows.sort(key=lambda r: order.get(r.get("step"), 99))
    seconds = time.perf_counter() - start
    result = {"mode": mode, "date": time.strftime("%Y-%m-%d %H:%M"), "seconds": seconds, "machine": info, "rows": rows}
    path.write_text(json.dumps(result, indent=1))
    print()
    print(table(rows))
    g = growth_table(rows)
    if g:
        print()
        print(g)
    print(f"\n{mode} run: {seconds:.0f} s; wrote {write_results()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
