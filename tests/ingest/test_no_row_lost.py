"""Property: whatever the corruption of a small study, every row read is kept or quarantined."""

from __future__ import annotations

import shutil

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import tip_eval as te
from tip_eval.io.coerce import _is_blank
from tip_eval.io.read import read_table

from .conftest import CORPUS

HEADER = ["Participant ID", "Sector", "Gender", "pre_Q01", "pre_Q02", "pre_Q03", "Q01_post", "Q02_post", "Q03_post"]
BASE = [
    [
        f"S{i:02d}",
        ["NGO", "Police", "Social services"][i % 3],
        ["Woman", "Man"][i % 2],
        "A",
        "B",
        "C" if i % 2 else "D",
        "A",
        "B",
        "C",
    ]
    for i in range(1, 9)
]
TOML = """[study]
name = "corrupted"

[[sources]]
file = "item_bank.xlsx"
layout = "item_bank"

[[sources]]
file = "tests.csv"
layout = "wide"

[sources.training]
training_id = "KHM-TST-2023"
country = "KHM"
province = "Phnom Penh"
start_date = 2023-01-10
end_date = 2023-01-12
language = "km"
"""
TOKENS = [
    "",
    "  ",
    "S01",
    "S02",
    "s 03",
    "Polise",
    "NGO",
    "๑๒",
    "85%",
    "12,5",
    "1,250",
    "abc",
    "-3",
    "N/A",
    "=1+1",
    "Q",
    "A",
    "b",
    "Perempuan",
    "Sangat setuju",
    "\u200b",
    "0",
]


def _write(folder, rows):
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([HEADER] + rows)
    (folder / "tests.csv").write_text(buf.getvalue(), encoding="utf-8")


corruption = st.lists(
    st.tuples(
        st.integers(0, len(BASE) - 1),
        st.integers(0, len(HEADER) - 1),
        st.one_of(st.sampled_from(TOKENS), st.text(alphabet="AB SQ0123๑,.%-", max_size=5)),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=corruption)
def test_rows_read_equal_rows_kept_plus_quarantined(tmp_path_factory, changes):
    folder = tmp_path_factory.mktemp("corrupted")
    shutil.copy(CORPUS / "common" / "item_bank.xlsx", folder / "item_bank.xlsx")
    (folder / "study.toml").write_text(TOML, encoding="utf-8")
    rows = [list(r) for r in BASE]
    for i, j, value in changes:
        rows[i][j] = value
    _write(folder, rows)

    raw = read_table(folder / "tests.csv")  # what the reader hands on: blank rows are noted, not read
    blank = np.array([[_is_blank(v) for v in r] for r in raw.frame.to_numpy(dtype=object)], dtype=bool).reshape(
        len(raw.frame), -1
    )
    cols = list(raw.frame.columns)
    pre = [cols.index(h) for h in HEADER[3:6] if h in cols]
    post = [cols.index(h) for h in HEADER[6:9] if h in cols]
    expected = {
        "participants": len(raw.frame),
        "responses": int(
            sum(len(pre) * (~blank[k, pre]).any() + len(post) * (~blank[k, post]).any() for k in range(len(raw.frame)))
        ),
    }

    study = te.load_study(folder, on_error="quarantine")
    q = study.quarantine
    rec = study.report.reconciliation
    assert (rec["rows_read"] == rec["rows_kept"] + rec["rows_quarantined"]).all()
    for table, n in expected.items():
        kept = len(getattr(study, table))
        quarantined = int((q["table"] == table).sum())
        assert kept + quarantined == n, (table, kept, quarantined, n, rows)
        read = rec.loc[(rec["file"] == "tests.csv") & (rec["table"] == table), "rows_read"].sum()
        assert read == n, (table, read, n)
