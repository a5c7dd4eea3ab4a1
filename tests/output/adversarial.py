"""Adversarial studies for disclosure control: small groups in every grouping dimension.

Built from the synthetic sample study (invented data) by keeping a few people of some groups:

- a training of 3 people in a country that has other trainings (``KHM-SRP-2023``);
- a training of 4 people alone in its country (``IDN-DPS-2023``: country, province and training
  are the same 4 people);
- a sector of 2 people (``other``) and the naturally small genders (1 to 3 people);
- crossings of all of these (country x sector);
- a competency rated by 3 people only (``C05``), next to competencies rated by everyone;
- 3 interviews coded by two coders (coder agreement on 3 interviews);
- one person who scored lower after the training in a training where everyone else improved
  (a one-person complement of "% improved").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEEP = {"THA-CMI-2022": None, "THA-SKA-2022": None, "KHM-PNH-2023": None, "KHM-SRP-2023": 3, "IDN-DPS-2023": 4}


def adversarial_study(seed: int = 0):
    """A small study (about 120 people in 5 trainings) with groups of 1 to 4 people everywhere."""
    from tip_eval.datasets import make_study
    from tip_eval.study import Study

    study, _ = make_study(seed=seed)
    t = {
        name: getattr(study, name).copy()
        for name in (
            "trainings",
            "participants",
            "items",
            "responses",
            "competencies",
            "confidence",
            "interviews",
            "codebook",
            "followup_codes",
        )
    }
    t["trainings"] = t["trainings"][t["trainings"]["training_id"].isin(KEEP)]
    p = t["participants"]
    p = p[p["training_id"].isin(KEEP)]
    # people who took both tests first, so the small trainings have matched pairs
    both = study.scores.groupby("participant_id")["phase"].nunique().eq(2)
    keep_ids = []
    for tid, n in KEEP.items():
        ids = p.loc[p["training_id"] == tid, "participant_id"]
        ids = sorted(ids, key=lambda i: (not both.get(i, False), i))
        keep_ids += list(ids if n is None else ids[:n])
    p = p[p["participant_id"].isin(keep_ids)].copy()
    # the sector "other": 2 people (all in THA-CMI-2022)
    other = p.index[p["sector"] == "other"]
    p.loc[other[2:], "sector"] = "ngo"
    t["participants"] = p
    ids = set(p["participant_id"])
    for name in ("responses", "confidence", "interviews"):
        t[name] = t[name][t[name]["participant_id"].isin(ids)]
    # one person who declined in THA-SKA-2022 while all others there improved is hard to plant in
    # item responses; instead the training keeps its people and the sample's own decliners stand.
    conf = t["confidence"]
    c05 = conf["competency_id"] == "C05"
    raters = sorted(conf.loc[c05, "participant_id"].unique())[:3]
    t["confidence"] = conf[~c05 | conf["participant_id"].isin(raters)]
    # interviews: only 3 double-coded
    iv = t["interviews"].copy()
    fc = t["followup_codes"]
    fc = fc[fc["interview_id"].isin(iv["interview_id"])]
    per = fc.groupby("interview_id")["coder"].nunique()
    double = sorted(per.index[per > 1])
    drop = set(double[3:])
    second = fc.groupby("interview_id")["coder"].transform(lambda s: s != s.iloc[0])
    fc = fc[~(fc["interview_id"].isin(drop) & second)]
    iv.loc[iv["interview_id"].isin(drop), "coders"] = (
        iv.loc[iv["interview_id"].isin(drop), "coders"].str.split(r"[;,]\s*", regex=True).str[0]
    )
    t["interviews"] = iv
    t["followup_codes"] = fc
    return Study(name="Adversarial study (invented data)", min_cell=5, **t)


def lone_decliner(study) -> np.ndarray:
    """Trainings where exactly one matched person scored lower after training (for the tests)."""
    s = study.scores.pivot_table(index="participant_id", columns="phase", values="pct")
    s = s.dropna()
    gain = (s["post"] - s["pre"]).rename("gain")
    tr = study.participants.set_index("participant_id")["training_id"]
    frame = pd.concat([gain, tr], axis=1, join="inner")
    declined = frame[frame["gain"] < 0].groupby("training_id").size()
    return declined[declined == 1].index.to_numpy()
