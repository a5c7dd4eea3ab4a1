"""How partners' headers are understood, and layouts declared in study.toml (small files in tmp)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tip_eval as te
from tip_eval.io.config import SourceConfig
from tip_eval.io.layouts_partner import classify

from .conftest import CORPUS, located

SRC = SourceConfig(Path("x.csv"), "wide", "x.csv", {})


@pytest.mark.parametrize(
    "header, kind, target, phase",
    [
        ("pre_Q01", "item", "Q01", "pre"),
        ("Q01_post", "item", "Q01", "post"),
        ("Q7 (Post-test)", "item", "Q7", "post"),
        ("Pre-test / Q01", "item", "Q01", "pre"),  # two header rows
        ("Pra-tes / Q01", "item", "Q01", "pre"),
        ("แบบทดสอบก่อน / Q01", "item", "Q01", "pre"),
        ("តេស្តក្រោយ / Q01", "item", "Q01", "post"),
        ("pretest/q01", "item", "q01", "pre"),  # Kobo XML names
        ("test/Q19. What must be in place before a victim returns home?", "item", "Q19", None),  # "before" is text
        ("confidence_pre/C01", "competency", "C01", "pre"),
        (
            "Kepercayaan diri (sebelum) / Membangun kepercayaan dengan korban",
            "competency",
            "Membangun kepercayaan dengan korban",
            "pre",
        ),
        ("คุณมั่นใจเพียงใดว่าคุณสามารถ.../สร้างความไว้วางใจกับผู้เสียหาย", "competency", "สร้างความไว้วางใจกับผู้เสียหาย", None),
        ("Skor (sesudah)", "total", "score", "post"),
        ("Pre-test score", "total", "score", "pre"),
        ("ID Peserta", "attr", "participant_id", None),
        ("លេខកូដអ្នកចូលរួម", "attr", "participant_id", None),
        ("វិស័យ", "attr", "sector", None),
        ("รหัสผู้เข้าอบรม", "attr", "participant_id", None),
        ("ข้อมูลผู้เข้าอบรม/ภาคส่วน", "attr", "sector", None),
        ("ก่อนหรือหลังการอบรม?", "attr", "phase", None),
        ("Nama", "name_auto", "name", None),
        ("Comments", "ignore", None, None),
    ],
)
def test_headers(header, kind, target, phase):
    role = classify([header], SRC, kobo=True)[0]
    assert (role.kind, role.target, role.phase) == (kind, target, phase)


def test_explicit_prefixes_and_kobo_metadata():
    src = SourceConfig(Path("x.csv"), "wide", "x.csv", {"pre_prefix": "B_", "post_prefix": "E_"})
    roles = classify(["B_Q01", "E_Q01", "_uuid", "_submission_time", "meta/instanceID", "start"], src, kobo=True)
    assert [(r.kind, r.target, r.phase) for r in roles] == [
        ("item", "Q01", "pre"),
        ("item", "Q01", "post"),
        ("meta", None, None),
        ("meta", None, None),
        ("meta", None, None),
        ("meta", None, None),
    ]


def _study(tmp_path: Path, toml: str, files: dict[str, str]) -> Path:
    (tmp_path / "study.toml").write_text(toml, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


TRAINING = """
[sources.training]
training_id = "KHM-TST-2023"
country = "KHM"
province = "Siem Reap"
start_date = 2023-03-01
end_date = 2023-03-03
language = "km"
"""


def test_long_totals_with_a_phase_column_and_an_item_bank_maximum(tmp_path):
    path = _study(
        tmp_path,
        f"""[[sources]]
file = "bank.xlsx"
layout = "item_bank"

[[sources]]
file = "long.csv"
layout = "long"
{TRAINING}""",
        {"long.csv": "Participant ID,Sector,Phase,Score\nA1,NGO,pre,1\nA1,NGO,post,3\nA2,Police,Before,2\n"},
    )
    (tmp_path / "bank.xlsx").write_bytes((CORPUS / "common" / "item_bank.xlsx").read_bytes())
    s = te.load_study(path)
    assert s.report.problems.empty, s.report.problems
    sc = s.scores.set_index(["participant_id", "phase"])
    assert sc.loc[("A1", "post"), ["score", "max_score", "pct"]].tolist() == [3.0, 3.0, 100.0]  # max from the item bank
    assert len(s.participants) == 2  # A1 repeated on two rows: one person


def test_roster_rows_that_disagree_are_a_warning(tmp_path):
    path = _study(
        tmp_path,
        f"""[[sources]]
