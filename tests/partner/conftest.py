"""Helpers for the partner-data tests: small study folders written the way partners write them."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl
import pytest

KEY = "partner-test-key-0123456789abcdef0123"  # a test key only; real keys live outside any repository


@pytest.fixture()
def hash_key(monkeypatch):
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", KEY)
    return KEY


def fill_template(
    blank: Path,
    out: Path,
    n: int = 12,
    training_id: str = "KHM-PNH-2023",
    seed: int = 1,
    start=dt.datetime(2023, 4, 18),
    end=dt.datetime(2023, 4, 20),
) -> Path:
    """Fill a blank ``tip-eval template`` workbook with ``n`` people, every value from its dropdowns."""
    rng = random.Random(seed)
    wb = openpyxl.load_workbook(blank)
    lists = wb["Lists"]

    def col(c: int) -> list:
        return [v for (v,) in lists.iter_rows(min_col=c, max_col=c, min_row=2, values_only=True) if v]

    countries, langs, sectors, genders, phases = col(1), col(2), col(3), col(4), col(5)
    for j, v in enumerate(
        [training_id, countries[0], "Phnom Penh", "Hotel", "NGO coalition", start, end, langs[0], "2020"], start=1
    ):
        wb["Training"].cell(2, j, v)
    items = [r[0] for r in wb["Items"].iter_rows(min_row=2, values_only=True) if r[0]]
    comps = [r[0] for r in wb["Competencies"].iter_rows(min_row=2, values_only=True) if r[0]]
    for i in range(n):
        pid = f"P{i + 1:03d}"
        for j, v in enumerate(
            [pid, sectors[i % len(sectors)], "Org", "Officer", genders[i % len(genders)], 3 + i], start=1
        ):
            wb["Participants"].cell(2 + i, j, v)
        for sheet in ("Pre-test", "Post-test"):
            ws = wb[sheet]
            ws.cell(2 + i, 1, pid)
            first = 3 if ws.cell(1, 2).value == "Test date" else 2  # the test's date is optional: left empty
            for k in range(len(items)):
                ws.cell(2 + i, first + k, rng.choice("ABCD"))
        for ph_i, ph in enumerate(phases[:2]):  # pre and post (the list also offers the delayed post-test)
            r = 2 + 2 * i + ph_i
            wb["Confidence"].cell(r, 1, pid)
            wb["Confidence"].cell(r, 2, ph)
            for k in range(len(comps)):
                wb["Confidence"].cell(r, 3 + k, rng.randint(1, 5))
    wb.save(out)
    return out


@pytest.fixture(scope="session")
def blank_template(tmp_path_factory) -> Path:
    from tip_eval.datasets import make_study
    from tip_eval.io.blank import write_blank_template

    study, _ = make_study(seed=0)
    path = tmp_path_factory.mktemp("blank") / "template.xlsx"
    write_blank_template(path, items=study.items, competencies=study.competencies)  # the sample's item bank
    return path


def study_toml(folder: Path, sources: str, name: str = "Partner study") -> Path:
    (folder / "study.toml").write_text(f'[study]\nname = "{name}"\n\n{sources}', encoding="utf-8")
    return folder
