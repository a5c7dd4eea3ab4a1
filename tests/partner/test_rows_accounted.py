"""Every source row is kept or named in a problem line; rows_read counts the source's own rows."""

from __future__ import annotations

import tip_eval as te
from tip_eval.validation import SOURCE_ROWS

from .conftest import study_toml

BANK = "Item ID,Module,Correct answer\nQ01,definitions_law,A\nQ02,identification,B\n"
TRAINING = (
    '\n[sources.training]\ntraining_id = "KHM-PNH-2023"\ncountry = "KHM"\nprovince = "Phnom Penh"\n'
    'start_date = 2023-04-18\nend_date = 2023-04-20\nlanguage = "km"\n'
)


def _study(tmp_path, name, text, layout, extra=""):
    (tmp_path / "items.csv").write_text(BANK, encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    study_toml(
        tmp_path,
        '[[sources]]\nfile = "items.csv"\nlayout = "item_bank"\n\n'
        f'[[sources]]\nfile = "{name}"\nlayout = "{layout}"\n{extra}' + TRAINING,
    )
    return te.load_study(tmp_path, on_error="quarantine")


def _sheet_rows(study, file):
    rec = study.report.reconciliation
    return rec[(rec["file"] == file) & (rec["table"] == SOURCE_ROWS)].iloc[0]


def test_long_rows_with_a_blank_or_invisible_item_are_located(tmp_path):
    lines = ["Participant ID,Sector,Phase,Item,Answer"]
    for pid in ("P1", "P2", "P3"):
        for phase in ("pre", "post"):
            lines += [f"{pid},NGO,{phase},Q01,A", f"{pid},NGO,{phase},Q02,B"]
    lines[3] = "P1,NGO,post,,A"  # row 4: the item is blank
    lines[5] = "P2,NGO,pre,\u200b,A"  # row 6: only a zero-width space
    study = _study(tmp_path, "long.csv", "\n".join(lines) + "\n", "long")
    p = study.report.problems
    for row in (4, 6):
        hit = p[(p["row"] == row) & (p["column"] == "Item")]
        assert len(hit) == 1 and "item_id is empty" in hit.iloc[0]["problem"], p.to_string()
    q = study.quarantine
    assert set(q.loc[q["table"] == "responses", "row"]) == {4, 6}
    acc = _sheet_rows(study, "long.csv")
    assert (acc["rows_read"], acc["rows_kept"]) == (12, 12)  # their roster cells were used


def test_csv_lines_swallowed_by_a_quote_are_named(tmp_path):
    lines = ["Participant ID,Sector,pre_Q01,pre_Q02,post_Q01,post_Q02"]
    lines += [f"P{i:02d},NGO,A,B,A,B" for i in range(1, 21)]
    lines[5] = 'P05,"NGO,A,B,A,B'  # the quote opened here closes ten lines later
    lines[15] = 'P15,NGO",A,B,A,B'
    study = _study(tmp_path, "wide.csv", "\n".join(lines) + "\n", "wide")
    p = study.report.problems
    hit = p[p["problem"].str.contains("is not closed")]
    assert len(hit) == 1 and hit.iloc[0]["row"] == 6 and "lines 6-16" in hit.iloc[0]["problem"]
    assert hit.iloc[0]["severity"] == "error"
    acc = _sheet_rows(study, "wide.csv")
    assert acc["rows_read"] == 20 and acc["rows_kept"] == 9 and acc["rows_quarantined"] == 11
    assert set(study.participants["participant_id"]) == {f"P{i:02d}" for i in (*range(1, 5), *range(16, 21))}


def test_totals_rows_with_a_blank_score_are_named(tmp_path):
    text = "Participant ID,Sector,Phase,Score\nP1,NGO,pre,10\nP1,NGO,post,14\nP2,NGO,pre,\nP2,NGO,post,12\n"
    study = _study(tmp_path, "totals.csv", text, "totals", "max_score = 20\n")
    p = study.report.problems
    hit = p[p["problem"].str.startswith("no score in 1 row (4)")]
    assert len(hit) == 1 and hit.iloc[0]["row"] == 4 and hit.iloc[0]["severity"] == "warning"
    assert len(study.scores) == 3


def test_a_row_nothing_is_read_from_is_named(tmp_path):
    text = "Participant ID,Sector,pre_Q01,pre_Q02,Remarks\nP1,NGO,A,B,\n,,,,see the paper copy\nP2,NGO,A,A,\n"
    study = _study(tmp_path, "wide.csv", text, "wide", "roster = false\n")  # the roster is elsewhere
    p = study.report.problems
    hit = p[p["problem"].str.startswith("nothing in row 3 was read")]
    assert len(hit) == 1 and hit.iloc[0]["severity"] == "warning"