file = "long.csv"
layout = "long"
max_score = 10
{TRAINING}""",
        {"long.csv": "Participant ID,Sector,Phase,Score\nA1,NGO,pre,1\nA1,Police,post,3\n"},
    )
    p = te.validate(path).problems
    hits = located(p, "long.csv", None, 3, "Sector", "Police")
    assert list(hits["problem"]) == [
        "participant A1 is on the roster again with a different sector than in row 2; the first was kept"
    ]
    assert list(hits["severity"]) == ["warning"]


def test_prepost_needs_a_phase_and_training_keys_are_checked(tmp_path):
    path = _study(
        tmp_path,
        """[[sources]]
file = "pre.csv"
layout = "prepost"

[[sources]]
file = "post.csv"
layout = "prepost"
phase = "post"

[sources.training]
training_id = "KHM-TST-2023"
country = "KHM"
province = "Siem Reap"
start_date = 2023-03-01
end_date = 2023-03-03
language = "km"
town = "Siem Reap"
""",
        {"pre.csv": "Participant ID,Q01\nA1,A\n", "post.csv": "Participant ID,Q01\nA1,A\n"},
    )
    p = te.validate(path).problems
    assert located(p, "study.toml", None, None, "phase")["problem"].tolist() == [
        "source pre.csv (layout prepost) does not say whether it is the pre-test, the post-test or a delayed post-test"
    ]
    assert located(p, "study.toml", None, None, "sources.training town")["severity"].tolist() == ["warning"]


def test_thai_kobo_sample_reads_labels_and_choice_labels(sample_study):
    """The Thai training of sample_data is a Kobo export; it gives back the generator's rows."""
    from tip_eval.io.load import load_sources

    root = Path(__file__).resolve().parents[2] / "sample_data"
    loaded = load_sources(root)
    conf = loaded.tables["confidence"]
    conf = conf[conf["_file"] == "trainings/THA-SKA-2022.xlsx"]
    expected = sample_study.confidence[sample_study.confidence["participant_id"].str.startswith("THA-SKA-2022")]
    got = conf[["participant_id", "phase", "competency_id", "rating"]].astype({"rating": int})
    merged = expected.merge(got, on=["participant_id", "phase", "competency_id"], suffixes=("", "_read"))
    assert len(merged) == len(expected) and (merged["rating"].astype(int) == merged["rating_read"]).all()


def test_a_partners_own_headers_are_mapped_in_study_toml(tmp_path):
    path = _study(
        tmp_path,
        f"""[[sources]]
file = "bank.xlsx"
layout = "item_bank"

[[sources]]
file = "wide.csv"
layout = "wide"
columns = {{"No. Induk" = "participant_id", "Unit kerja" = "sector"}}
{TRAINING}""",
        {
            "wide.csv": "No. Induk,Unit kerja,Sebelum Q01,Sebelum Q02,Sebelum Q03,Sesudah Q01,Sesudah Q02,Sesudah Q03\n"
            "A1,LSM,A,A,A,A,B,C\nA2,Polisi,B,B,C,,,\n"
        },
    )
    (tmp_path / "bank.xlsx").write_bytes((CORPUS / "common" / "item_bank.xlsx").read_bytes())
    s = te.load_study(path)
    assert s.report.problems.empty, s.report.problems
    assert s.participants.set_index("participant_id")["sector"].to_dict() == {"A1": "ngo", "A2": "law_enforcement"}
    assert s.scores.set_index(["participant_id", "phase"])["score"].to_dict() == {
        ("A1", "pre"): 1.0,
        ("A1", "post"): 3.0,
        ("A2", "pre"): 2.0,
    }
