"""A blank training workbook in the project's template, for partners to fill in.

Headers are the template's English headers (what :mod:`tip_eval.io.layouts` reads; headers in
Khmer, Thai and Indonesian are read too), with an instructions sheet in the chosen language, dropdown
lists (Excel data validation) for every vocabulary, and the item bank sheet with the default test.
"""

from __future__ import annotations

from pathlib import Path

from tip_eval import vocab
from tip_eval.io.columns import TEMPLATE_HEADER
from tip_eval.io.template import (
    COMPETENCY_COLUMNS,
    ITEM_COLUMNS,
    PARTICIPANT_COLUMNS,
    SHEETS,
    TRAINING_COLUMNS,
    stable_save,
)
from tip_eval.io.write import write_sheet

LANGS = ("en", "km", "th", "id")

INSTRUCTIONS: dict[str, list[str]] = {
    "en": [
        "How to fill in this workbook",
        "1. Training: one row about the training (ID, country, province, dates, language).",
        "2. Participants: one row per person registered. Use a pseudonymous Participant ID (no names). Pick sector and gender from the list.",
        "3. Pre-test and Post-test: one row per person who took the test; one column per question holding the answer given (A, B, C or D). Leave a cell empty if the question was skipped.",
        "4. Confidence: two rows per person (Phase = Pre-test and Post-test), one column per competency with a rating from 1 (strongly disagree) to 5 (strongly agree).",
        "5. Items: the questions and the answer key. Keep the same Item IDs as the column headers of the test sheets.",
        "Type IDs such as 007 as text: Excel removes leading zeros from numbers.",
        "Then run: tip-eval validate THIS_FILE.xlsx  - it lists every problem with its sheet, row and column.",
    ],
    "km": [
        "របៀបបំពេញសៀវភៅបញ្ជីនេះ",
        "1. Training៖ មួយជួរអំពីវគ្គបណ្តុះបណ្តាល (លេខកូដ ប្រទេស ខេត្ត កាលបរិច្ឆេទ ភាសា)។",
        "2. Participants៖ មួយជួរសម្រាប់អ្នកចុះឈ្មោះម្នាក់ៗ។ ប្រើលេខកូដអ្នកចូលរួម (កុំសរសេរឈ្មោះ)។ ជ្រើសរើសវិស័យ និងភេទពីបញ្ជី។",
        "3. Pre-test និង Post-test៖ មួយជួរសម្រាប់អ្នកធ្វើតេស្តម្នាក់ៗ មួយជួរឈរសម្រាប់សំណួរនីមួយៗ ដាក់ចម្លើយ (A, B, C ឬ D)។",
        "4. Confidence៖ ពីរជួរសម្រាប់ម្នាក់ៗ (មុន និងក្រោយ) ការវាយតម្លៃពី 1 ដល់ 5។",
        "5. Items៖ សំណួរ និងចម្លើយត្រឹមត្រូវ។",
        "បន្ទាប់មក៖ tip-eval validate THIS_FILE.xlsx",
    ],
    "th": [
        "วิธีกรอกสมุดงานนี้",
        "1. Training: หนึ่งแถวเกี่ยวกับการอบรม (รหัส ประเทศ จังหวัด วันที่ ภาษา)",
        "2. Participants: หนึ่งแถวต่อผู้ลงทะเบียนหนึ่งคน ใช้รหัสผู้เข้าอบรม (ห้ามใส่ชื่อ) เลือกภาคส่วนและเพศจากรายการ",
        "3. Pre-test และ Post-test: หนึ่งแถวต่อผู้ทำแบบทดสอบหนึ่งคน หนึ่งคอลัมน์ต่อข้อ ใส่คำตอบ (A, B, C หรือ D)",
        "4. Confidence: สองแถวต่อคน (ก่อนและหลัง) ให้คะแนน 1 ถึง 5 ต่อสมรรถนะ",
        "5. Items: ข้อคำถามและเฉลย",
        "จากนั้นเรียกใช้: tip-eval validate THIS_FILE.xlsx",
    ],
    "id": [
        "Cara mengisi buku kerja ini",
        "1. Training: satu baris tentang pelatihan (ID, negara, provinsi, tanggal, bahasa).",
        "2. Participants: satu baris per peserta terdaftar. Gunakan ID Peserta (tanpa nama). Pilih sektor dan jenis kelamin dari daftar.",
        "3. Pre-test dan Post-test: satu baris per peserta yang mengikuti tes; satu kolom per soal berisi jawaban (A, B, C atau D).",
        "4. Confidence: dua baris per peserta (sebelum dan sesudah), nilai 1 sampai 5 per kompetensi.",
        "5. Items: soal dan kunci jawaban.",
        "Lalu jalankan: tip-eval validate THIS_FILE.xlsx",
    ],
}
_INSTRUCTIONS_TITLE = {"en": "Instructions", "km": "ការណែនាំ", "th": "คำแนะนำ", "id": "Petunjuk"}


