"""Messy partner-style study folders, with the truth written beside them (synthetic data).

``make_partner_study(folder, seed)`` writes a study folder the way partners send them: five trainings
in five layouts (the project's template with its own item bank, a wide CSV with Khmer headers and
Khmer digits, one Thai workbook read by two ``prepost`` sources and linked by names, a long CSV with
Indonesian headers, Thai totals with Thai digits), Buddhist-era dates, unequal group sizes, a
follow-up coding workbook, a flawed item (its answer key names a wrong option) and planted errors.
``truth.json`` beside the files holds what the generator knows from its own people, computed here
and never by tip_eval:

* ``gains``: per grouping (``overall``, ``training_id``, ``country``, ``sector``) and group,
  ``n_pre, n_post, n, pre_mean, post_mean, mean_gain`` in percent of the maximum score, over the
  people and tests tip_eval's documented rules keep (a test with an answer set aside has no score;
  a person set aside is in no table);
* ``confidence``: per competency, ``n`` and the pre/post medians of the template training;
* ``followup``: the applied-practice indicator (people interviewed and people with the code);
* ``flawed_item``: the item whose key is wrong;
* ``problems``: each planted error as ``file, sheet, row, column`` and words of the problem.

Run ``python tests/partner/make_partner_studies.py OUT [SEED]`` to look at one.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

ITEMS = [f"Q{i:02d}" for i in range(1, 13)]
MODULES = [
    "definitions_law",
    "identification",
    "protection_support",
    "recovery_reintegration",
    "special_groups",
    "victim_centred",
]
KEYS = "ABCDBCDACADB"
FLAWED = "Q07"  # the bank's key says A; the right option, the one people who know pick, is C
TRUE_KEY = {i: k for i, k in zip(ITEMS, KEYS)} | {FLAWED: "C"}
BANK_KEY = {i: k for i, k in zip(ITEMS, KEYS)} | {FLAWED: "A"}
COMPETENCIES = ["C01", "C02", "C03"]
SECTORS = ["government_social_services", "law_enforcement", "ngo"]
SECTOR_LABELS = {
    "km": {
        "government_social_services": "សេវាសង្គមរដ្ឋាភិបាល",
        "law_enforcement": "អនុវត្តច្បាប់",
        "ngo": "អង្គការមិនមែនរដ្ឋាភិបាល",
    },
    "th": {"government_social_services": "หน่วยงานสวัสดิการสังคมภาครัฐ", "law_enforcement": "ตำรวจ", "ngo": "เอ็นจีโอ"},
    "id": {"government_social_services": "Dinas Sosial", "law_enforcement": "Polisi", "ngo": "LSM"},
    "en": {
        "government_social_services": "Government social services",
        "law_enforcement": "Law enforcement",
        "ngo": "NGO",
    },
}
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
THAI_GIVEN = [
    "สมชาย",
    "สุดา",
    "ประเสริฐ",
    "มาลี",
    "วิชัย",
    "นภา",
    "อำนาจ",
    "จันทร์เพ็ญ",
    "สมศักดิ์",
    "รัตนา",
    "บุญมี",
    "ปราณี",
    "ชัยวัฒน์",
    "สุนีย์",
    "ธนา",
    "พรทิพย์",
    "เกียรติ",
    "วันดี",
    "สุริยา",
    "อรุณี",
    "ไพโรจน์",
    "ศิริพร",
    "กิตติ",
    "ละเอียด",
    "มงคล",
    "ผ่องศรี",
]
THAI_FAMILY = ["ใจดี", "ศรีสุข", "มั่นคง", "แก้วมณี", "ทองดี", "บุญมา", "สายทอง", "พรหมมา", "จันทร์ดี", "รักษา"]


@dataclass
class Person:
    pid: str
    training: str
    sector: str
    gender: str
    ability: float
    answers: dict[str, dict[str, str]] = field(default_factory=dict)  # phase -> item -> answer
    ratings: dict[str, dict[str, int]] = field(default_factory=dict)  # phase -> competency -> 1-5
    name: str | None = None
    dropped: set[str] = field(default_factory=set)  # phases whose score tip_eval must not compute
    removed: bool = False  # set aside entirely (not in any table)


@dataclass
class Training:
    tid: str
    country: str
    province: str
    start: dt.date
    end: dt.date
    language: str
    people: list[Person] = field(default_factory=list)


def _answer(rng: random.Random, ability: float, item: int, gain: float) -> str:
    p = 1 / (1 + math.exp(-(ability + gain - 0.3 + 0.15 * (item % 4))))
    right = TRUE_KEY[ITEMS[item]]
    if rng.random() < p:
        return right
    if ITEMS[item] == FLAWED and rng.random() < 0.7:
        return "A"  # the popular wrong answer, which the flawed key marks right
    return rng.choice([o for o in "ABCD" if o != right])


def _people(rng: random.Random, t: Training, n: int, prefix: str, post_missing: int) -> None:
    for k in range(n):
        p = Person(
            f"{prefix}{k + 1:02d}", t.tid, SECTORS[rng.randrange(3)], rng.choice(["woman", "man"]), rng.gauss(0, 1)
        )
        for phase, gain in (("pre", 0.0), ("post", 1.1)):
            p.answers[phase] = {i: _answer(rng, p.ability, j, gain) for j, i in enumerate(ITEMS)}
            p.ratings[phase] = {
                c: min(5, max(1, round(2.6 + 0.6 * p.ability + (1.2 if phase == "post" else 0) + rng.gauss(0, 0.7))))
                for c in COMPETENCIES
            }
        if k >= n - post_missing:  # the last ones missed the post-test
            del p.answers["post"]
            del p.ratings["post"]
        t.people.append(p)


def _score(p: Person, phase: str) -> float:
    return 100.0 * sum(a == BANK_KEY[i] for i, a in p.answers[phase].items()) / len(ITEMS)


# --------------------------------------------------------------------------------------- writing


def _csv(path: Path, rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _bank_sheets(wb) -> None:
    items = wb.create_sheet("Items")
    items.append(["Item ID", "Module", "Text", "Correct answer", "Points", "Number of options"])
    for j, i in enumerate(ITEMS):
        items.append([i, MODULES[j % len(MODULES)], f"Question {i}", BANK_KEY[i], 1, 4])
    comps = wb.create_sheet("Competencies")
    comps.append(["Competency ID", "Label"])
    for c in COMPETENCIES:
        comps.append([c, f"Competency {c}"])


def _template(folder: Path, t: Training, rng: random.Random, problems: list) -> str:
    """T1: the project's template, filled in English, with its own Items and Competencies sheets."""
    file = f"{t.tid}.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Training"
    ws.append(["Training ID", "Country", "Province", "Venue", "Organiser", "Start date", "End date", "Language"])
    # planted: the end date is before the start date (a problem on that cell; the people are kept)
    ws.append(
        [
            t.tid,
            "Cambodia",
            t.province,
            "Hotel",
            "NGO coalition",
            dt.datetime(2023, 4, 18),
            dt.datetime(2023, 4, 8),
            "km",
        ]
    )
    problems.append(
        {
            "file": file,
            "sheet": "Training",
            "row": 2,
            "column": "End date",
            "words": "end_date is before the start date",
        }
    )
    roster = wb.create_sheet("Participants")
    roster.append(["Participant ID", "Sector", "Gender"])
    pre, post = wb.create_sheet("Pre-test"), wb.create_sheet("Post-test")
    for ws in (pre, post):
        ws.append(["Participant ID", *ITEMS])
    conf = wb.create_sheet("Confidence")
    conf.append(["Participant ID", "Phase", *COMPETENCIES])
    for p in t.people:
        roster.append([p.pid, SECTOR_LABELS["en"][p.sector], p.gender.capitalize()])
        for phase, ws in (("pre", pre), ("post", post)):
            if phase in p.answers:
                ws.append([p.pid, *[p.answers[phase][i] for i in ITEMS]])
        for phase in ("pre", "post"):
            if phase in p.ratings:
                conf.append(
                    [p.pid, "Pre-test" if phase == "pre" else "Post-test", *[p.ratings[phase][c] for c in COMPETENCIES]]
                )
    # planted: 'E' on a 4-option item (a located problem; that person's pre-test has no score)
    bad = t.people[1]
    pre.cell(3, 1 + ITEMS.index("Q03") + 1, "E")
    bad.dropped.add("pre")
    problems.append(
        {"file": file, "sheet": "Pre-test", "row": 3, "column": "Q03", "words": "is not one of this question's options"}
    )
    # an unambiguous lower-case answer is read as its option (a note, scored as written)
    lower = t.people[2]
    pre.cell(4, 2, lower.answers["pre"]["Q01"].lower())
    # planted: a rating of 6 (a located problem; that confidence row is set aside)
    row = next(r for r in range(2, conf.max_row + 1) if conf.cell(r, 1).value == t.people[3].pid)
    conf.cell(row, 3, 6)
    t.people[3].ratings[_phase_of(conf.cell(row, 2).value)].pop("C01")
    problems.append({"file": file, "sheet": "Confidence", "row": row, "column": "C01", "words": "rating"})
    _bank_sheets(wb)
    wb.save(folder / file)
    return f'[[sources]]\nfile = "{file}"\nlayout = "template"\n'


