"""Calibration of compare_trainings by simulation: false verdicts, power and per-training coverage.

Runs :func:`tip_eval.compare_trainings` on simulated studies whose truth is known and writes
``benchmarks/CALIBRATION.md``. Not part of the test suite (a small seeded version is in
``tests/analysis/test_calibration.py``).

The designs (issue 16): 7 trainings x 25 people with no difference, one training 15 points better,
or two trainings 10 points better and worse; 30 trainings x 12 people with training effects drawn
from N(0, tau^2), tau = 3 and tau = 0. Each person's pre-test is N(60, 12^2) and gain
12 + u_j + N(0, 11^2) percentage points (11 is about the within-training SD of gains of the
sample study), so post = pre + gain.

What is scored, per replicate:

- verdict truth: theta_j = mu_j - median of the other trainings' true mu (mu_j = the training's true
  mean gain, which equals its true adjusted post-test mean up to a constant); a verdict
  ("above"/"below") is false when theta_j = 0 or has the other sign. The **false-verdict rate** is
  the share of studies with at least one false verdict (familywise);
- **power**: the share of studies in which a planted outlier gets the right verdict;
- **coverage**: whether each training's 95% interval of ``adjusted_diff`` contains theta_j, and
  whether its 95% shrunken-gain interval contains mu_j; reported per training (fixed designs) or
  per training and by the rank of its true effect (random designs).

Monte-Carlo standard errors are binomial: sqrt(p (1 - p) / replicates).

Usage::

    python benchmarks/calibration.py                 # 1,000 replicates of the 7 x 25 designs, 500 of the others
    python benchmarks/calibration.py --replicates 400 --replicates-large 400 --processes 2
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent

DESIGNS: dict[str, dict] = {
    "7 x 25, no difference": dict(k=7, n=25, u=[0, 0, 0, 0, 0, 0, 0]),
    "7 x 25, one training +15": dict(k=7, n=25, u=[15, 0, 0, 0, 0, 0, 0]),
    "7 x 25, two trainings +10 and -10": dict(k=7, n=25, u=[10, -10, 0, 0, 0, 0, 0]),
    "30 x 12, tau = 3": dict(k=30, n=12, tau=3.0),
    "30 x 12, tau = 0": dict(k=30, n=12, tau=0.0),
}
SIGMA = 11.0
MEAN_GAIN = 12.0


def simulate(design: dict, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """One simulated study as a plain person frame, and the trainings' true mean gains."""
    k, n = design["k"], design["n"]
    u = np.asarray(design["u"], dtype=float) if "u" in design else rng.normal(0.0, design["tau"], size=k)
    codes = np.repeat(np.arange(k), n)
    pre = rng.normal(60.0, 12.0, size=k * n)
    post = pre + MEAN_GAIN + u[codes] + rng.normal(0.0, SIGMA, size=k * n)
    ids = np.array([f"T{j:02d}" for j in range(k)])
    frame = pd.DataFrame(
        {"participant_id": [f"P{i:05d}" for i in range(k * n)], "training_id": ids[codes], "pre": pre, "post": post}
    )
    return frame, MEAN_GAIN + u


def loo_median_truth(mu: np.ndarray) -> np.ndarray:
    return np.array([mu[j] - np.median(np.delete(mu, j)) for j in range(mu.size)])


