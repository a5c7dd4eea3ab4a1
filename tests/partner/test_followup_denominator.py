"""The follow-up indicator counts every coded interview, also those where no code was applied."""

from __future__ import annotations

import pandas as pd

import tip_eval as te


def test_interviews_with_no_code_applied_count_in_the_denominator():
    n = 47
    interviews = pd.DataFrame(
        {
            "interview_id": [f"INT-{i:02d}" for i in range(n)],
            "participant_id": [f"P{i:02d}" for i in range(n)],
            "interview_date": pd.Timestamp("2023-09-01"),
            "coders": "coder_a",
        }
    )
    codebook = pd.DataFrame(
        {
            "code_id": ["APPLY", "BARRIER"],
            "label": ["Applied", "Barrier"],
            "theme": ["Use", "Barriers"],
            "level": [3, 3],
            "applied_practice": [True, False],
            "definition": None,
        }
    )
    # as a Taguette export has it: one row per code applied; interviews 45 and 46 had none
    rows = [(f"INT-{i:02d}", "coder_a", "APPLY", True) for i in range(42)]
    rows += [(f"INT-{i:02d}", "coder_a", "BARRIER", True) for i in range(42, 45)]
    codes = pd.DataFrame(rows, columns=["interview_id", "coder", "code_id", "present"])
    data = {"interviews": interviews, "codebook": codebook, "followup_codes": codes}
    ind = te.followup_summary(data).query("kind == 'indicator'").iloc[0]
    assert (ind["n_interviewed"], ind["n_with_code"]) == (47, 42)
    assert abs(ind["pct_with_code"] - 100 * 42 / 47) < 1e-12
