"""One disclosure plan per publication, and the audit that checks it (issue 14)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import tip_eval as te
from tip_eval.disclosure import (
    Cell,
    Expression,
    Plan,
    System,
    check_min_cell,
    protected,
)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from adversarial import adversarial_study  # noqa: E402 - from this folder, once it is on the path

BEFORE = HERE / "fixtures" / "before_14"


# --- min_cell ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [True, False, 0, 1, 2, "5", 4.5, None])
def test_min_cell_must_be_a_whole_number_of_at_least_3(bad):
    with pytest.raises(ValueError, match="at least 3"):
        check_min_cell(bad, source="study.toml")


def test_min_cell_accepts_3_and_more():
    assert check_min_cell(3) == 3 and check_min_cell(np.int64(10)) == 10 and check_min_cell(5.0) == 5


# --- the linear programme -----------------------------------------------------------------------------


def _gains(groups: dict[str, int], by: str) -> pd.DataFrame:
    return pd.DataFrame({by: list(groups), "n": list(groups.values()), "pre_mean": 50.0, "mean_gain": 10.0})


def test_differencing_a_country_pins_a_small_training_and_the_plan_prevents_it():
    # KHM = T1 (40) + T2 (3); IDN = T3 (30) alone. Gains by training hide T2; by country, KHM - T1 = 3.
    atoms = pd.DataFrame({"training_id": ["T1", "T2", "T3"], "country": ["KHM", "KHM", "IDN"]})
    by_training = _gains({"T1": 40, "T2": 3, "T3": 30}, "training_id")
    by_country = _gains({"KHM": 43, "IDN": 30}, "country")
    known = {
        Cell("knowledge.matched", (("training_id", "T1"),)): (40, 40),
        Cell("knowledge.matched", (("country", "KHM"),)): (43, 43),
    }
    system = System(known, list(known) + [Cell("knowledge.matched", (("training_id", "T2"),))], [], atoms)
    lo, hi, _ = system.range(Expression.of(Cell("knowledge.matched", (("training_id", "T2"),))))
    assert (lo, hi) == (3, 3) and not protected(lo, hi, 5)

    plan = Plan(5, atoms=atoms)
    plan.add("t", by_training)
    plan.add("c", by_country)
    plan.add("all", _gains({"All": 73}, "training_id").drop(columns="training_id"))
    plan.solve()
    t, c = plan.table("t"), plan.table("c")
    assert t.loc[1, "n"] is pd.NA and t.loc[1, "mean_gain"] != t.loc[1, "mean_gain"]  # the row's statistics go too
    # whatever is shown, the hidden training's count ranges over at least min_cell values
    known = {cell: (v, v) for cell, v in plan.values.items() if cell not in plan.hidden}
    system = System(known, plan.values, plan.relations, plan.atoms())
    for cell in plan.hidden:
        lo, hi, _ = system.range(Expression.of(cell))
        assert protected(lo, hi, 5), (cell, lo, hi)
    assert c["n"].notna().any()  # not everything is hidden


def test_a_share_with_a_one_person_complement_is_hidden():
    table = pd.DataFrame(
        {
            "country": ["KHM", "IDN"],
            "n": [7, 40],
            "pre_mean": 50.0,
            "mean_gain": 5.0,
            "pct_improved": [100 * 6 / 7, 50.0],
        }
    )
    plan = Plan(5)
    plan.add("g", table)
    out = plan.solve().table("g")
    assert np.isnan(out.loc[0, "pct_improved"]) and out.loc[0, "n"] == 7  # "86% of 7" says one did not improve


# --- publications of the adversarial study -----------------------------------------------------------


@pytest.fixture(scope="module")
def adversarial_out(tmp_path_factory):
    from tip_eval.report.brief import write_brief
    from tip_eval.report.publication import Publication
    from tip_eval.report.results import Results
    from tip_eval.report.workbook import write_workbook

    study = adversarial_study()
    out = tmp_path_factory.mktemp("adversarial")
    res = Results(study)
    pub = Publication(study, by=None, min_cell=5, results=res)
    write_brief(study, out / "brief.html", results=res, publication=pub)
    write_workbook(study, out / "tables.xlsx", results=res, publication=pub)
    return study, pub, out


def test_what_the_plan_assumes_holds_on_the_true_counts(adversarial_out):
    """Every count and relation of the plan holds on the study's own numbers (plain linprog finds a point).

    A relation that does not hold (the overall coder-agreement row counts decisions, not people)
    makes the programme infeasible, and then no bound means anything.
    """
    from scipy.optimize import linprog

    _, pub, _ = adversarial_out
    plan = pub.plan
    known = {c: (v, v) for c, v in plan._cvalues.items()}
    system = System(known, plan._cvalues, plan.relations, plan.atoms())
    for root in sorted(set(system.family_of.values())):
        prog = system._problem(root)
        res = linprog(np.zeros(prog.n), bounds=(0, None), method="highs", **prog.matrices())
        assert res.status == 0, root


def test_one_small_competency_does_not_blank_the_others(adversarial_out):
    _, pub, _ = adversarial_out
    conf = pub.table("confidence_gains").set_index("competency_id")
    assert pd.isna(conf.loc["C05", "n"])  # rated by 3 people
    assert conf.drop(index="C05")["n"].notna().all() and (conf.drop(index="C05")["n"] > 50).all()


def test_adversarial_publication_passes_the_audit(adversarial_out):
    _, pub, out = adversarial_out
    report = te.disclosure.audit(out)
    assert report.ok, str(report)
    assert report.checked["figures"] >= 5 and report.checked["counts"] > 300
    assert pub.plan.summary()["unprotected"] == 0


def test_no_row_level_data_and_no_hidden_group_named(adversarial_out):
    study, pub, out = adversarial_out
    book = load_workbook(out / "tables.xlsx", read_only=True)
    assert not {"Data problems", "Quarantine"} & set(book.sheetnames)
    html = (out / "brief.html").read_text(encoding="utf-8")
    ids = set(study.participants["participant_id"])
    assert not any(i in html for i in ids)
    text = re.sub(r"<script.*?</script>", "", html, flags=re.DOTALL)
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", text, flags=re.DOTALL)
    from tip_eval.tables import display_value

    for code in pub.hidden_names():
        name = next(
            (display_value(d, code) for d in ("country", "sector", "gender") if display_value(d, code) != code), code
        )
        pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
        assert not any(re.search(pattern, p) for p in paragraphs), name
    # the calibration figure shows groups, not people
    assert "Did confidence grow with knowledge?" not in text


# --- outputs made before the plan: the audit finds the leaks of issue 14 ------------------------------


@pytest.fixture(scope="module")
def before_report():
    return te.disclosure.audit(BEFORE)


def test_audit_finds_the_leaks_of_outputs_made_before_the_plan(before_report):
    r = before_report
    kinds = set(r.to_frame()["kind"])
    assert {"count", "share", "mark", "name", "rows"} <= kinds
    text = str(r)
    assert "Support transgender victims.matched" in text  # a competency rated by 3 people
    assert "double_coded" in text  # coder agreement on 3 interviews
    assert "one per person" in text  # the per-person scatter
    assert "IDN-DPS-2023" in text and "names" in text  # a suppressed training named in a sentence
    assert "Data problems" in text and "Quarantine" in text  # row-level sheets in tables.xlsx


def test_audit_reads_headers_of_words_as_it_reads_codes(tmp_path):
    """tables.xlsx names its columns in words; the audit maps them back: the leaks of the old workbook's
    tables are found the same with its headers rewritten in words (the audit of the workbook alone)."""
    from tip_eval.column_titles import title

    shutil.copy(BEFORE / "tables.xlsx", tmp_path / "codes.xlsx")
    book = load_workbook(BEFORE / "tables.xlsx")
    renamed = 0
    for ws in book.worksheets[1:]:
        for cell in ws[1]:
            if isinstance(cell.value, str) and title(cell.value, ws.title) != cell.value:
                cell.value = title(cell.value, ws.title)
                renamed += 1
    book.save(tmp_path / "words.xlsx")
    codes, words = te.disclosure.audit(tmp_path / "codes.xlsx"), te.disclosure.audit(tmp_path / "words.xlsx")
    assert renamed > 300 and not codes.ok
    assert words.checked == codes.checked and len(words.leaks) == len(codes.leaks)
    assert [(k.kind, k.low, k.high) for k in words.leaks] == [(k.kind, k.low, k.high) for k in codes.leaks]
    # a leak is located by the header the reader sees
    assert "column People tested before and after:" in str(words) and "column n:" in str(codes)


def test_cli_audit_exit_codes(tmp_path, capsys):
    from tip_eval.cli import main

    shutil.copy(BEFORE / "brief.html", tmp_path / "brief.html")  # the brief alone: quick to read
    assert main(["audit", str(tmp_path)]) == 1
    assert "leak" in capsys.readouterr().out
    assert main(["audit", str(tmp_path / "nowhere")]) == 2
    # its list (150 kB, more than a pipe holds) piped into `head`, which stops reading: still the audit's exit code
    import subprocess

    proc = subprocess.Popen(
        [sys.executable, "-m", "tip_eval.cli", "audit", str(BEFORE), "--limit", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=120) == 1 and b"internal error" not in proc.stderr.read()


# --- the internal problems file ------------------------------------------------------------------------


def test_problems_file_is_internal_and_quotes_no_free_text(tmp_path):
    from tip_eval.problems_file import INTERNAL, write_problems_file
    from tip_eval.validation import ValidationReport

    problems = pd.DataFrame(
        [
            {
                "severity": "warning",
                "file": "a.xlsx",
                "sheet": "Pre",
                "row": 40,
                "column": "",
                "value": "Sok Dara",
                "problem": "a note under the table ('Sok Dara') was ignored",
                "fix": "Remove it.",
            },
            {
                "severity": "error",
                "file": "a.xlsx",
                "sheet": "Pre",
                "row": 7,
                "column": "participant_id",
                "value": "P 01",
                "problem": "is not a valid identifier",
                "fix": "Remove spaces.",
            },
        ]
    )
    report = ValidationReport(problems=problems)
    path = write_problems_file(report, None, tmp_path / "problems.xlsx")
    book = load_workbook(path, read_only=True)
    first = book.worksheets[0]
    assert "INTERNAL" in first.title
    assert INTERNAL in [c for row in first.iter_rows(values_only=True) for c in row if c]
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not any("Sok Dara" in c for c in cells)
    assert any("text in column ?, row 40" in c for c in cells) and "P 01" in cells