def replicate(args: tuple[str, int]) -> dict:
    """Run compare_trainings on one simulated study and score it."""
    import warnings

    from tip_eval.analysis.compare import compare_trainings

    name, seed = args
    rng = np.random.default_rng(seed)
    frame, mu = simulate(DESIGNS[name], rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = compare_trainings(frame).table
    theta = loo_median_truth(mu)
    verdict = t["verdict"].to_numpy()
    sign = np.where(verdict == "above", 1.0, np.where(verdict == "below", -1.0, 0.0))
    false = (sign != 0) & ((theta == 0) | (np.sign(theta) != sign))
    return {
        "mu": mu,
        "theta": theta,
        "sign": sign,
        "false": false,
        "cover_diff": (t["adjusted_ci_low"].to_numpy() <= theta) & (theta <= t["adjusted_ci_high"].to_numpy()),
        "cover_gain": (t["shrunken_ci_low"].to_numpy() <= mu) & (mu <= t["shrunken_ci_high"].to_numpy()),
        "cover_familywise": bool(
            np.all((t["familywise_ci_low"].to_numpy() <= theta) & (theta <= t["familywise_ci_high"].to_numpy()))
        ),
        "inside": (t["shrunken_ci_low"].to_numpy() <= t["shrunken_gain"].to_numpy())
        & (t["shrunken_gain"].to_numpy() <= t["shrunken_ci_high"].to_numpy()),
        "width_diff": (t["adjusted_ci_high"] - t["adjusted_ci_low"]).to_numpy(),
        "width_gain": (t["shrunken_ci_high"] - t["shrunken_ci_low"]).to_numpy(),
        "raw_width": (t["raw_ci_high"] - t["raw_ci_low"]).to_numpy(),
        "boundary": bool(np.all(t["shrunken_effect"].to_numpy() == 0)),
    }


def _rate(x: np.ndarray) -> tuple[float, float]:
    p = float(np.mean(x))
    return p, float(np.sqrt(p * (1 - p) / x.size))


def _fmt(p: float, se: float) -> str:
    return f"{p:.3f} ({se:.3f})"


def summarise(name: str, res: list[dict]) -> dict:
    design = DESIGNS[name]
    R = len(res)
    stack = {key: np.array([r[key] for r in res]) for key in res[0]}
    out: dict = {"design": name, "replicates": R}
    out["false"] = _rate(stack["false"].any(axis=1))
    out["familywise_cover"] = _rate(stack["cover_familywise"])
    out["boundary"] = float(np.mean(stack["boundary"]))
    out["inside"] = float(np.mean(stack["inside"]))
    sign = stack["sign"]
    if "u" in design:
        u = np.asarray(design["u"], dtype=float)
        out["power"] = [
            (f"training {j + 1} ({u[j]:+g})", _rate(sign[:, j] == np.sign(u[j]))) for j in range(u.size) if u[j] != 0
        ]
        out["per_training"] = [
            (
                f"{j + 1} ({u[j]:+g})",
                _rate(stack["cover_diff"][:, j]),
                _rate(stack["cover_gain"][:, j]),
                float(stack["width_diff"][:, j].mean()),
                float(stack["width_gain"][:, j].mean()),
                float(stack["raw_width"][:, j].mean()),
            )
            for j in range(u.size)
        ]
    else:
        theta = stack["theta"]
        right = (sign != 0) & (np.sign(theta) == sign)
        big = np.abs(theta) >= 2 * design["tau"] if design["tau"] > 0 else np.zeros_like(right)
        out["power"] = [("share of trainings with a right verdict", _rate(right.ravel()))]
        if big.any():
            out["power"].append((f"among trainings with |theta| >= {2 * design['tau']:g}", _rate(right[big])))
        k = theta.shape[1]
        rank = np.argsort(np.argsort(stack["mu"], axis=1, kind="stable"), axis=1)
        rows = []
        for label, mask in (
            ("lowest true gain", rank == 0),
            ("bottom quarter", rank < k // 4),
            ("middle half", (rank >= k // 4) & (rank < k - k // 4)),
            ("top quarter", rank >= k - k // 4),
            ("highest true gain", rank == k - 1),
        ):
            rows.append(
                (
                    label,
                    _rate(stack["cover_diff"][mask]),
                    _rate(stack["cover_gain"][mask]),
                    float(stack["width_diff"][mask].mean()),
                    float(stack["width_gain"][mask].mean()),
                    float(stack["raw_width"][mask].mean()),
                )
            )
        per_d = stack["cover_diff"].mean(axis=0)
        per_g = stack["cover_gain"].mean(axis=0)
        out["per_index"] = (
            float(per_d.min()),
            float(per_d.max()),
            float(per_g.min()),
            float(per_g.max()),
            float(np.sqrt(0.95 * 0.05 / R)),
        )
        out["per_training"] = rows
    return out


def write_markdown(summaries: list[dict], args: argparse.Namespace, seconds: float) -> str:
    import tip_eval

    lines = [
        "# Calibration of the trainings comparison",
        "",
        f"Written by `python benchmarks/calibration.py` (replicates {args.replicates} of each 7 x 25 design, "
        f"{args.replicates_large} of each 30 x 12 design, seed {args.seed}, "
        f"{args.processes} processes, {seconds / 60:.0f} min) on {_dt.date.today().isoformat()}, tip_eval "
        f"{getattr(tip_eval, '__version__', '?')}, Python {platform.python_version()}.",
        "",
        "Each replicate is a simulated study (see the docstring of `benchmarks/calibration.py`): pre-test "
        "N(60, 12²), gain 12 + u_j + N(0, 11²) percentage points, analysed with `te.compare_trainings` exactly as "
        "a user would. Numbers in brackets are Monte-Carlo standard errors.",
        "",
        "- **False-verdict rate**: share of studies in which at least one training got a verdict (`above`/"
        "`below` the typical training) that is wrong: the training's true difference from the median of the "
        "other trainings is 0 or has the other sign. Target: at most 5%.",
        "- **Power**: share of studies in which a planted outlier got the right verdict.",
        "- **Coverage**: share of studies in which the training's 95% interval contains the truth: for "
        "`adjusted_diff` its true difference from the median of the others, for the shrunken gain its true "
        "mean gain. Target: 93-97% for every training, extremes included.",
        "",
        "## Verdicts",
        "",
        "| design | false-verdict rate | all familywise intervals cover | power |",
        "|---|---|---|---|",
    ]
    for s in summaries:
        power = "; ".join(f"{label}: {_fmt(*pr)}" for label, pr in s["power"]) or "(nothing to find)"
        lines.append(f"| {s['design']} | {_fmt(*s['false'])} | {_fmt(*s['familywise_cover'])} | {power} |")
    lines += ["", "## Coverage of each training's 95% intervals", ""]
    for s in summaries:
        lines += [f"### {s['design']}", ""]
        if "per_index" in s:
            dmin, dmax, gmin, gmax, se = s["per_index"]
            lines += [
                f"Per training (30 trainings, each with new random effects every replicate): difference from "
                f"the typical training {dmin:.3f} to {dmax:.3f}, shrunken gain {gmin:.3f} to {gmax:.3f} (Monte-Carlo "
                f"SE of one training's rate about {se:.3f}). By the rank of the training's true gain in its study:",
                "",
            ]
            head = "trainings"
        else:
            head = "training (planted difference)"
        lines += [
            f"| {head} | difference from the typical training | shrunken gain | mean width: difference | "
            "mean width: shrunken gain | mean width: raw gain (t) |",
            "|---|---|---|---|---|---|",
        ]
        for label, cd, cg, wd, wg, wr in s["per_training"]:
            lines.append(f"| {label} | {_fmt(*cd)} | {_fmt(*cg)} | {wd:.1f} | {wg:.1f} | {wr:.1f} |")
        lines += [
            "",
            f"The mixed model estimated the between-training variance as 0 in {s['boundary']:.0%} of the "
            f"studies; the shrunken gain lay inside its interval for {s['inside']:.1%} of the trainings.",
            "",
        ]
    lines += [
        "## What the old rule did",
        "",
        "Before this calibration, a training's verdict was its ANCOVA difference from the unweighted mean of all "
        "trainings, Holm-adjusted, and the shrunken effects had empirical Bayes intervals "
        "(BLUP ± 1.96·√MSE, Prasad-Rao). In a prototype of the same designs (800 replicates of the 7 x 25 "
        "designs, 400 of the 30 x 12 ones, same data model) that rule gave false verdicts in 36% of the "
        'studies with one training +15 (an identical training called "below average"), and the empirical '
        "Bayes intervals covered the +15 training 84% of the time and identical trainings 98-100% (the top "
        "three of 30 trainings with tau = 3: 77%; tau = 0: 100%).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000, help="replicates of the 7 x 25 designs")
    parser.add_argument("--replicates-large", type=int, default=500, help="replicates of the 30 x 12 designs")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path, default=HERE / "CALIBRATION.md")
    parser.add_argument("--only", default="", help="comma-separated design numbers (1-5) to run")
    args = parser.parse_args(argv)
    names = list(DESIGNS)
    if args.only:
        names = [names[int(i) - 1] for i in args.only.split(",")]
    start = time.time()
    summaries = []
    with Pool(args.processes) as pool:
        for name in names:
            t0 = time.time()
            reps = args.replicates if DESIGNS[name]["k"] < 10 else args.replicates_large
            jobs = [(name, args.seed * 1_000_000 + (list(DESIGNS).index(name)) * 100_000 + r) for r in range(reps)]
            res = pool.map(replicate, jobs, chunksize=10)
            summaries.append(summarise(name, res))
            print(f"{name}: false-verdict rate {summaries[-1]['false'][0]:.3f} ({time.time() - t0:.0f} s)", flush=True)
    text = write_markdown(summaries, args, time.time() - start)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    sys.exit(main())
