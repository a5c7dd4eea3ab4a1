"""Generate small messy study folders for the ingest tests (tests/ingest/corpus/).

Run from the repository root:

    python tests/ingest/make_messy.py           # (re)writes tests/ingest/corpus/
    python tests/ingest/make_messy.py OUTDIR    # writes somewhere else (a test compares the two)

Each folder is one study (``study.toml`` + partners' files) with a few participants and planted
mistakes of the kind partners make: unknown labels, Thai and Khmer digits, Buddhist-era dates,
"85%" and "1,250" scores, ambiguous "12,5", duplicate participants, post-tests of people not on the
roster, answers to items not in the item bank, names instead of IDs, Kobo exports and coding
exports from Taguette and QualCoder. Every person and text is invented. Output is byte-stable:
workbooks go through ``stable_save`` and CSV files are written with fixed encodings and newlines.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _xlsx(path: Path, sheets: dict[str, list[list]]) -> None:
    from openpyxl import Workbook

    from tip_eval.io.template import stable_save

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row, start=1):
                if v is not None:
                    cell = ws.cell(row=i, column=j, value=v)
                    if isinstance(v, str):
                        cell.data_type = "s"  # plain text, as typed (no value here starts with '=')
    stable_save(wb, path)


def _csv(path: Path, rows: list[list], bom: bool = True) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))


def _toml(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


ITEMS = [
    ["Item ID", "Module", "Text", "Correct answer", "Points", "Number of options"],
    ["Q01", "definitions_law", "Which statement matches the ACTIP definition?", "A", 1, 4],
    ["Q02", "identification", "Which is an indicator of forced labour?", "B", 1, 4],
    ["Q03", "protection_support", "What should happen first?", "C", 1, 4],
]
COMPETENCIES = [
    ["Competency ID", "Label", "Label (Khmer)", "Label (Thai)", "Label (Indonesian)"],
    [
        "C01",
        "Identify a victim of trafficking",
        "កំណត់អត្តសញ្ញាណជនរងគ្រោះពីការជួញដូរ",
        "ระบุตัวผู้เสียหายจากการค้ามนุษย์",
        "Mengidentifikasi korban perdagangan orang",
    ],
    [
        "C02",
        "Build trust with a victim",
        "កសាងទំនុកចិត្តជាមួយជនរងគ្រោះ",
        "สร้างความไว้วางใจกับผู้เสียหาย",
        "Membangun kepercayaan dengan korban",
    ],
]
CODEBOOK = [
    ["Code ID", "Label", "Theme", "Level", "Applied practice", "Definition"],
    [
        "ID_SCREENING",
        "Uses screening indicators to identify victims",
        "Applying identification",
        3,
        "yes",
        "Describes using indicators with a real case.",
    ],
    [
        "TRUST_BUILDING",
        "Builds trust before asking for disclosure",
        "Building trust",
        3,
        "yes",
        "Describes taking time to build trust.",
    ],
    ["BAR_RESOURCES", "Lack of resources or time", "Barriers met", 3, "no", "Describes missing staff or money."],
]
ITEM_BANK = '[[sources]]\nfile = "item_bank.xlsx"\nlayout = "item_bank"\n'


def common(out: Path) -> None:
    _xlsx(out / "common" / "item_bank.xlsx", {"Items": ITEMS, "Competencies": COMPETENCIES})
    _xlsx(out / "common" / "codebook.xlsx", {"Codebook": CODEBOOK})


def wide(out: Path) -> None:
    """Indonesian wide CSV: pre_/_post markers, an unknown sector, '1,5' years, a duplicate person."""
    d = out / "wide"
    _toml(
        d / "study.toml",
        f"""[study]
name = "Messy wide sheet"

{ITEM_BANK}
[[sources]]
file = "tests.csv"
layout = "wide"

