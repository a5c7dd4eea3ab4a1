"""A KoboToolbox export of the form built from the user's own item bank loads with layout = "kobo",
without a separate roster, in the export variants KoboToolbox offers, and its scores equal the answers.

The export is built from the generated XLSForm itself: its survey sheet gives the questions, their
groups, names and labels (the headers), its choices sheet the values (choice names, or choice labels
in a form language). Nothing about the form is written here by hand; what each simulated participant
answers is drawn at random (seeded) from the choices the form offers.
"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import tip_eval as te
from tip_eval.cli import main
from tip_eval.io.xlsform import CONFIDENCE_GROUP, TEST_GROUP

from .conftest import QUESTIONS, write_bank

NAMES = [
    "Sok Dara",
    "Chan Sreymom",
    "Keo Vuthy",
    "Lim Sophea",
    "Heng Bopha",
    "Phan Rithy",
    "Meas Channary",
    "Ouk Sovann",
    "Noun Kanha",
    "Ros Piseth",
    "Touch Sokha",
    "Yim Chenda",
]
KOBO_META = [
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
]


def read_form(path: Path) -> tuple[list[dict], dict[str, list[dict]], list[str]]:
    """(survey rows, choices by list name, the form's languages as in its label columns)."""
    wb = openpyxl.load_workbook(path)

    def rows(name: str) -> list[dict]:
        values = list(wb[name].iter_rows(values_only=True))
        return [dict(zip(values[0], r)) for r in values[1:]]

    survey = rows("survey")
    choices: dict[str, list[dict]] = {}
    for c in rows("choices"):
        choices.setdefault(c["list_name"], []).append(c)
    langs = [h.split("::", 1)[1] for h in survey[0] if h.startswith("label::")]
    return survey, choices, langs


def questions(survey: list[dict]) -> list[dict]:
    """Every row that becomes a column of an export, with its group path (list of group rows)."""
    out, stack = [], []
    for r in survey:
        t = (r["type"] or "").strip()
        if t == "begin_group":
            stack.append(r)
        elif t == "end_group":
            stack.pop()
        elif t:
            out.append({**r, "groups": list(stack)})
    return out


def simulate(survey, choices, n: int = 12, seed: int = 3, phases=("pre", "post")) -> list[dict]:
    """One submission per person and phase: {question name: choice name or value}."""
    rng = random.Random(seed)
    subs = []
    qs = questions(survey)
    for i in range(n):
        person = {
            "training_id": "KHM-KPT-2024",
            "participant_id": f"KPT-{i + 1:03d}",
            "name": NAMES[i % len(NAMES)],
            "organisation": f"Org {i % 3}",
            "role": "Officer",
            "years_experience": str(1 + i % 9),
        }
        for q in qs:
            if q["name"] in ("sector", "gender"):
                person[q["name"]] = rng.choice([c["name"] for c in choices[q["type"].split()[1]]])
        for phase in phases:
            sub = dict(person, phase=phase)
            for q in qs:
                group = q["groups"][-1]["name"] if q["groups"] else None
                if group in (TEST_GROUP, CONFIDENCE_GROUP):
                    sub[q["name"]] = rng.choice([c["name"] for c in choices[q["type"].split()[1]]])
            subs.append(sub)
    return subs


def export(
    form: Path, subs: list[dict], out: Path, header: str = "xml", groups: bool = True, fmt: str = "xlsx", sep: str = "/"
) -> Path:
    """The submissions as KoboToolbox exports them: ``header`` "xml" (XML values and headers) or a form
    language such as "Khmer (km)" (labels), group names in the headers or not, CSV (``;`` or ``,``) or xlsx."""
    survey, choices, _ = read_form(form)
    qs = questions(survey)

    def title(row: dict) -> str:
        return row["name"] if header == "xml" else (row.get(f"label::{header}") or row["name"])

    headers = [sep.join([title(g) for g in q["groups"]] + [title(q)]) if groups else title(q) for q in qs] + KOBO_META
    rows = []
    for k, sub in enumerate(subs):
        row = []
        for q in qs:
            t = q["type"].split()
            if t[0] in ("start", "end"):
                row.append(
                    f"2024-0{3 + 4 * (sub['phase'] == 'delayed')}-0{1 + (sub['phase'] == 'post')}T09:{k % 60:02d}:00.000+07:00"
                )
            elif t[0] == "note":
                row.append("")  # KoboToolbox exports a note as an empty column
            elif t[0] == "select_one" and header != "xml":
                row.append(next(c[f"label::{header}"] for c in choices[t[1]] if c["name"] == sub[q["name"]]))
            else:
                row.append(sub[q["name"]])
        row += [
            1000 + k,
            f"uuid-{k}",
            f"2024-03-01T10:{k % 60:02d}:00",
            "",
            "",
            "submitted_via_web",
            "",
            "vAbc",
            "",
            k + 1,
        ]
        rows.append(row)
    if fmt == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Knowledge test and confidence"
        ws.append(headers)
        for r in rows:
            ws.append([int(v) if isinstance(v, str) and v.isdigit() and len(v) < 3 else v for v in r])
        wb.save(out)
    else:  # KoboToolbox quotes every field
        with open(out, "w", encoding="utf-8-sig" if fmt == "csv;" else "utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter=fmt[-1], quoting=csv.QUOTE_ALL)
            w.writerow(headers)
            w.writerows([["" if v is None else v for v in r] for r in rows])
    return out


def study_folder(tmp_path: Path, bank: Path, export_file: Path, options: str = "") -> Path:
    shutil.copy(bank, tmp_path / "item_bank.xlsx")
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "Kobo round trip"\n\n'
        f'[[sources]]\nfile = "{export_file.name}"\nlayout = "kobo"\n{options}\n'
        '[sources.training]\ntraining_id = "KHM-KPT-2024"\ncountry = "Cambodia"\nprovince = "Phnom Penh"\n'
        'start_date = 2024-03-01\nend_date = 2024-03-02\nlanguage = "km"\n\n'
        # listed after the export on purpose: the item bank is read first all the same
        '[[sources]]\nfile = "item_bank.xlsx"\nlayout = "item_bank"\n',
        encoding="utf-8",
    )
    return tmp_path


@pytest.fixture(scope="module")
def form(tmp_path_factory) -> tuple[Path, Path]:
    """(the bank, the form built from it with `tip-eval xlsform`)."""
    folder = tmp_path_factory.mktemp("form")
    bank = write_bank(folder / "my_item_bank.xlsx")
    path = folder / "form.xlsx"
    assert main(["xlsform", "--items", str(bank), "--languages", "en,km", "--out", str(path)]) == 0
    return bank, path


VARIANTS = [  # (headers, group names in headers, file format)
    ("xml", True, "csv;"),
    ("English (en)", True, "xlsx"),
    ("Khmer (km)", True, "csv,"),
    ("Khmer (km)", False, "xlsx"),
    ("xml", False, "csv,"),
]


@pytest.mark.parametrize(
    "header,groups,fmt", VARIANTS, ids=[f"{h.split()[0]}-{'groups' if g else 'flat'}-{f}" for h, g, f in VARIANTS]
)
def test_kobo_export_of_the_form_loads_and_scores_the_answers(tmp_path, form, header, groups, fmt):
    own_bank, form = form
    survey, choices, _ = read_form(form)
    subs = simulate(survey, choices)
    folder = tmp_path / "study"
    folder.mkdir()
    written = export(form, subs, folder / f"kobo_export.{'xlsx' if fmt == 'xlsx' else 'csv'}", header, groups, fmt)
    study_folder(folder, own_bank, written)
    study = te.load_study(folder, on_error="quarantine")  # as te.validate(folder), which reads the same way
    assert study.report.problems.empty, study.report.problems.to_string()
    assert study.quarantine.empty

    # the roster came from the export itself
    people = pd.DataFrame([s for s in subs if s["phase"] == "pre"])
    got = study.participants.set_index("participant_id").sort_index()
    assert list(got.index) == sorted(people["participant_id"])
    want = people.set_index("participant_id").sort_index()
    assert list(got["sector"]) == list(want["sector"]) and list(got["gender"]) == list(want["gender"])
    np.testing.assert_array_equal(got["years_experience"].to_numpy(), want["years_experience"].astype(float).to_numpy())

    # every answer is the choice made, under the bank's own item ID; every score the sum of the keys matched
    label_en = {q["name"]: q["label::English (en)"] for q in questions(survey)}
    key = {f"{qid}. {text}": (qid, k) for qid, _m, k, _r, text, *_ in QUESTIONS}
    items = {name: key[label] for name, label in label_en.items() if label in key}
    assert sorted(i for i, _ in items.values()) == sorted(q[0] for q in QUESTIONS)
    expected_answers, expected_scores = {}, {}
    for s in subs:
        total = 0
        for name, (qid, k) in items.items():
            expected_answers[(s["participant_id"], s["phase"], qid)] = s[name]
            total += s[name] == k
        expected_scores[(s["participant_id"], s["phase"])] = total
    got_answers = {(r.participant_id, r.phase, r.item_id): r.answer for r in study.responses.itertuples()}
    assert got_answers == expected_answers
    got_scores = {(r.participant_id, r.phase): r.score for r in study.scores.itertuples()}
    assert got_scores == pytest.approx(expected_scores)
    assert (study.scores["max_score"] == len(QUESTIONS)).all()

    # the confidence ratings are the choices made
    comps = {q["name"] for q in questions(survey) if q["groups"] and q["groups"][-1]["name"] == CONFIDENCE_GROUP}
    want_conf = {(s["participant_id"], s["phase"], c): int(s[c]) for s in subs for c in comps}
    got_conf = {(r.participant_id, r.phase, r.competency_id): int(r.rating) for r in study.confidence.itertuples()}
    assert got_conf == want_conf


def test_a_form_that_asks_names_links_pre_and_post_by_name(tmp_path, monkeypatch):
    """--link-by-name: no participant ID, the name; the study links by name and keeps a pseudonym only."""
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", "collection-test-key-0123456789-abcdefghijk")
    bank = write_bank(tmp_path / "my_item_bank.xlsx")
    form = tmp_path / "form.xlsx"
    assert main(["xlsform", "--items", str(bank), "--link-by-name", "--out", str(form)]) == 0
    survey, choices, _ = read_form(form)
    subs = simulate(survey, choices, n=8)
    folder = tmp_path / "study"
    folder.mkdir()
    written = export(form, subs, folder / "kobo_export.xlsx", "Khmer (km)", True, "xlsx")
    name_header = next(h.value for h in openpyxl.load_workbook(written).active[1] if h.value.endswith("ឈ្មោះ"))
    study_folder(folder, bank, written, f'name_column = "{name_header}"\n')
    study = te.load_study(folder, on_error="quarantine")
    assert study.report.problems.empty, study.report.problems.to_string()
    assert len(study.participants) == 8 and not set(study.participants["participant_id"]) & set(NAMES)
    key = {f"{qid}. {text}": k for qid, _m, k, _r, text, *_ in QUESTIONS}
    items = {q["name"]: key[q["label::English (en)"]] for q in questions(survey) if q["label::English (en)"] in key}
    want = sorted(
        tuple(sum(s[n] == k for n, k in items.items()) for s in subs if s["name"] == person)
        for person in {s["name"] for s in subs}
    )
    wide = study.scores.pivot(index="participant_id", columns="phase", values="score")
    assert sorted(zip(wide["pre"], wide["post"])) == want


@pytest.mark.parametrize("header", ["xml", "Khmer (km)"])
def test_a_retention_test_months_later_is_read_as_the_delayed_phase(tmp_path, form, header):
    """The form offers the delayed phase (a retention test); its submissions load once the phase
    vocabulary has it (tip_eval.vocab.PHASES), with labels as written by the form."""
    from tip_eval import vocab

    if "delayed" not in vocab.PHASES:
        pytest.skip("the delayed (retention) phase is not in tip_eval.vocab.PHASES yet")
    own_bank, form = form
    survey, choices, _ = read_form(form)
    subs = simulate(survey, choices, n=6, phases=("pre", "post", "delayed"))
    folder = tmp_path / "study"
    folder.mkdir()
    study_folder(folder, own_bank, export(form, subs, folder / "kobo_export.xlsx", header, True, "xlsx"))
    study = te.load_study(folder, on_error="quarantine")
    assert study.report.problems.empty, study.report.problems.to_string()
    key = {f"{qid}. {text}": k for qid, _m, k, _r, text, *_ in QUESTIONS}
    items = {q["name"]: key[q["label::English (en)"]] for q in questions(survey) if q["label::English (en)"] in key}
    want = {(s["participant_id"], s["phase"]): sum(s[n] == k for n, k in items.items()) for s in subs}
    assert {(r.participant_id, r.phase): r.score for r in study.scores.itertuples()} == pytest.approx(want)
