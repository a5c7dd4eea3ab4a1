"""The training workbook in the project's template, built from the user's item bank, for partners to fill in.

``write_blank_template(path, lang, items=BANK)`` writes the sheets :mod:`tip_eval.io.layouts` reads
(English headers; headers in Khmer, Thai and Indonesian are read too): Training, Participants,
Pre-test and Post-test (one column per question of the bank, each with a dropdown of its options,
``"B. <the option's text>"`` in the chosen language), Confidence (one column per competency, ratings
1-5 on the confidence scale), and the bank itself as the Items and Competencies sheets, so that the
filled-in workbook carries its own answer key. An instructions sheet in the chosen language says
how to fill it in. Without a bank the Items sheet is empty and the instructions say how to fill it
in: the workbook never carries an answer key the user did not give.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from tip_eval import vocab
from tip_eval.io.bank_file import ItemBank, as_item_bank
from tip_eval.io.columns import TEMPLATE_HEADER
from tip_eval.io.item_bank import (
    BANK_COLUMNS,
    COMPETENCY_COLUMNS,
    ITEM_COLUMNS,
    cell_text,
    option_texts,
    text_column,
)
from tip_eval.io.template import (
    PARTICIPANT_COLUMNS,
    SHEETS,
    TRAINING_COLUMNS,
    stable_save,
)
from tip_eval.io.write import write_sheet

__all__ = ["INSTRUCTIONS", "LANGS", "dropdown_language", "write_blank_template"]

LANGS = ("en", "km", "th", "id")

# The instructions in English, Khmer, Thai and Indonesian; the Khmer, Thai and Indonesian wording is a
# draft for review by the partners' staff. Lines 3-5 differ with and without an item bank ("bank" /
# "empty"); {file} is the bank's file name.
INSTRUCTIONS: dict[str, dict[str, list[str]]] = {
    "en": {
        "head": [
            "How to fill in this workbook",
            "1. Training: one row about the training (ID, country, province, dates, language).",
            ("2. Participants: one row per person registered. Use a pseudonymous Participant ID (no names). "
            "Pick sector and gender from the list."),
        ],
        "bank": [
            ("3. Pre-test and Post-test: one row per person who took the test, one column per question. Pick the "
            "answer given from the list (or type its letter). Leave a cell empty if the question was skipped."),
            ("4. Confidence: one row per person and test (Phase), one column per competency, with a rating from "
            "1 (not at all confident) to 5 (completely confident)."),
            ("5. Items and Competencies: your item bank ({file}): the questions, their options, the answer key and "
            "the competencies. Do not change them here: change the item bank and write this workbook again "
            "(tip-eval template --items ...), so that the form, this workbook and the answer key stay the same."),
        ],
        "empty": [
            ("3. Pre-test and Post-test: one row per person who took the test. Add one column per question, headed "
            "by its Item ID (as in the Items sheet), holding the letter of the answer given. Leave a cell empty if "
            "the question was skipped."),
            ("4. Confidence: one row per person and test (Phase). Add one column per competency, headed by its "
            "Competency ID, with a rating from 1 (not at all confident) to 5 (completely confident)."),
            ("5. Items: EMPTY. It is the answer key: fill in one row per question of YOUR test (Item ID, Module, "
            "Text, Correct answer, Points, Number of options, Option A ...), or write this workbook from your item "
            "bank: tip-eval template --items my_item_bank.xlsx. Competencies: one row per competency."),
        ],
        "tail": [
            "Delayed post-test (optional): if people take the test again weeks or months after the training (a retention test), one row per person who took it, with the day in Test date; leave the sheet empty otherwise.",
            "Type IDs such as 007 as text: Excel removes leading zeros from numbers.",
            "Then run: tip-eval validate THIS_FILE.xlsx  - it lists every problem with its sheet, row and column.",
        ],
    },
    "km": {
        "head": [
            "របៀបបំពេញសៀវភៅបញ្ជីនេះ",
            "1. Training៖ មួយជួរអំពីវគ្គបណ្តុះបណ្តាល (លេខកូដ ប្រទេស ខេត្ត កាលបរិច្ឆេទ ភាសា)។",
            ("2. Participants៖ មួយជួរសម្រាប់អ្នកចុះឈ្មោះម្នាក់ៗ។ ប្រើលេខកូដអ្នកចូលរួម (កុំសរសេរឈ្មោះ)។ ជ្រើសរើសវិស័យ "
            "និងភេទពីបញ្ជី។"),
        ],
        "bank": [
            ("3. Pre-test និង Post-test៖ មួយជួរសម្រាប់អ្នកធ្វើតេស្តម្នាក់ៗ មួយជួរឈរសម្រាប់សំណួរនីមួយៗ។ ជ្រើសរើសចម្លើយពីបញ្ជី "
            "(ឬវាយអក្សររបស់វា)។ ទុកក្រឡាទទេ ប្រសិនបើមិនបានឆ្លើយសំណួរនោះ។"),
            ("4. Confidence៖ មួយជួរសម្រាប់មនុស្សម្នាក់ និងតេស្តនីមួយៗ (Phase) មួយជួរឈរសម្រាប់សមត្ថភាពនីមួយៗ ដោយវាយតម្លៃពី "
            "1 (មិនមានទំនុកចិត្តសោះ) ដល់ 5 (មានទំនុកចិត្តពេញលេញ)។"),
            ("5. Items និង Competencies៖ ធនាគារសំណួររបស់អ្នក ({file})៖ សំណួរ ជម្រើស ចម្លើយត្រឹមត្រូវ និងសមត្ថភាព។ "
            "កុំកែប្រែនៅទីនេះ៖ សូមកែប្រែធនាគារសំណួរ ហើយបង្កើតសៀវភៅបញ្ជីនេះម្តងទៀត (tip-eval template --items ...) "
            "ដើម្បីឱ្យទម្រង់ សៀវភៅបញ្ជីនេះ និងចម្លើយត្រឹមត្រូវនៅដូចគ្នា។"),
        ],
        "empty": [
            ("3. Pre-test និង Post-test៖ មួយជួរសម្រាប់អ្នកធ្វើតេស្តម្នាក់ៗ។ បន្ថែមមួយជួរឈរសម្រាប់សំណួរនីមួយៗ ដោយដាក់ចំណងជើងជា"
            "លេខកូដសំណួរ (Item ID) ហើយសរសេរអក្សរនៃចម្លើយដែលបានផ្តល់។ ទុកក្រឡាទទេ ប្រសិនបើមិនបានឆ្លើយសំណួរនោះ។"),
            ("4. Confidence៖ មួយជួរសម្រាប់មនុស្សម្នាក់ និងតេស្តនីមួយៗ (Phase)។ បន្ថែមមួយជួរឈរសម្រាប់សមត្ថភាពនីមួយៗ "
            "ដោយដាក់ចំណងជើងជាលេខកូដសមត្ថភាព (Competency ID) ហើយវាយតម្លៃពី 1 (មិនមានទំនុកចិត្តសោះ) ដល់ 5 "
            "(មានទំនុកចិត្តពេញលេញ)។"),
            ("5. Items៖ ទទេ។ វាជាចម្លើយត្រឹមត្រូវ (answer key)៖ សូមបំពេញមួយជួរសម្រាប់សំណួរនីមួយៗនៃតេស្តរបស់អ្នក (Item ID, "
            "Module, Text, Correct answer, Points, Number of options, Option A ...) ឬបង្កើតសៀវភៅបញ្ជីនេះពីធនាគារសំណួរ"
            "របស់អ្នក៖ tip-eval template --items my_item_bank.xlsx ។ Competencies៖ មួយជួរសម្រាប់សមត្ថភាពនីមួយៗ។"),
        ],
        "tail": [
            "Delayed post-test (ស្រេចចិត្ត)៖ ប្រសិនបើអ្នកចូលរួមធ្វើតេស្តម្តងទៀតច្រើនសប្តាហ៍ ឬច្រើនខែក្រោយវគ្គ (តេស្តតាមដាន) មួយជួរសម្រាប់ម្នាក់ៗ ជាមួយកាលបរិច្ឆេទក្នុង Test date។",
            "វាយលេខកូដដូចជា 007 ជាអត្ថបទ៖ Excel លុបលេខសូន្យនៅខាងមុខចេញ។",
            "បន្ទាប់មក៖ tip-eval validate THIS_FILE.xlsx - វារាយបញ្ជីបញ្ហានីមួយៗ ជាមួយសន្លឹក ជួរដេក និងជួរឈររបស់វា។",
        ],
    },
    "th": {
        "head": [
            "วิธีกรอกสมุดงานนี้",
            "1. Training: หนึ่งแถวเกี่ยวกับการอบรม (รหัส ประเทศ จังหวัด วันที่ ภาษา)",
            "2. Participants: หนึ่งแถวต่อผู้ลงทะเบียนหนึ่งคน ใช้รหัสผู้เข้าอบรม (ห้ามใส่ชื่อ) เลือกภาคส่วนและเพศจากรายการ",
        ],
        "bank": [
            ("3. Pre-test และ Post-test: หนึ่งแถวต่อผู้ทำแบบทดสอบหนึ่งคน หนึ่งคอลัมน์ต่อข้อ เลือกคำตอบจากรายการ "
            "(หรือพิมพ์ตัวอักษรของคำตอบ) เว้นว่างไว้หากไม่ได้ตอบข้อนั้น"),
            ("4. Confidence: หนึ่งแถวต่อคนต่อแบบทดสอบ (Phase) หนึ่งคอลัมน์ต่อสมรรถนะ ให้คะแนนตั้งแต่ 1 (ไม่มั่นใจเลย) "
            "ถึง 5 (มั่นใจอย่างยิ่ง)"),
            ("5. Items และ Competencies: คลังข้อสอบของท่าน ({file}) ได้แก่ ข้อคำถาม ตัวเลือก เฉลย และสมรรถนะ "
            "อย่าแก้ไขที่นี่ ให้แก้ไขคลังข้อสอบแล้วสร้างสมุดงานนี้ใหม่ (tip-eval template --items ...) "
            "เพื่อให้แบบฟอร์ม สมุดงานนี้ และเฉลยตรงกันเสมอ"),
        ],
        "empty": [
            ("3. Pre-test และ Post-test: หนึ่งแถวต่อผู้ทำแบบทดสอบหนึ่งคน เพิ่มหนึ่งคอลัมน์ต่อข้อ โดยใช้รหัสข้อ (Item ID) "
            "เป็นหัวคอลัมน์ และใส่ตัวอักษรของคำตอบ เว้นว่างไว้หากไม่ได้ตอบข้อนั้น"),
            ("4. Confidence: หนึ่งแถวต่อคนต่อแบบทดสอบ (Phase) เพิ่มหนึ่งคอลัมน์ต่อสมรรถนะ โดยใช้รหัสสมรรถนะ "
            "(Competency ID) เป็นหัวคอลัมน์ ให้คะแนนตั้งแต่ 1 (ไม่มั่นใจเลย) ถึง 5 (มั่นใจอย่างยิ่ง)"),
            ("5. Items: ว่างเปล่า ชีตนี้คือเฉลย กรุณากรอกหนึ่งแถวต่อข้อของแบบทดสอบของท่าน (Item ID, Module, Text, "
            "Correct answer, Points, Number of options, Option A ...) หรือสร้างสมุดงานนี้จากคลังข้อสอบของท่าน: "
            "tip-eval template --items my_item_bank.xlsx  Competencies: หนึ่งแถวต่อสมรรถนะ"),
        ],
        "tail": [
            "Delayed post-test (ไม่บังคับ): หากผู้เข้าอบรมทำแบบทดสอบอีกครั้งหลังการอบรมหลายสัปดาห์หรือหลายเดือน (แบบทดสอบติดตามผล) หนึ่งแถวต่อคน พร้อมวันที่ใน Test date",
            "พิมพ์รหัสเช่น 007 เป็นข้อความ เพราะ Excel จะลบเลขศูนย์ข้างหน้าออก",
            "จากนั้นเรียกใช้: tip-eval validate THIS_FILE.xlsx - จะแสดงปัญหาทุกข้อพร้อมชีต แถว และคอลัมน์",
        ],
    },
    "id": {
        "head": [
            "Cara mengisi buku kerja ini",
            "1. Training: satu baris tentang pelatihan (ID, negara, provinsi, tanggal, bahasa).",
            ("2. Participants: satu baris per peserta terdaftar. Gunakan ID Peserta (tanpa nama). Pilih sektor dan "
            "jenis kelamin dari daftar."),
        ],
        "bank": [
            ("3. Pre-test dan Post-test: satu baris per peserta yang mengikuti tes, satu kolom per soal. Pilih jawaban "
            "dari daftar (atau ketik hurufnya). Biarkan sel kosong jika soal tidak dijawab."),
            ("4. Confidence: satu baris per peserta dan per tes (Phase), satu kolom per kompetensi, dengan nilai 1 "
            "(sama sekali tidak yakin) sampai 5 (sepenuhnya yakin)."),
            ("5. Items dan Competencies: bank soal Anda ({file}): soal, pilihan jawaban, kunci jawaban, dan kompetensi. "
            "Jangan diubah di sini: ubah bank soal lalu buat buku kerja ini lagi (tip-eval template --items ...), "
            "agar formulir, buku kerja ini, dan kunci jawaban tetap sama."),
        ],
        "empty": [
            ("3. Pre-test dan Post-test: satu baris per peserta yang mengikuti tes. Tambahkan satu kolom per soal "
            "dengan judul ID soal (Item ID), berisi huruf jawaban yang diberikan. Biarkan sel kosong jika soal tidak "
            "dijawab."),
            ("4. Confidence: satu baris per peserta dan per tes (Phase). Tambahkan satu kolom per kompetensi dengan "
            "judul ID kompetensi (Competency ID), dengan nilai 1 (sama sekali tidak yakin) sampai 5 (sepenuhnya yakin)."),
            ("5. Items: KOSONG. Ini adalah kunci jawaban: isi satu baris per soal dari tes Anda (Item ID, Module, Text, "
            "Correct answer, Points, Number of options, Option A ...), atau buat buku kerja ini dari bank soal Anda: "
            "tip-eval template --items my_item_bank.xlsx. Competencies: satu baris per kompetensi."),
        ],
        "tail": [
            "Delayed post-test (opsional): jika peserta mengikuti tes lagi beberapa minggu atau bulan setelah pelatihan (tes retensi), satu baris per peserta, dengan tanggal di Test date.",
            "Ketik ID seperti 007 sebagai teks: Excel menghapus angka nol di depan.",
            "Lalu jalankan: tip-eval validate THIS_FILE.xlsx - daftar semua masalah beserta lembar, baris, dan kolomnya.",
        ],
    },
}
_INSTRUCTIONS_TITLE = {"en": "Instructions", "km": "ការណែនាំ", "th": "คำแนะนำ", "id": "Petunjuk"}
_EMPTY_NOTE = {"en": "Empty: your own test goes here. See the Instructions sheet.",
               "km": "ទទេ៖ សូមដាក់តេស្តរបស់អ្នកនៅទីនេះ។ សូមមើលសន្លឹកការណែនាំ។",
               "th": "ว่างเปล่า: ใส่แบบทดสอบของท่านที่นี่ ดูชีตคำแนะนำ",
               "id": "Kosong: isi dengan tes Anda sendiri. Lihat lembar Petunjuk."}
_RATING_TIP = {"en": "Rating", "km": "ការវាយតម្លៃ", "th": "คะแนน", "id": "Nilai"}
_ANSWER_ERROR = {"en": "Pick an option from the list, or type its letter.",
                 "km": "ជ្រើសរើសជម្រើសពីបញ្ជី ឬវាយអក្សររបស់វា។",
                 "th": "เลือกตัวเลือกจากรายการ หรือพิมพ์ตัวอักษรของตัวเลือก",
                 "id": "Pilih jawaban dari daftar, atau ketik hurufnya."}


def instructions(lang: str, bank_file: str | None) -> list[str]:
    """The lines of the instructions sheet in ``lang``, for a workbook with or without an item bank."""
    text = INSTRUCTIONS[lang]
    body = [line.format(file=bank_file or "") for line in text["bank"]] if bank_file is not None else text["empty"]
    return [*text["head"], *body, *text["tail"]]


def _validation(ws, values: list[str], column_letter: str, rows: int = 500, *, stop: bool = True,
                title: str | None = None, prompt: str | None = None, error: str = "Pick a value from the list.") -> None:
    """A dropdown of ``values`` (kept in the hidden Lists sheet) on a column of ``ws``."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = ws.parent["Lists"]
    col = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
    letter = get_column_letter(col)
    lists.cell(row=1, column=col, value=f"{ws.title} {column_letter}")
    for i, v in enumerate(values, start=2):
        lists.cell(row=i, column=col, value=v)
    dv = DataValidation(type="list", formula1=f"=Lists!${letter}$2:${letter}${len(values) + 1}", allow_blank=True,
                        showErrorMessage=True, errorStyle="stop" if stop else "warning", errorTitle="Not in the list",
                        error=error)
    if prompt:
        dv.showInputMessage = True
        dv.promptTitle = (title or "")[:32]
        dv.prompt = prompt[:250]
    ws.add_data_validation(dv)
    dv.add(f"{column_letter}2:{column_letter}{rows}")