[sources.training]
training_id = "IDN-JKT-2023"
country = "Indonesia"
province = "DKI Jakarta"
start_date = 2023-07-04
end_date = 2023-07-06
language = "id"
""",
    )
    _csv(
        d / "tests.csv",
        [
            [
                "ID Peserta",
                "Sektor",
                "Jenis kelamin",
                "Lama bekerja (tahun)",
                "pre_Q01",
                "pre_Q02",
                "pre_Q03",
                "Q01_post",
                "Q02_post",
                "Q03_post",
                "pre_C01",
                "post_C01",
            ],
            ["P01", "Penegak hukum", "Perempuan", "3", "A", "B", "D", "A", "B", "C", "Setuju", "Sangat setuju"],
            ["P02", "Polise", "Laki-laki", "4", "B", "B", "C", "A", "B", "C", "Netral", "Setuju"],
            ["P03", "LSM", "Perempuan", "1,5", "A", "C", "C", "A", "B", "C", "Tidak setuju", "Setuju"],
            ["P01", "LSM", "Perempuan", "2", "A", "A", "A", "B", "B", "B", "Setuju", "Setuju"],
            ["p 05", "Layanan sosial pemerintah", "Non-biner", "๕", "A", "B", "C", "", "", "", "Setuju", ""],
        ],
    )


def totals(out: Path) -> None:
    """Totals only: Thai and Khmer digits, '85%', '1,250' of '2,000', ambiguous '12,5', above the maximum."""
    d = out / "totals"
    _toml(
        d / "study.toml",
        """[study]
name = "Messy totals"

[[sources]]
file = "scores.csv"
layout = "totals"

[sources.training]
training_id = "KHM-KPC-2023"
country = "Cambodia"
province = "Kampong Cham"
start_date = 2023-08-01
end_date = 2023-08-03
language = "km"
""",
    )
    _csv(
        d / "scores.csv",
        [
            ["Participant ID", "Sector", "Pre-test score", "Post-test score", "Max score"],
            ["T01", "NGO", "๑๒", "๑๘", "20"],
            ["T02", "Police", "85%", "90%", ""],
            ["T03", "NGO", "1,250", "1,500", "2,000"],
            ["T04", "NGO", "12,5", "15", "20"],
            ["T05", "NGO", "25", "18", "20"],
            ["T06", "Social services", "១៥", "១៧", "20"],
        ],
    )


def long_th(out: Path) -> None:
    """Thai long workbook: Buddhist-era dates, an unknown item, a phase typo, a person not on the roster."""
    d = out / "long_th"
    _toml(
        d / "study.toml",
        f"""[study]
name = "Messy long sheet"

{ITEM_BANK}
[[sources]]
file = "answers.xlsx"
layout = "long"
""",
    )
    answers = [["รหัสผู้เข้าอบรม", "ช่วง", "ข้อ", "คำตอบ"]]
    for pid in ("L01", "L02", "L03"):
        for phase in ("ก่อนการอบรม", "หลังการอบรม"):
            for q, a in (("Q01", "A"), ("Q02", "C"), ("Q03", "C")):
                answers.append([pid, phase, q, a])
    answers[5][1] = "หลังอบรม"  # row 6: L01 post Q02, phase typo
    answers.append(["L02", "หลังการอบรม", "Q99", "B"])  # row 20: an item not in the item bank
    answers.append(["L09", "ก่อนการอบรม", "Q01", "A"])  # row 21: not on the roster
    _xlsx(
        d / "answers.xlsx",
        {
            "การอบรม": [
                ["รหัสการอบรม", "ประเทศ", "จังหวัด", "สถานที่", "วันที่เริ่ม", "วันที่สิ้นสุด", "ภาษา"],
                ["THA-CRI-2022", "ไทย", "เชียงราย", "แม่สาย", "13/09/2565", "15 ก.ย. 2565", "th"],
            ],
            "ผู้เข้าอบรม": [
                ["รหัสผู้เข้าอบรม", "ภาคส่วน", "เพศ"],
                ["L01", "ตำรวจ", "หญิง"],
                ["L02", "องค์กรพัฒนาเอกชน", "ชาย"],
                ["L03", "หน่วยงานสวัสดิการสังคมภาครัฐ", "หญิง"],
            ],
            "คำตอบ": answers,
        },
    )


def prepost_names(out: Path) -> None:
    """Separate pre and post CSV files with names only: exact, close, uncertain and unmatched names."""
    d = out / "prepost_names"
    _toml(
        d / "study.toml",
        f"""[study]
name = "Linked by name"

{ITEM_BANK}
[[sources]]
file = "pre.csv"
layout = "prepost"
phase = "pre"
name_column = "Nama"

[sources.training]
training_id = "IDN-SUB-2023"
country = "IDN"
province = "East Java"
start_date = 2023-09-05
end_date = 2023-09-07
language = "id"

