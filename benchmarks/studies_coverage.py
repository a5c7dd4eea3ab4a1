"""Coverage of te.compare_studies' intervals when the trainings of a study differ (seeded simulation).

Each replicate is a programme of 3 studies of 4 trainings of 20 people: pre-test N(60, 12^2),
gain 12 + delta_s + u_t + N(0, 11^2) percentage points, u_t ~ N(0, tau^2) the training's own
effect, delta = (0, 0, 5). The truth of each study is its population's: raw gain 12 + delta_s,
difference from the typical study delta_s - median of the other studies' deltas. Each replicate is
analysed as compare_studies does it, once with the people of a study treated as independent (what
compare_studies did before: compare_trainings with studies as groups) and once with its trainings
as clusters (compare_studies now). Writes benchmarks/STUDIES.md.

    python benchmarks/studies_coverage.py [replicates]
"""

from __future__ import annotations

import datetime
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import tip_eval as te
from tip_eval.analysis.studies import _TRAINING, _clustered

DELTA = np.array([0.0, 0.0, 5.0])
STUDIES, TRAININGS, PEOPLE = 3, 4, 20


def programme(rng: np.random.Generator, tau: float) -> pd.DataFrame:
    rows = []
    for s in range(STUDIES):
        for t in range(TRAININGS):
            u = rng.normal(0.0, tau)
            pre = rng.normal(60.0, 12.0, PEOPLE)
            post = pre + 12.0 + DELTA[s] + u + rng.normal(0.0, 11.0, PEOPLE)
            rows.append(
                pd.DataFrame(
                    {
                        "participant_id": [f"S{s}T{t}P{i}" for i in range(PEOPLE)],
                        "training_id": f"S{s}",
                        _TRAINING: f"S{s}T{t}",
                        "pre": pre,
                        "post": post,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def truth() -> tuple[np.ndarray, np.ndarray]:
    raw = 12.0 + DELTA
    diff = np.array([DELTA[s] - np.median(np.delete(DELTA, s)) for s in range(STUDIES)])
    return raw, diff


def run(replicates: int, tau: float, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, int(tau * 10)])
    raw, diff = truth()
    hits = {k: np.zeros(STUDIES) for k in ("raw_old", "raw_new", "diff_old", "diff_new", "fw_old", "fw_new")}
    width = {k: np.zeros(STUDIES) for k in ("diff_old", "diff_new")}
    false_verdict = {"old": 0, "new": 0}
    for _ in range(replicates):
        plain = programme(rng, tau)
        old = te.compare_trainings(plain.drop(columns=[_TRAINING]), measure="knowledge").table
        new = _clustered(old, plain, ["pre"], 0.95)
        for tag, t in (("old", old), ("new", new)):
            hits[f"raw_{tag}"] += (t["raw_ci_low"] <= raw) & (raw <= t["raw_ci_high"])
            hits[f"diff_{tag}"] += (t["adjusted_ci_low"] <= diff) & (diff <= t["adjusted_ci_high"])
            hits[f"fw_{tag}"] += (t["familywise_ci_low"] <= diff) & (diff <= t["familywise_ci_high"])
            width[f"diff_{tag}"] += (t["adjusted_ci_high"] - t["adjusted_ci_low"]).to_numpy()
            wrong = ((t["verdict"] == "above") & (diff <= 0)) | ((t["verdict"] == "below") & (diff >= 0))
            false_verdict[tag] += bool(wrong.any())
    out = {k: v / replicates for k, v in hits.items()}
    out.update({f"width_{k}": v / replicates for k, v in width.items()})
    out.update({f"false_{k}": np.array([v / replicates]) for k, v in false_verdict.items()})
    return out


def main() -> None:
    replicates = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    seed = 18
    start = time.perf_counter()
    results = {tau: run(replicates, tau, seed) for tau in (5.0, 0.0)}
    minutes = (time.perf_counter() - start) / 60
    mc = np.sqrt(0.95 * 0.05 / replicates)
    lines = [
        "# Coverage of the studies comparison (te.compare_studies)",
        "",
        f"Written by `python benchmarks/studies_coverage.py {replicates}` (seed {seed}, {minutes:.1f} min) on "
        f"{datetime.date.today()}, tip_eval {te.__version__}.",
        "",
        __doc__.split("\n\n")[1].replace("\n", " "),
        "",
        f"Share of replicates in which each study's 95% interval holds its truth (Monte-Carlo standard error "
        f"about {mc:.3f} at 0.95). Old: people of a study independent; new: trainings as clusters (CR1; t on a "
        "study's trainings - 1 df for its raw gain, on all trainings - studies df for the differences).",
        "",
    ]
    for tau, r in results.items():
        lines += [
            f"## Trainings differ: tau = {tau:g} points",
            "",
            "| study (delta) | raw gain, old | raw gain, new | difference, old | difference, new | "
            "familywise, old | familywise, new | mean width of the difference, old / new |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for s in range(STUDIES):
            lines.append(
                f"| {s + 1} ({DELTA[s]:+g}) | {r['raw_old'][s]:.3f} | {r['raw_new'][s]:.3f} | "
                f"{r['diff_old'][s]:.3f} | {r['diff_new'][s]:.3f} | {r['fw_old'][s]:.3f} | "
                f"{r['fw_new'][s]:.3f} | {r['width_diff_old'][s]:.1f} / {r['width_diff_new'][s]:.1f} |"
            )
        lines += [
            "",
            f"Share of programmes with a wrong verdict: old {r['false_old'][0]:.3f}, new {r['false_new'][0]:.3f}.",
            "",
        ]
    Path(__file__).with_name("STUDIES.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