def dropdown_language(bank: ItemBank, lang: str) -> tuple[str | None, str | None]:
    """The language of the answer dropdowns, and a note when it is not ``lang``.

    The options' texts in ``lang`` when the bank has them for every question; otherwise in the first
    language it has them all in (with a note); None when the bank has no option texts (the dropdowns
    then hold the letters).
    """
    from tip_eval.io.item_bank import LANGUAGE_NAMES, LANGUAGES

    items = bank.items

    def complete(code: str) -> bool:
        return bool(len(items)) and all(len(option_texts(r, code)) >= int(r["n_options"] or 0) > 0 for _, r in items.iterrows())

    if complete(lang):
        return lang, None
    other = next((code for code in LANGUAGES if complete(code)), None)
    if other is None:
        return None, None
    return other, (f"the item bank does not have every option in {LANGUAGE_NAMES[lang]}: the answer lists show the "
                   f"options in {LANGUAGE_NAMES[other]}")


def write_blank_template(path: str | Path, lang: str = "en", items: ItemBank | str | Path | pd.DataFrame | None = None,
                         competencies: str | Path | pd.DataFrame | None = None) -> Path:
    """Write the training workbook to fill in, built from the item bank ``items``.

    Parameters
    ----------
    path : str or Path
        Where to write the ``.xlsx``.
    lang : {"en", "km", "th", "id"}
        Language of the instructions, of the dropdowns' labels and (when the bank has them) of the
        answer options.
    items : ItemBank, path or DataFrame, optional
        The item bank (:mod:`tip_eval.io.item_bank`). Without it the Items and Competencies sheets
        are empty and the instructions say how to fill them in.
    competencies : path or DataFrame, optional
        The competency list, when it is not the bank's own Competencies sheet.

    Raises
    ------
    tip_eval.ValidationError
        The item bank has errors (``err.report.problems`` locates them).
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}")
    bank = as_item_bank(items, competencies) if items is not None else None
    if bank is not None and not bank.ok:
        from tip_eval.errors import ValidationError
        from tip_eval.validation import report_from

        errors = [p for p in bank.problems if p.severity == "error"]
        raise ValidationError(report_from(errors), (f"the item bank has {len(errors)} problem(s) to fix before the "
                                                   "workbook can be written; see .report.problems"))
    bank_items = bank.items if bank is not None else pd.DataFrame(columns=BANK_COLUMNS)
    bank_comps = bank.competencies if bank is not None else pd.DataFrame(columns=COMPETENCY_COLUMNS)
    files = sorted({str(f) for f in bank_items.get("_file", []) if isinstance(f, str)})
    wb = Workbook()
    ws = wb.active
    ws.title = _INSTRUCTIONS_TITLE[lang]
    from openpyxl.styles import Alignment, Font

    for i, line in enumerate(instructions(lang, None if bank is None else (", ".join(files) or "--items")), start=1):
        cell = ws.cell(row=i, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")  # readable on screen and printed
        if i == 1:
            cell.font = Font(bold=True, size=13)
        # a row tall enough for its wrapped lines (spreadsheet programs do not all grow rows on opening)
        ws.row_dimensions[i].height = 20 * max(1, math.ceil(len(line) / 80))
    ws.column_dimensions["A"].width = 85
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # printed: the column fits the page's width
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
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
    item_ids = [str(x) for x in bank_items["item_id"]]
    tests = [sheet(key, ["participant_id"] + item_ids) for key in ("pre", "post")]
    # optional: a retention test months later, with the day each person took it (after the questions,
    # so that every test sheet has its questions in the same columns)
    tests.append(sheet("delayed", ["participant_id"] + item_ids + ["test_date"]))
    comps = [str(x) for x in bank_comps["competency_id"]]
    conf = sheet("confidence", ["participant_id", "phase"] + comps)
    _validation(conf, [vocab.label("phase", p, lang) for p in vocab.PHASES], "B")
    scale = "; ".join(f"{v} = {labels[lang]}" for v, labels in vocab.CONFIDENCE_SCALE.items())
    for j, (_, c) in enumerate(bank_comps.iterrows(), start=3):
        dv = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True,
                            showErrorMessage=True, error=scale[:250], showInputMessage=True,
                            promptTitle=str(c["competency_id"])[:32],
                            prompt=f"{cell_text(c.get('label_' + lang)) or cell_text(c.get('label')) or ''}: {scale}"[:250])
        conf.add_data_validation(dv)
        dv.add(f"{get_column_letter(j)}2:{get_column_letter(j)}500")
    shown, _note = dropdown_language(bank, lang) if bank is not None else (None, None)
    for j, (_, it) in enumerate(bank_items.iterrows(), start=2):
        n = int(it["n_options"]) if cell_text(it["n_options"]) else 0
        texts = option_texts(it, shown) if shown else {}
        values = [f"{x}. {texts[x]}" if x in texts else x for x in "ABCDE"[:n]]
        question = cell_text(it.get(text_column(shown or lang))) or cell_text(it.get("text")) or ""
        for w in tests:
            if values:
                _validation(w, values, get_column_letter(j), stop=False, title=str(it["item_id"]), prompt=question,
                            error=_ANSWER_ERROR[lang])
    if bank is None:
        for w in tests + [conf]:
            w["A1"].comment = Comment(_EMPTY_NOTE[lang], "tip_eval")
    ib = wb.create_sheet(SHEETS["items"])
    keep = ITEM_COLUMNS + [c for c in BANK_COLUMNS if c not in ITEM_COLUMNS and bank_items[c].notna().any()]
    write_sheet(ib, bank_items[keep].astype(object).where(bank_items[keep].notna(), None).rename(columns=TEMPLATE_HEADER))
    cp = wb.create_sheet(SHEETS["competencies"])
    ckeep = ["competency_id", "label"] + [c for c in COMPETENCY_COLUMNS[2:] if bank_comps[c].notna().any()]
    write_sheet(cp, bank_comps[ckeep].astype(object).where(bank_comps[ckeep].notna(), None).rename(columns=TEMPLATE_HEADER))
    if bank is None:
        for w in (ib, cp):
            w["A1"].comment = Comment(_EMPTY_NOTE[lang], "tip_eval")
    wb.move_sheet("Lists", offset=len(wb.sheetnames))
    return stable_save(wb, path)