[[sources]]
file = "post.csv"
layout = "prepost"
phase = "post"
name_column = "Nama"
training_id = "IDN-SUB-2023"
""",
    )
    _csv(
        d / "pre.csv",
        [
            ["Nama", "Sektor", "Jenis kelamin", "Q01", "Q02", "Q03", "C01"],
            ["Siti Rahmah", "LSM", "Perempuan", "A", "A", "C", "3"],
            ["Made Wirawan", "Polisi", "Laki-laki", "B", "B", "C", "2"],
            ["Dewi Lestari", "Dinas Sosial", "Perempuan", "A", "B", "A", "4"],
            ["Budi Santoso", "LSM", "Laki-laki", "A", "B", "C", "4"],
        ],
    )
    _csv(
        d / "post.csv",
        [
            ["Nama", "Q01", "Q02", "Q03", "C01"],
            ["SITI  RAHMAH", "A", "B", "C", "4"],
            ["I Made Wirawan", "A", "B", "C", "4"],
            ["Dewi Lestiani", "A", "B", "C", "5"],
            ["Budi Santoso", "A", "B", "B", "5"],
            ["Agus Salim", "A", "B", "C", "4"],
        ],
    )


def prepost_ids(out: Path) -> None:
    """Pre and post sheets of one workbook: IDs in another case and spacing, a dropped leading zero."""
    d = out / "prepost_ids"
    _toml(
        d / "study.toml",
        f"""[study]
name = "Linked by ID"

{ITEM_BANK}
[[sources]]
file = "tests.xlsx"
layout = "prepost"
sheet = "Pre"
phase = "pre"

[sources.training]
training_id = "KHM-SVR-2023"
country = "KHM"
province = "Svay Rieng"
start_date = 2023-05-02
end_date = 2023-05-04
language = "km"

[[sources]]
file = "tests.xlsx"
layout = "prepost"
sheet = "Post"
phase = "post"
training_id = "KHM-SVR-2023"
""",
    )
    _xlsx(
        d / "tests.xlsx",
        {
            "Pre": [
                ["Participant ID", "Sector", "Gender", "Q01", "Q02", "Q03"],
                ["P001", "NGO", "Woman", "A", "B", "A"],
                ["p 002", "Police", "Man", "B", "B", "C"],
                ["007", "NGO", "Woman", "A", "A", "A"],
            ],
            "Post": [
                ["Participant ID", "Q01", "Q02", "Q03"],
                ["P001", "A", "B", "C"],
                ["P002", "A", "B", "C"],
                ["7", "A", "B", "C"],
                ["P004", "A", "B", "C"],
            ],
        },
    )


def kobo_xml(out: Path) -> None:
    """A KoboToolbox CSV export with XML names and group paths (pretest/q01), metadata, a Likert typo."""
    d = out / "kobo_xml"
    _toml(
        d / "study.toml",
        f"""[study]
name = "Kobo export"

{ITEM_BANK}
[[sources]]
file = "export.csv"
layout = "kobo"

[sources.training]
training_id = "THA-RNG-2022"
country = "THA"
province = "Ranong"
start_date = 2022-11-08
end_date = 2022-11-10
language = "th"
""",
    )
    head = [
        "start",
        "end",
        "participant/participant_id",
        "participant/sector",
        "participant/gender",
        "pretest/q01",
        "pretest/q02",
        "pretest/q03",
        "posttest/q01",
        "posttest/q02",
        "posttest/q03",
        "confidence_pre/C01",
        "confidence_post/C01",
        "meta/instanceID",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_index",
    ]
    rows = [head]
    data = [
        ("K01", "ngo", "woman", "A B C", "A B C", "Agree", "Strongly agree"),
        ("K02", "law_enforcement", "man", "B B A", "A B C", "Neutral", "Stongly agree"),
        ("K03", "government_social_services", "woman", "A C C", "", "Disagree", ""),
    ]
    for i, (pid, sec, gen, pre, post, c1, c2) in enumerate(data, start=1):
        rows.append(
            [
                "2022-11-08T08:00:00.000+07:00",
                "2022-11-10T16:00:00.000+07:00",
                pid,
                sec,
                gen,
                *pre.split(),
                *(post.split() or ["", "", ""]),
                c1,
                c2,
                f"uuid:0000000{i}-aaaa-bbbb-cccc-000000000000",
                4400 + i,
                f"0000000{i}-aaaa-bbbb-cccc-000000000000",
                "2022-11-10T09:00:00",
                "",
                i,
            ]
        )
    _csv(d / "export.csv", rows, bom=False)


def coding(out: Path) -> None:
    """Coding exports: Taguette highlights with a documents table, a QualCoder report, a 0/1 matrix."""
    d = out / "coding"
    _toml(
        d / "study.toml",
        """[study]
