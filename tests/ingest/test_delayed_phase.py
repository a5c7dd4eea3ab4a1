"""The delayed post-test (a retention test months later) in every layout, and its labels."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import tip_eval as te
from tip_eval.io.config import SourceConfig
from tip_eval.io.layouts_partner import classify

ROOT = Path(__file__).resolve().parents[2]
SRC = SourceConfig(Path("x.csv"), "wide", "x.csv", {})
ITEMS = [f"Q{i:02d}" for i in range(1, 29)]
TRAINING = """
[sources.training]
training_id = "KHM-PNH-2023"
country = "KHM"
province = "Phnom Penh"
start_date = 2023-04-18
end_date = 2023-04-20
language = "km"
"""


@pytest.mark.parametrize(
    "label",
    [
        "Delayed post-test",
        "Retention test",
        "3-month test",
        "Follow-up test",
        "retest",
        "តេស្តតាមដាន",
        "แบบทดสอบติดตามผล",
        "ทดสอบซ้ำ",
        "Tes retensi",
        "tes tunda",
        "delayed",
    ],
)
def test_labels_in_four_languages(label):
    assert te.vocab.lookup("phase", label) == "delayed"


@pytest.mark.parametrize(
    "header, kind, target, phase",
    [
        ("Q01_delayed", "item", "Q01", "delayed"),
        ("Retention test / Q01", "item", "Q01", "delayed"),  # two header rows
        ("Tes retensi / Q01", "item", "Q01", "delayed"),
        ("តេស្តតាមដាន / Q01", "item", "Q01", "delayed"),
        ("retentiontest/q01", "item", "q01", "delayed"),  # a Kobo group
        ("คะแนนแบบทดสอบติดตามผล", "total", "score", "delayed"),  # Thai, no spaces: score, follow-up test
        ("Follow-up test score", "total", "score", "delayed"),
        # "follow-up" alone may be the interviews: not read unless study.toml says it is a test (below)
        ("Follow-up score", "ignore", None, None),
        ("คะแนนติดตามผล", "ignore", None, None),
        ("Q01_followup", "ignore", None, None),
        ("Skor tindak lanjut", "ignore", None, None),
        ("คะแนนหลังการอบรม", "total", "score", "post"),  # and the post-test is still the post-test
        ("Delayed test score", "total", "score", "delayed"),
        (
            "Kepercayaan diri (tes retensi) / Membangun kepercayaan dengan korban",
            "competency",
            "Membangun kepercayaan dengan korban",
            "delayed",
        ),
        ("Delayed post-test date", "date", "test_date", "delayed"),
        ("Tes retensi / Tanggal", "date", "test_date", "delayed"),
        ("Test date", "date", "test_date", None),
    ],
)
def test_delayed_headers(header, kind, target, phase):
    role = classify([header], SRC, kobo=True)[0]
    assert (role.kind, role.target, role.phase) == (kind, target, phase)


def test_follow_up_alone_is_a_located_problem_until_the_study_says_it_is_a_test(tmp_path):
    """A partner's "Follow-up score" (the follow-up interviews? a retention test?) is not read as the delayed
    test: a located problem asks; ``phases = { "Follow-up" = "delayed" }`` confirms it."""
    rows = [["Participant ID", "Sector", "Pre-test score", "Post-test score", "Follow-up score"]]
    rows += [[f"P{i}", "NGO", 10 + i, 18 + i, 15 + i] for i in range(1, 7)]
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(tmp_path / "totals.csv", index=False)
    source = '[[sources]]\nfile = "totals.csv"\nlayout = "totals"\n' + TRAINING.replace(
        "[sources.training]", "max_score = 28\n[sources.training]"
    )
    (tmp_path / "study.toml").write_text('[study]\nname = "S"\n\n' + source, encoding="utf-8")
    study = te.load_study(tmp_path, on_error="quarantine")
    assert set(study.scores["phase"]) == {"pre", "post"}
    p = study.report.problems
    line = p[p["column"] == "Follow-up score"]
    assert len(line) == 1 and (line.iloc[0]["file"], line.iloc[0]["row"]) == ("totals.csv", 1)
    assert "may be the follow-up interviews" in line.iloc[0]["problem"]
    assert 'phases = { "Follow-up" = "delayed" }' in line.iloc[0]["fix"]
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "S"\nphases = { "Follow-up" = "delayed" }\n\n' + source, encoding="utf-8"
    )
    study = te.load_study(tmp_path)
    delayed = study.scores[study.scores["phase"] == "delayed"].set_index("participant_id")["score"]
    assert delayed.to_dict() == {f"P{i}": 15.0 + i for i in range(1, 7)}


def test_own_labels_from_study_toml():
    own = {"retention 3 months": "delayed"}
    role = classify(["Retention (3 months) / Q01"], SRC, own=own)[0]
    assert (role.kind, role.target, role.phase) == ("item", "Q01", "delayed")


def _long_csv(path: Path, label: str = "Retention (3 months)") -> None:
    rows = []
    for p in range(1, 7):
        for phase, right, date in (
            ("Pre-test", 10, "2023-04-18"),
            ("Post-test", 20, "2023-04-20"),
            (label, 16 + p % 3, "2023-07-25"),
        ):
            if phase == label and p == 6:
                continue  # not re-tested
            for j, q in enumerate(ITEMS):
                rows.append(
                    {
                        "Participant ID": f"P{p:03d}",
                        "Sector": "NGO",
                        "Phase": phase,
                        "Item": q,
                        "Answer": "A" if j < right else "B",
                        "Test date": date,
                    }
                )
    pd.DataFrame(rows).to_csv(path, index=False)


def _bank(folder: Path) -> None:
    bank = pd.DataFrame({"Item ID": ITEMS, "Module": "identification", "Correct answer": "A"})
    with pd.ExcelWriter(folder / "item_bank.xlsx") as xl:
        bank.to_excel(xl, sheet_name="Items", index=False)


def _study(folder: Path, phases: str | None, source: str = 'file = "long.csv"\nlayout = "long"') -> Path:
    _bank(folder)
    extra = f"phases = {phases}\n" if phases else ""
    (folder / "study.toml").write_text(
        f'[study]\nname = "Retention"\n{extra}\n[[sources]]\nfile = "item_bank.xlsx"\n'
        f'layout = "item_bank"\n\n[[sources]]\n{source}\n{TRAINING}',
        encoding="utf-8",
    )
    return folder


def test_long_file_with_a_partners_retention_label_loads(tmp_path):
    _long_csv(tmp_path / "long.csv")
    study = te.load_study(_study(tmp_path, '{ "Retention (3 months)" = "delayed" }'))
    assert study.report.problems.empty, study.report.problems.to_string()
    counts = study.scores["phase"].value_counts()
    assert (counts["pre"], counts["post"], counts["delayed"]) == (6, 6, 5)
    row = te.retention(study).iloc[0]
    pct = 100 / 28
    # hand computation: 10 right before, 20 after, 16 + p % 3 later (p = 1..5)
    assert row["n"] == 5 and row["retained_gain"] == pytest.approx(
        pct * (sum(16 + p % 3 for p in range(1, 6)) / 5 - 10)
    )
    assert row["decay"] == pytest.approx(pct * (sum(16 + p % 3 for p in range(1, 6)) / 5 - 20))
    assert row["months_since_training"] == pytest.approx(96 / (365.25 / 12))  # 2023-04-20 to 2023-07-25
    assert te.gains(study).iloc[0]["n"] == 6  # the pre/post gain is unchanged by the delayed test


def test_a_retention_label_with_its_time_span_loads_without_a_setting(tmp_path):
    _long_csv(tmp_path / "long.csv")
    study = te.load_study(_study(tmp_path, None))
    assert study.report.problems.empty, study.report.problems.to_string()
    assert study.scores["phase"].value_counts()["delayed"] == 5


def test_unknown_phase_label_does_not_invite_relabelling_as_post_test(tmp_path):
    label = "Retention check (3 months)"
    _long_csv(tmp_path / "long.csv", label)
    problems = te.validate(_study(tmp_path, None)).problems
    bad = problems[problems["value"] == label]
    assert len(bad) == 5 * 28 and set(bad["column"]) == {"Phase"} and bad["fix"].nunique() == 1
    fix = bad.iloc[0]["fix"]
    assert "(= delayed)" in fix and "(= post)" not in fix
    assert f'phases = {{ "{label}" = "delayed" }}' in fix
    # a post-test label with a time span may be a retention test: it is asked, never read as the post-test
    from tip_eval.io.phases import lookup_phase

    assert lookup_phase("Post-test 3 months later") is None and lookup_phase("Retest after 6 weeks") == "delayed"


def test_phases_setting_is_checked(tmp_path):
    _long_csv(tmp_path / "long.csv")
    with pytest.raises(te.InputRefused, match='must be "pre", "post" or "delayed"'):
        te.load_study(_study(tmp_path, '{ "Retention (3 months)" = "later" }'))


def test_prepost_source_of_the_delayed_test_and_months_setting(tmp_path):
    pre = pd.DataFrame({"Participant ID": ["A1", "A2"], "Sector": ["NGO", "Police"], **{q: "A" for q in ITEMS}})
    pre.to_csv(tmp_path / "pre.csv", index=False)
    pre.drop(columns="Sector").to_csv(tmp_path / "post.csv", index=False)
    pd.DataFrame({"Participant ID": ["A1"], **{q: "B" for q in ITEMS}}).to_csv(tmp_path / "later.csv", index=False)
    _bank(tmp_path)
    sources = "\n".join(
        f'[[sources]]\nfile = "{f}.csv"\nlayout = "prepost"\nphase = "{p}"\ntraining_id = "KHM-PNH-2023"\n'
        for f, p in (("post", "post"), ("later", "Retention (3 months)"))
    )
    (tmp_path / "study.toml").write_text(
        '[study]\nphases = { "Retention (3 months)" = "delayed" }\ndelayed_test_months = 4\n\n'
        '[[sources]]\nfile = "item_bank.xlsx"\nlayout = "item_bank"\n\n'
        '[[sources]]\nfile = "pre.csv"\nlayout = "prepost"\nphase = "pre"\n' + TRAINING + "\n" + sources,
        encoding="utf-8",
    )
    study = te.load_study(tmp_path)
    assert sorted(study.scores["phase"]) == ["delayed", "post", "post", "pre", "pre"]
    assert study.trainings["delayed_test_months"].tolist() == [4.0]
    row = te.retention(study).iloc[0]
    assert (row["n"], row["retained_gain"], row["months_since_training"]) == (1, -100.0, 4.0)


def test_template_with_a_delayed_sheet_and_test_dates(tmp_path):
    from tip_eval.io.template import write_item_bank, write_training_workbook

    study, _ = te.datasets.make_study(seed=0)
    path = write_training_workbook(study, "KHM-PNH-2023", tmp_path / "KHM-PNH-2023.xlsx")
    write_item_bank(study, tmp_path / "item_bank.xlsx")
    (tmp_path / "study.toml").write_text(
        '[[sources]]\nfile = "item_bank.xlsx"\nlayout = "item_bank"\n\n'
        '[[sources]]\nfile = "KHM-PNH-2023.xlsx"\nlayout = "template"\n'
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Training", "Participants", "Pre-test", "Post-test", "Delayed post-test", "Confidence"]
    assert [c.value for c in wb["Delayed post-test"][1][:3]] == ["Participant ID", "Test date", "Q01"]
    loaded = te.load_study(tmp_path)
    mine = study.scores[study.scores["training_id"] == "KHM-PNH-2023"]
    got = loaded.scores.merge(mine, on=["participant_id", "phase"], suffixes=("", "_made"))
    assert len(got) == len(mine) and (got["pct"] == got["pct_made"]).all()
    assert got["test_date"].equals(got["test_date_made"])


def test_blank_template_offers_the_delayed_test(tmp_path):
    from tip_eval.io.blank import write_blank_template

    wb = openpyxl.load_workbook(write_blank_template(tmp_path / "blank.xlsx"))
    assert "Delayed post-test" in wb.sheetnames
    header = [c.value for c in wb["Delayed post-test"][1]]  # (no item bank given: no question columns)
    assert header[0] == "Participant ID" and header[-1] == "Test date"
    lists = {col[0].value: [c.value for c in col[1:] if c.value] for col in wb["Lists"].iter_cols()}
    assert lists["Confidence B"] == ["Pre-test", "Post-test", "Delayed post-test"]