def _validation(ws, values: list[str], column_letter: str, rows: int = 500) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = ws.parent["Lists"]
    col = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(col)
    lists.cell(row=1, column=col, value=f"{ws.title} {column_letter}")
    for i, v in enumerate(values, start=2):
        lists.cell(row=i, column=col, value=v)
    dv = DataValidation(type="list", formula1=f"=Lists!${letter}$2:${letter}${len(values) + 1}", allow_blank=True,
                        showErrorMessage=True, errorTitle="Not in the list", error="Pick a value from the list.")
    ws.add_data_validation(dv)
    dv.add(f"{column_letter}2:{column_letter}{rows}")


def write_blank_template(path: str | Path, lang: str = "en") -> Path:
    """Write a blank training workbook with dropdowns, instructions in ``lang`` and the item bank.

    Parameters
    ----------
    path : str or Path
        Where to write the ``.xlsx``.
    lang : {"en", "km", "th", "id"}
        Language of the instructions sheet and of the dropdown labels.
    """
    import pandas as pd
    from openpyxl import Workbook

    from tip_eval.datasets import make_study

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}")
    study, _ = make_study(seed=0)
    wb = Workbook()
    ws = wb.active
    ws.title = _INSTRUCTIONS_TITLE[lang]
    for i, line in enumerate(INSTRUCTIONS[lang], start=1):
        ws.cell(row=i, column=1, value=line)
    ws.column_dimensions["A"].width = 120
    lists = wb.create_sheet("Lists")
    lists.sheet_state = "hidden"

    def sheet(key: str, columns: list[str]):
        w = wb.create_sheet(SHEETS[key])
        write_sheet(w, pd.DataFrame(columns=[TEMPLATE_HEADER.get(c, c) for c in columns]))
        return w

    tr = sheet("training", TRAINING_COLUMNS)
    _validation(tr, [vocab.label("country", c, lang) for c in vocab.COUNTRIES], "B", rows=2)
    _validation(tr, list(vocab.TRAINING_LANGUAGES), "H", rows=2)
    part = sheet("participants", PARTICIPANT_COLUMNS)
    _validation(part, [vocab.label("sector", c, lang) for c in vocab.SECTORS], "B")
    _validation(part, [vocab.label("gender", c, lang) for c in vocab.GENDERS], "E")
    items = list(study.items["item_id"])
    for key in ("pre", "post"):
        sheet(key, ["participant_id"] + items)
    comps = list(study.competencies["competency_id"])
    conf = sheet("confidence", ["participant_id", "phase"] + comps)
    _validation(conf, [vocab.label("phase", p, lang) for p in vocab.PHASES], "B")
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True,
                        showErrorMessage=True, error="A rating from 1 to 5.")
    conf.add_data_validation(dv)
    from openpyxl.utils import get_column_letter

    dv.add(f"C2:{get_column_letter(2 + len(comps))}500")
    ib = wb.create_sheet(SHEETS["items"])
    write_sheet(ib, study.items[ITEM_COLUMNS].rename(columns=TEMPLATE_HEADER))
    cp = wb.create_sheet(SHEETS["competencies"])
    write_sheet(cp, study.competencies[COMPETENCY_COLUMNS].rename(columns=TEMPLATE_HEADER))
    wb.move_sheet("Lists", offset=len(wb.sheetnames))
    return stable_save(wb, path)