name = "Coding exports"

[[sources]]
file = "codebook.xlsx"
layout = "codebook"

[[sources]]
file = "roster.csv"
layout = "wide"
training_id = "KHM-PNH-2023"

[sources.training]
training_id = "KHM-PNH-2023"
country = "KHM"
province = "Phnom Penh"
start_date = 2023-04-18
end_date = 2023-04-20
language = "km"

[[sources]]
file = "highlights.csv"
layout = "taguette"
coder = "coder_a"
documents = "documents.csv"

[[sources]]
file = "coded_text.csv"
layout = "qualcoder"
documents = {"interview_A.docx" = "INT-1", "interview_B.docx" = "INT-2"}

[[sources]]
file = "matrix.xlsx"
layout = "code_matrix"
""",
    )
    _csv(d / "roster.csv", [["Participant ID", "Sector"], ["R01", "NGO"], ["R02", "Police"]])
    _csv(
        d / "documents.csv",
        [
            ["Document", "Interview ID", "Participant ID", "Interview date"],
            ["interview_A.docx", "INT-1", "R01", "2023-10-01"],
            ["interview_B.docx", "INT-2", "R02", "2023-10-02"],
            ["interview_C.docx", "INT-3", "R09", "2023-10-03"],
        ],
    )
    _csv(
        d / "highlights.csv",
        [
            ["id", "document", "tag", "content", "Cleared"],
            ["11", "interview_A.docx", "ID_SCREENING", "I used the screening form with a fisherman.", "yes"],
            [
                "12",
                "interview_A.docx",
                "Builds trust before asking for disclosure",
                "We met three times before asking.",
                "",
            ],
            ["13", "interview_A.docx", "ID_SCREENING", "Later I checked the indicators again.", ""],
            ["14", "interview_B.docx", "Barriers", "There is no shelter in our district.", ""],
            ["15", "interview_C.docx", "BAR_RESOURCES", "No budget for transport.", ""],
            ["16", "interview_Z.docx", "ID_SCREENING", "An interview nobody listed.", ""],
            ["17", "interview_B.docx", "", "An untagged highlight.", ""],
        ],
        bom=False,
    )
    _csv(
        d / "coded_text.csv",
        [
            ["File", "Coder", "Coded", "Id", "Codename", "Coded_Memo", "Category", "Category"],
            [
                "interview_A.docx",
                "coder_b",
                "I used the screening form.",
                "ctid:1",
                "ID_SCREENING",
                "",
                "Applying identification",
                "",
            ],
            [
                "interview_A.docx",
                "coder_b",
                "We met three times.",
                "ctid:2",
                "Builds trust before asking for disclosure",
                "",
                "Building trust",
                "",
            ],
            [
                "interview_B.docx",
                "coder_b",
                "No shelter.",
                "ctid:3",
                "Lack of resources or time",
                "memo",
                "Barriers met",
                "",
            ],
        ],
    )
    _xlsx(
        d / "matrix.xlsx",
        {
            "Codes": [
                ["Interview ID", "Coder", "ID_SCREENING", "TRUST_BUILDING", "BAR_RESOURCES"],
                ["INT-1", "coder_c", 1, None, "x"],
                ["INT-2", "coder_c", 0, 1, "maybe"],
            ]
        },
    )


def main(out: Path | None = None) -> Path:
    out = out or (HERE / "corpus")
    for make in (common, wide, totals, long_th, prepost_names, prepost_ids, kobo_xml, coding):
        make(out)
    # each study carries its own copy of the shared files: a study may only name files inside its folder
    for toml in sorted(out.glob("*/study.toml")):
        for name in ("item_bank.xlsx", "codebook.xlsx"):
            if f'file = "{name}"' in toml.read_text(encoding="utf-8"):
                shutil.copyfile(out / "common" / name, toml.parent / name)
    return out


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
