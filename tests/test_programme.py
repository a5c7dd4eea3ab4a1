"""te.load_studies: a programme of several study folders as one Study, by="study" everywhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import tip_eval as te
from tip_eval.io.template import write_study_folder

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
THAILAND = ["THA-CMI-2022", "THA-SKA-2022", "THA-TAK-2022"]


def subset(study: te.Study, trainings: list[str], name: str) -> te.Study:
    """The part of ``study`` that belongs to ``trainings`` (the item bank, competencies and codebook whole)."""
    t = study.tables()
    people = t["participants"].loc[t["participants"]["training_id"].isin(trainings), "participant_id"]
    interviews = t["interviews"].loc[t["interviews"]["participant_id"].isin(people), "interview_id"]
    keep = {
        "trainings": t["trainings"]["training_id"].isin(trainings),
        "participants": t["participants"]["participant_id"].isin(people),
        "responses": t["responses"]["participant_id"].isin(people),
        "scores": t["scores"]["participant_id"].isin(people),
        "confidence": t["confidence"]["participant_id"].isin(people),
        "interviews": t["interviews"]["interview_id"].isin(interviews),
        "followup_codes": t["followup_codes"]["interview_id"].isin(interviews),
    }
    tables = {k: (v[keep[k]] if k in keep else v) for k, v in t.items()}
    return te.Study(name=name, check=False, **tables)


@pytest.fixture(scope="module")
def split(tmp_path_factory, sample):
    """The sample study written as two folders: the Thai pilots of 2022 and the 2023 roll-out."""
    study, _ = sample
    root = tmp_path_factory.mktemp("programme")
    rest = [t for t in study.trainings["training_id"] if t not in THAILAND]
    write_study_folder(subset(study, THAILAND, "Thailand pilots 2022"), root / "thailand")
    write_study_folder(subset(study, rest, "Cambodia and Indonesia 2023"), root / "cambodia_indonesia")
    # and two studies of one training each, for the rules between studies
    write_study_folder(subset(study, ["THA-TAK-2022"], "Tak 2022"), root / "tak")
    write_study_folder(subset(study, ["KHM-SRP-2023"], "Siem Reap 2023"), root / "siem_reap")
    return root


@pytest.fixture(scope="module")
def programme(split):
    return te.load_studies([split / "thailand", split / "cambodia_indonesia"])


def test_two_folders_that_split_the_sample_give_the_single_study_gains(programme, sample_study):
    assert programme.report.ok and programme.report.problems.empty
    assert programme.trainings.set_index("training_id")["study"].to_dict() == {
        t: ("Thailand pilots 2022" if t in THAILAND else "Cambodia and Indonesia 2023")
        for t in sample_study.trainings["training_id"]
    }
    for fn in (te.gains, te.retention):
        pd.testing.assert_frame_equal(
            fn(programme, by="training_id"), fn(sample_study, by="training_id"), obj=fn.__name__
        )
    by_study = te.gains(programme, by="study").set_index("study")
    thai = sample_study.participants["training_id"].isin(THAILAND)
    alone = te.gains(
        sample_study.participants.assign(study=thai.map({True: "T", False: "C"})).merge(
            sample_study.scores.pivot(index="participant_id", columns="phase", values="pct")[
                ["pre", "post"]
            ].reset_index(),
            on="participant_id",
            how="left",
        ),
        by="study",
        pre="pre",
        post="post",
    )
    assert by_study.loc["Thailand pilots 2022", "mean_gain"] == pytest.approx(
        alone.set_index("study").loc["T", "mean_gain"]
    )
    assert set(te.gains(programme, by=["study", "year"])["year"]) == {2022, 2023}
    assert programme.min_cell == 5


def test_by_study_works_in_analyses_plots_and_tables(programme, sample_study):
    names = ["Cambodia and Indonesia 2023", "Thailand pilots 2022"]
    assert programme.name == "Thailand pilots 2022; Cambodia and Indonesia 2023"
    table = te.retention(programme, by="study")
    assert table["study"].tolist() == names and (table["n"] > 20).all()
    for frame in (
        te.attrition(programme, by="study"),
        te.confidence_gains(programme, by="study"),
        te.followup_summary(programme, by="study"),
    ):
        assert set(frame["study"]) == set(names)
    gains = te.gains(programme, by="study")
    fig = te.plots.forest(gains, by="study")
    labels = {str(y) for trace in fig.data for y in (trace.y if trace.y is not None else [])}
    assert {f"{n} (n = {k})" for n, k in zip(names, gains["n"])} <= labels
    shown = te.tables.gains_table(gains)
    assert shown.frame.columns[0] == "Study" and shown.frame.iloc[1, 0] == names[1]
    # a single study is its own study
    assert set(te.gains(sample_study, by="study")["study"]) == {sample_study.name}


def _retitle(folder: Path, training: str, cell: str, value) -> None:
    path = folder / "trainings" / f"{training}.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Training"][cell] = value
    wb.save(path)


def test_the_same_training_twice_counts_once(sample_study):
    tak = subset(sample_study, ["THA-TAK-2022"], "Tak")
    programme = te.load_studies({"A": tak, "B": tak})
    warnings = programme.report.problems
    assert (warnings["severity"] == "warning").all() and len(warnings) == 1
    assert warnings.iloc[0]["problem"] == "training THA-TAK-2022 is also in study A, identically: it counts once, in A"
    for table in ("trainings", "participants", "responses", "scores", "confidence", "interviews", "followup_codes"):
        assert len(getattr(programme, table)) == len(getattr(tak, table)), table
    assert set(programme.trainings["study"]) == {"A"}
    thai = te.load_studies({"A": tak, "B": tak}, lang="th").report  # the programme's own problems in Thai
    assert thai.language == "th"
    assert thai.problems.iloc[0]["problem"] == (
        "การอบรม THA-TAK-2022 มีอยู่ในการศึกษา A ด้วยและเหมือนกันทุกประการ จึงนับเพียงครั้งเดียวใน A"
    )


def test_a_training_two_studies_describe_differently(tmp_path, split, sample_study):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(split / "tak", a)
    shutil.copytree(split / "tak", b)
    _retitle(b, "THA-TAK-2022", "C2", "Chiang Rai")
    programme = te.load_studies({"A": a, "B": b}, on_error="quarantine")
    errors = programme.report.problems[programme.report.problems["severity"] == "error"]
    # one line for the training; every row that hung on it is named too (its file, sheet and rows)
    assert errors["problem"].str.contains("is also in study A").sum() == 1
    assert (
        errors.iloc[1:]["problem"].str.contains("set aside because training THA-TAK-2022 is declared differently").all()
    )
    assert programme.quarantine["row"].notna().all() and programme.quarantine["sheet"].notna().all()
    e = errors.iloc[0]
    assert (e["file"], e["sheet"], e["row"], e["column"], e["value"]) == (
        f"{b}: trainings/THA-TAK-2022.xlsx",
        "Training",
        2,
        "Training ID",
        "THA-TAK-2022",
    )
    assert "different province" in e["problem"] and "different IDs" in e["fix"]
    assert programme.trainings.set_index("training_id").loc["THA-TAK-2022", "province"] == "Tak"
    assert (programme.quarantine["problem"] == "training THA-TAK-2022 is declared differently in study A").sum() == 1
    tak = sample_study.participants["training_id"] == "THA-TAK-2022"
    assert programme.participants["training_id"].eq("THA-TAK-2022").sum() == tak.sum()
    # the same, in memory: refused unless asked to set it aside
    first = subset(sample_study, ["THA-TAK-2022"], "Tak")
    other = subset(sample_study, ["THA-TAK-2022"], "Tak again")
    other.trainings = other.trainings.assign(province="Chiang Rai")
    with pytest.raises(te.ValidationError):
        te.load_studies({"A": first, "B": other})


def test_each_study_keeps_its_settings_and_the_largest_min_cell(tmp_path, split):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(split / "tak", a)
    shutil.copytree(split / "siem_reap", b)
    toml = (b / "study.toml").read_text(encoding="utf-8")
    (b / "study.toml").write_text(
        toml.replace("min_cell = 5", 'min_cell = 8\nphases = { "Retention (3 months)" = "delayed" }'), encoding="utf-8"
    )
    for path in (b / "trainings").glob("*.xlsx"):  # study b calls its delayed test by its own name
        wb = openpyxl.load_workbook(path)
        wb["Delayed post-test"].title = "Retention (3 months)"
        wb.save(path)
    alone = te.load_study(b)
    programme = te.load_studies([a, b])
    assert (alone.scores["phase"] == "delayed").sum() > 0 and programme.min_cell == 8
    both = te.retention(programme, by="training_id", p_adjust="none")
    pd.testing.assert_frame_equal(
        both[both["training_id"] == "KHM-SRP-2023"].reset_index(drop=True),
        te.retention(alone, by="training_id", p_adjust="none"),
    )


def test_pseudonyms_are_the_same_alone_and_in_a_programme(tmp_path, monkeypatch):
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", "a programme key of enough characters")
    corpus = ROOT / "tests" / "ingest" / "corpus"
    folders = []
    for name, training in (("a", "IDN-SUB-2023"), ("b", "IDN-SUB-2024")):
        folder = tmp_path / name
        shutil.copytree(corpus / "prepost_names", folder)
        shutil.copy(corpus / "common" / "item_bank.xlsx", folder / "item_bank.xlsx")
        toml = (folder / "study.toml").read_text(encoding="utf-8").replace("../common/item_bank.xlsx", "item_bank.xlsx")
        (folder / "study.toml").write_text(toml.replace("IDN-SUB-2023", training), encoding="utf-8")
        folders.append(folder)
    alone = set(te.load_study(folders[0], on_error="quarantine").participants["participant_id"])
    programme = te.load_studies(folders, on_error="quarantine")
    ids = programme.participants.groupby("training_id")["participant_id"].agg(set)
    assert ids["IDN-SUB-2023"] == alone and len(ids["IDN-SUB-2024"]) == len(alone)
    assert not ids["IDN-SUB-2023"] & ids["IDN-SUB-2024"]  # the same names in another training are other people
    with pytest.raises(TypeError, match="load_study"):
        te.load_studies(folders[0])


def test_programme_brief_from_the_command_line(tmp_path, split):
    from openpyxl import load_workbook

    from tip_eval.cli import main

    out = tmp_path / "brief"
    assert main(["brief", str(split / "tak"), str(split / "siem_reap"), "--out", str(out), "--no-cache"]) == 0
    page = (out / "brief.html").read_text(encoding="utf-8")
    assert 'id="studies"' in page and 'id="retention"' in page and "Does it last?" in page
    programme = te.load_studies([split / "tak", split / "siem_reap"])
    row = te.retention(programme).iloc[0]
    assert f"were still {row['retained_gain']:.1f} percentage points above their pre-test" in page
    # the before-after-later figure (its title wrapped to the page: a line break may fall between words)
    assert "still there at the delayed test" in page.replace("\\u003cbr\\u003e", " ")
    assert "Each study is compared with the typical study" in page and "Tak 2022" in page
    sheets = load_workbook(out / "tables.xlsx").sheetnames
    assert {"Gains by study", "Studies compared", "Does it last"} <= set(sheets)
