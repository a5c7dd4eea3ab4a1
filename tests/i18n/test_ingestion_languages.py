"""Burmese and Lao in partners' files: vocabulary labels, digits, month names, and the eras their years are
written in (Buddhist era, Myanmar era), besides the Thai, Khmer and Indonesian forms already read.

Reference for the eras (also in :func:`tip_eval.io.clean.parse_date`): Thailand and Laos count the
Buddhist era 543 years ahead of the Common Era (B.E. 2566 = C.E. 2023, the year starting on 1 January);
Cambodia and Myanmar count it 544 years ahead from the full moon of Visakha (April to June); the Myanmar
era (ME) is C.E. - 638 from Thingyan, the new year in mid-April (ME 1385 began in April 2023).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

import tip_eval as te
from tip_eval import vocab
from tip_eval.i18n import using
from tip_eval.io.clean import CellError, normalize_text, parse_date, parse_number

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.mark.parametrize(
    "vocabulary, label, code",
    [
        ("country", "ကမ္ဘောဒီးယား", "KHM"),
        ("country", "မြန်မာနိုင်ငံ", "MMR"),
        ("country", "ລາວ", "LAO"),
        ("country", "ສປປ ລາວ", "LAO"),
        ("country", "ອິນໂດເນເຊຍ", "IDN"),
        ("sector", "ဥပဒေစိုးမိုးရေး", "law_enforcement"),
        ("sector", "ရဲ", "law_enforcement"),
        ("sector", "ບໍລິການສັງຄົມຂອງລັດ", "government_social_services"),
        ("sector", "ຕຳຫຼວດ", "law_enforcement"),
        ("gender", "အမျိုးသမီး", "woman"),
        ("gender", "ကျား", "man"),
        ("gender", "ແມ່ຍິງຂ້າມເພດ", "transgender_woman"),
        ("gender", "မဖော်ပြလိုပါ", "prefer_not_to_say"),
        ("gender", "ບໍ່ປະສົງລະບຸ", "prefer_not_to_say"),
        ("phase", "သင်တန်းမတိုင်မီ စစ်ဆေးမှု", "pre"),
        ("phase", "ຫຼັງການຝຶກອົບຮົມ", "post"),
        ("phase", "ກ່ອນ", "pre"),
        ("likert", "လုံးဝ သဘောတူ", 5),
        ("likert", "သဘောမတူပါ", 2),
        ("likert", "ເຫັນດີຢ່າງຍິ່ງ", 5),
        ("likert", "ບໍ່ເຫັນດີ", 2),
        ("likert", "ເປັນກາງ", 3),
    ],
)
def test_burmese_and_lao_labels_are_read(vocabulary, label, code):
    assert vocab.lookup(vocabulary, label) == code


def test_every_label_of_the_four_vocabularies_exists_in_burmese_and_lao_and_reads_back():
    for name, table in (
        ("country", vocab.COUNTRIES),
        ("sector", vocab.SECTORS),
        ("gender", vocab.GENDERS),
        ("phase", vocab.PHASES),
        ("likert", vocab.LIKERT),
    ):
        for code in table:
            for lang in ("my", "lo"):
                text = vocab.label(name, code, lang)
                assert text != vocab.label(name, code, "en"), (name, code, lang)
                assert vocab.lookup(name, text) == code, (name, code, lang, text)
    assert vocab.INGESTION_LANGUAGES == ("en", "km", "th", "id", "my", "lo")


def test_a_hint_offers_labels_in_the_reader_s_language_and_the_typed_script():
    with using("th"):
        hints = vocab.closest("sector", "ตำรวจจ")
    assert hints[0].endswith("(= law_enforcement)")
    assert not any(ch in "".join(vocab.closest("likert", "Agre")) for ch in "လသ")  # no Burmese for an English typo


def test_burmese_and_lao_digits_are_read():
    assert normalize_text("၁၂") == "12" and normalize_text("໑໒") == "12"
    assert parse_number("၈၅") == 85.0 and parse_number("໘໕%") == 85.0 and parse_number("၁,၂၃၄.၅") == 1234.5
    assert parse_date("၁၈/၄/၂၀၂၃") == dt.date(2023, 4, 18)
    assert parse_date("໑໘/໐໔/໒໕໖໖") == dt.date(2023, 4, 18)


@pytest.mark.parametrize(
    "text",
    [
        "18 ເມສາ 2023",
        "18 ມ.ສ. 2566",
        "ວັນທີ 18 ເດືອນ ເມສາ ປີ 2566",
        "ພ.ສ. 2566-04-18",  # Lao: CLDR months, B.E. like Thai
        "2023 ဧပြီ 18",
        "၂၀၂၃ ခုနှစ်၊ ဧပြီလ ၁၈ ရက်",
        "18 ဧပြီ 2023",  # Burmese: year first, with "year", "month", "day"
        "ថ្ងៃទី១៨ ខែមេសា ឆ្នាំ២០២៣",  # Khmer: "day 18, month April, year 2023"
        "ค.ศ. 2023-04-18",
        "ຄ.ສ. 2023-04-18",
        "គ.ស. 2023-04-18",
        "ခရစ်နှစ် 2023-04-18",  # Common Era markers
        "tanggal 18 April 2023",
    ],
)
def test_dates_written_the_lao_burmese_and_khmer_ways(text):
    assert parse_date(text) == dt.date(2023, 4, 18)


def test_the_buddhist_era_as_cambodia_and_myanmar_count_it():
    # 544 years ahead from the full moon of Visakha: January-March of B.E. 2567 is 2024, July-December 2023
    assert parse_date("ព.ស. 2567-02-05") == dt.date(2024, 2, 5)
    assert parse_date("18 October ព.ស. 2567") == dt.date(2023, 10, 18)
    assert parse_date("သာသနာနှစ် 2567-12-01") == dt.date(2023, 12, 1)
    for text in ("ព.ស. 2567-05-18", "ពុទ្ធសករាជ 2567-04-01", "သာသနာသက္ကရာဇ် 2567-06-30"):
        with pytest.raises(CellError, match="Visakha") as err:
            parse_date(text)
        assert "Common Era year" in err.value.fix
    # without a marker, a year of 2400 or more is the Thai and Lao Buddhist era
    assert parse_date("18/10/2566") == dt.date(2023, 10, 18)


def test_the_myanmar_era():
    assert parse_date("ME 1385-06-01") == dt.date(2023, 6, 1)  # ME 1385 began at Thingyan, April 2023
    assert parse_date("မြန်မာသက္ကရာဇ် 1385 ဇန်နဝါရီ 5") == dt.date(2024, 1, 5)  # before the next Thingyan
    assert parse_date("ကောဇာ 1385-04-09") == dt.date(2024, 4, 9)
    assert parse_date("M.E. 1384-04-21") == dt.date(2022, 4, 21)
    with pytest.raises(CellError, match="Thingyan"):
        parse_date("ME 1385-04-15")
    with pytest.raises(CellError, match="Myanmar era") as err:
        parse_date("1385-06-01")  # unmarked: refused with the hint to mark it
    assert "ME 1385" in err.value.fix
    with using("th"), pytest.raises(CellError, match="ศักราชเมียนมา"):
        parse_date("ME 1385-04-15")


def test_a_roster_in_burmese_and_lao_loads(tmp_path):
    study = tmp_path / "study"
    shutil.copytree(SAMPLE, study)
    path = study / "trainings" / "KHM-SRP-2023.xlsx"
    wb = load_workbook(path)
    ws = wb["Participants"]
    header = [c.value for c in ws[1]]
    sector, gender = header.index("Sector") + 1, header.index("Gender") + 1
    rows = range(2, ws.max_row + 1)
    for r in rows:
        code = vocab.lookup("sector", ws.cell(r, sector).value)
        ws.cell(r, sector, vocab.label("sector", code, "my" if r % 2 else "lo"))
        g = vocab.lookup("gender", ws.cell(r, gender).value)
        if g is not None:
            ws.cell(r, gender, vocab.label("gender", g, "lo" if r % 2 else "my"))
    wb["Training"]["B2"] = "ကမ္ဘောဒီးယား"
    wb.save(path)
    report = te.validate(study)
    assert report.problems.empty, report.problems.to_string()
    before = te.load_study(SAMPLE).participants.set_index("participant_id")[["sector", "gender"]]
    after = te.load_study(study).participants.set_index("participant_id")[["sector", "gender"]]
    assert after.sort_index().equals(before.sort_index())