def _phase_of(label: str) -> str:
    return "pre" if label.startswith("Pre") else "post"


def _wide_khmer(folder: Path, t: Training, rng: random.Random, problems: list) -> str:
    """T2: a wide CSV with Khmer headers and Khmer digits; a quote left open swallows two rows."""
    file = f"{t.tid}.csv"
    header = ["លេខកូដអ្នកចូលរួម", "វិស័យ", "ភេទ", "បទពិសោធន៍ (ឆ្នាំ)"] + [f"{i} មុន" for i in ITEMS] + [f"{i} ក្រោយ" for i in ITEMS]
    lines = [",".join(header)]
    for p in t.people:
        cells = [
            p.pid,
            SECTOR_LABELS["km"][p.sector],
            {"woman": "ស្ត្រី", "man": "បុរស"}[p.gender],
            str(rng.randint(1, 15)).translate(KHMER_DIGITS),
        ]
        cells += [p.answers["pre"][i] for i in ITEMS]
        cells += [p.answers["post"][i] if "post" in p.answers else "" for i in ITEMS]
        lines.append(",".join(cells))
    # planted: a quote opened in the sector cell of the 4th person closes in the sector cell of the 6th
    k = 4
    cells = lines[k].split(",")
    cells[1] = '"' + cells[1]
    lines[k] = ",".join(cells)
    cells = lines[k + 2].split(",")
    cells[1] = cells[1] + '"'
    lines[k + 2] = ",".join(cells)
    for p in t.people[k - 1 : k + 2]:
        p.removed = True
    problems.append({"file": file, "sheet": None, "row": k + 1, "column": "វិស័យ", "words": "is not closed"})
    (folder / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return (
        f'[[sources]]\nfile = "{file}"\nlayout = "wide"\n\n[sources.training]\ntraining_id = "{t.tid}"\n'
        f'country = "KHM"\nprovince = "{t.province}"\nstart_date = {t.start.isoformat()}\nend_date = {t.end.isoformat()}\n'
        'language = "km"\n'
    )


def _thai_names(rng: random.Random, n: int) -> list[str]:
    names = set()
    while len(names) < n:
        names.add(f"{rng.choice(THAI_GIVEN)} {rng.choice(THAI_FAMILY)}")
    return sorted(names)


def _prepost_thai(folder: Path, t: Training, rng: random.Random, problems: list) -> str:
    """T3: one Thai workbook, roster and tests linked by name, read by two prepost sources; dates in
    Buddhist-era date cells; some names written without the space between given and family name."""
    file = f"{t.tid}.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "การอบรม"
    ws.append(["รหัสการอบรม", "ประเทศ", "จังหวัด", "วันที่เริ่ม", "วันที่สิ้นสุด", "ภาษา"])
    ws.append(
        [
            t.tid,
            "ไทย",
            t.province,
            dt.datetime(t.start.year + 543, t.start.month, t.start.day),
            dt.datetime(t.end.year + 543, t.end.month, t.end.day),
            "th",
        ]
    )
    roster = wb.create_sheet("ผู้เข้าอบรม")
    roster.append(["ชื่อ-สกุล", "ภาคส่วน", "เพศ"])
    pre, post = wb.create_sheet("แบบทดสอบก่อน"), wb.create_sheet("แบบทดสอบหลัง")
    for s in (pre, post):
        s.append(["ชื่อ-สกุล", *ITEMS])
    for p, name in zip(t.people, _thai_names(rng, len(t.people))):
        p.name = name
        roster.append([name, SECTOR_LABELS["th"][p.sector], {"woman": "หญิง", "man": "ชาย"}[p.gender]])
        pre.append([name, *[p.answers["pre"][i] for i in ITEMS]])
        if "post" in p.answers:
            written = name.replace(" ", "") if rng.random() < 0.4 else name  # spacing differs: the same person
            post.append([written, *[p.answers["post"][i] for i in ITEMS]])
    wb.save(folder / file)
    return (
        f'[[sources]]\nfile = "{file}"\nlayout = "prepost"\nsheet = "แบบทดสอบก่อน"\nphase = "pre"\nname_column = "ชื่อ-สกุล"\n\n'
        f'[[sources]]\nfile = "{file}"\nlayout = "prepost"\nsheet = "แบบทดสอบหลัง"\nphase = "post"\nname_column = "ชื่อ-สกุล"\n'
    )


def _long_indonesian(folder: Path, t: Training, rng: random.Random, problems: list) -> str:
    """T4: a long CSV with Indonesian headers and phases; one row has no item."""
    file = f"{t.tid}.csv"
    rows = [["ID Peserta", "Sektor", "Jenis kelamin", "Tahap", "Soal", "Jawaban"]]
    for p in t.people:
        for phase, word in (("pre", "Sebelum"), ("post", "Sesudah")):
            if phase in p.answers:
                for i in ITEMS:
                    rows.append(
                        [
                            p.pid,
                            SECTOR_LABELS["id"][p.sector],
                            {"woman": "Perempuan", "man": "Laki-laki"}[p.gender],
                            word,
                            "Q" + str(int(i[1:])),
                            p.answers[phase][i],
                        ]
                    )
    # planted: the item of one answer is blank (a located problem; that person's post-test has no score)
    victim = next(p for p in t.people[2:] if "post" in p.answers)
    at = next(r for r in range(1, len(rows)) if rows[r][0] == victim.pid and rows[r][3] == "Sesudah")
    rows[at][4] = ""
    victim.dropped.add("post")
    problems.append({"file": file, "sheet": None, "row": at + 1, "column": "Soal", "words": "item_id is empty"})
    _csv(folder / file, rows)
    return (
        f'[[sources]]\nfile = "{file}"\nlayout = "long"\n\n[sources.training]\ntraining_id = "{t.tid}"\n'
        f'country = "IDN"\nprovince = "{t.province}"\nstart_date = {t.start.isoformat()}\nend_date = {t.end.isoformat()}\n'
        'language = "id"\n'
    )


def _totals_thai(folder: Path, t: Training, rng: random.Random, problems: list) -> str:
    """T5: Thai totals with Thai digits and headers that carry the phase inside a word; one blank score."""
    file = f"{t.tid}.csv"
    rows = [["รหัสผู้เข้าอบรม", "ภาคส่วน", "คะแนนก่อนอบรม", "คะแนนหลังอบรม"]]
    for p in t.people:
        pre = str(round(_score(p, "pre") * len(ITEMS) / 100)).translate(THAI_DIGITS)
        post = str(round(_score(p, "post") * len(ITEMS) / 100)).translate(THAI_DIGITS) if "post" in p.answers else ""
        rows.append([p.pid, SECTOR_LABELS["th"][p.sector], pre, post])
    return_toml = (
        f'[[sources]]\nfile = "{file}"\nlayout = "totals"\nmax_score = {len(ITEMS)}\n\n[sources.training]\n'
        f'training_id = "{t.tid}"\ncountry = "THA"\nprovince = "{t.province}"\n'
        f'start_date = "{t.start.year + 543}-{t.start.month:02d}-{t.start.day:02d}"\n'
        f'end_date = "{t.end.year + 543}-{t.end.month:02d}-{t.end.day:02d}"\nlanguage = "th"\n'
    )
    _csv(folder / file, rows)
    return return_toml


def _followup(folder: Path, people: list[Person], rng: random.Random) -> tuple[str, dict]:
    """Follow-up coding workbook: only the codes applied are listed; two interviews had none."""
    wb = openpyxl.Workbook()
    cb = wb.active
    cb.title = "Codebook"
    cb.append(["Code ID", "Label", "Theme", "Level", "Applied practice"])
    cb.append(["ID_APPLY", "Applied identification skills", "Applying the training", 3, "yes"])
    cb.append(["SHARED", "Shared learning with colleagues", "Applying the training", 3, "yes"])
    cb.append(["BARRIER", "Barriers met", "Barriers", 3, "no"])
    iv = wb.create_sheet("Interviews")
    iv.append(["Interview ID", "Participant ID", "Interview date", "Coders"])
    codes = wb.create_sheet("Codes")
    codes.append(["Interview ID", "Coder", "Code ID", "Present"])
    chosen = rng.sample(people, 12)
    with_code = 0
    for k, p in enumerate(chosen):
        iid = f"INT-{k + 1:03d}"
        iv.append([iid, p.pid, dt.datetime(2023, 10, 2 + k), "coder_a"])
        if k < 2:
            continue  # coded, no code applied: counts in the denominator
        applied = rng.sample(["ID_APPLY", "SHARED", "BARRIER"], rng.randint(1, 2))
        if k == 2:
            applied = ["BARRIER"]
        with_code += any(c in ("ID_APPLY", "SHARED") for c in applied)
        for c in applied:
            codes.append([iid, "coder_a", c, 1])
    wb.save(folder / "followup.xlsx")
    return '[[sources]]\nfile = "followup.xlsx"\nlayout = "followup"\n', {
        "n_interviewed": len(chosen),
        "n_with_code": with_code,
    }


# ----------------------------------------------------------------------------------------- truth


def _gain_rows(people: list[Person], key) -> dict:
    groups: dict = {}
    for p in people:
        groups.setdefault(key(p), []).append(p)
    out = {}
    for g, ps in groups.items():
        pre = [_score(p, "pre") for p in ps if "pre" in p.answers and "pre" not in p.dropped]
        post = [_score(p, "post") for p in ps if "post" in p.answers and "post" not in p.dropped]
        pairs = [
            _score(p, "post") - _score(p, "pre") for p in ps if {"pre", "post"} <= set(p.answers) and not p.dropped
        ]
        out[g] = {
            "n_pre": len(pre),
            "n_post": len(post),
            "n": len(pairs),
            "pre_mean": sum(pre) / len(pre) if pre else None,
            "post_mean": sum(post) / len(post) if post else None,
            "mean_gain": sum(pairs) / len(pairs) if pairs else None,
        }
    return out


def _median(values: list[int]) -> float | None:
    v = sorted(values)
    if not v:
        return None
    m = len(v) // 2
    return float(v[m]) if len(v) % 2 else (v[m - 1] + v[m]) / 2


def make_partner_study(folder: str | Path, seed: int = 0) -> dict:
    """Write one messy partner study into ``folder`` (created) and return its truth (also ``truth.json``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sizes = [rng.randint(12, 16), rng.randint(8, 10), rng.randint(18, 24), rng.randint(9, 12), rng.randint(14, 19)]
    trainings = [
        Training("KHM-PNH-2023", "KHM", "Phnom Penh", dt.date(2023, 4, 18), dt.date(2023, 4, 20), "km"),
        Training("KHM-SRP-2023", "KHM", "Siem Reap", dt.date(2023, 5, 9), dt.date(2023, 5, 11), "km"),
        Training("THA-CMI-2022", "THA", "Chiang Mai", dt.date(2022, 8, 9), dt.date(2022, 8, 11), "th"),
        Training("IDN-DPS-2023", "IDN", "Bali", dt.date(2023, 5, 2), dt.date(2023, 5, 4), "id"),
        Training("THA-SKA-2022", "THA", "Songkhla", dt.date(2022, 9, 13), dt.date(2022, 9, 15), "th"),
    ]
    for t, n, prefix in zip(trainings, sizes, ["KP", "KS", "TC", "ID", "TS"]):
        _people(rng, t, n, prefix, post_missing=rng.randint(1, 3))
    problems: list[dict] = []
    toml = [f'[study]\nname = "Partner study {seed} (synthetic)"\nmin_cell = 3\n']
    toml.append(_template(folder, trainings[0], rng, problems))
    toml.append(_wide_khmer(folder, trainings[1], rng, problems))
    toml.append(_prepost_thai(folder, trainings[2], rng, problems))
    toml.append(_long_indonesian(folder, trainings[3], rng, problems))
    toml.append(_totals_thai(folder, trainings[4], rng, problems))
    with_ids = [p for t in (trainings[0], trainings[1], trainings[3]) for p in t.people if not p.removed]
    fu_toml, followup = _followup(folder, with_ids, rng)
    toml.append(fu_toml)
    (folder / "study.toml").write_text("\n".join(toml), encoding="utf-8")

    people = [p for t in trainings for p in t.people if not p.removed]
    country = {t.tid: t.country for t in trainings}
    t1 = [p for p in trainings[0].people if not p.removed]
    confidence = {}
    for c in COMPETENCIES:  # over matched pairs: people who rated the competency at both times
        both = [p for p in t1 if c in p.ratings.get("pre", {}) and c in p.ratings.get("post", {})]
        pre = [p.ratings["pre"][c] for p in both]
        post = [p.ratings["post"][c] for p in both]
        confidence[c] = {
            "n": len(both),
            "median_pre": _median(pre),
            "median_post": _median(post),
            "pct_agree_pre": 100.0 * sum(r >= 4 for r in pre) / len(pre),
            "pct_agree_post": 100.0 * sum(r >= 4 for r in post) / len(post),
        }
    truth = {
        "seed": seed,
        "gains": {
            "overall": _gain_rows(people, lambda p: "all"),
            "training_id": _gain_rows(people, lambda p: p.training),
            "country": _gain_rows(people, lambda p: country[p.training]),
            "sector": _gain_rows(people, lambda p: p.sector),
        },
        "n_participants": len(people),
        "confidence": confidence,
        "followup": followup,
        "flawed_item": FLAWED,
        "problems": problems,
    }
    (folder / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth


if __name__ == "__main__":  # pragma: no cover
    print(
        json.dumps(
            make_partner_study(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0), ensure_ascii=False, indent=1
        )[:2000]
    )
