"""Column headers partners write, in English, Khmer, Thai and Indonesian, mapped to canonical columns.

Headers are matched after :func:`tip_eval.vocab.label_key` (Unicode NFKC, case, spaces, underscores
and hyphens ignored). A study.toml ``columns`` table can add a partner's own names.
"""

from __future__ import annotations

from typing import Mapping

from tip_eval.vocab import label_key

#: canonical column -> headers as partners write them (the canonical name itself always matches)
HEADERS: dict[str, tuple[str, ...]] = {
    "training_id": ("Training ID", "Training", "Training code", "รหัสการอบรม", "លេខកូដវគ្គបណ្តុះបណ្តាល", "ID Pelatihan", "Kode pelatihan"),
    "country": ("Country", "ประเทศ", "ប្រទេស", "Negara"),
    "province": ("Province", "จังหวัด", "ខេត្ត", "Provinsi"),
    "venue": ("Venue", "Town", "Place", "สถานที่", "ទីកន្លែង", "Tempat"),
    "organiser": ("Organiser", "Organizer", "Organised by", "ผู้จัด", "អ្នករៀបចំ", "Penyelenggara"),
    "start_date": ("Start date", "From", "วันที่เริ่ม", "កាលបរិច្ឆេទចាប់ផ្តើម", "Tanggal mulai"),
    "end_date": ("End date", "To", "วันที่สิ้นสุด", "កាលបរិច្ឆេទបញ្ចប់", "Tanggal selesai"),
    "language": ("Language", "ภาษา", "ភាសា", "Bahasa"),
    "curriculum_version": ("Curriculum version", "Curriculum", "หลักสูตร", "កំណែកម្មវិធីសិក្សា", "Versi kurikulum"),
    "participant_id": ("Participant ID", "Participant code", "Participant", "ID", "รหัสผู้เข้าอบรม", "លេខកូដអ្នកចូលរួម", "ID Peserta", "Kode peserta"),
    "sector": ("Sector", "ภาคส่วน", "វិស័យ", "Sektor"),
    "organisation": ("Organisation", "Organization", "Agency", "หน่วยงาน", "ស្ថាប័ន", "Lembaga", "Instansi"),
    "role": ("Role", "Position", "Job title", "ตำแหน่ง", "តួនាទី", "Jabatan", "Peran"),
    "gender": ("Gender", "Sex", "Sex/gender", "เพศ", "ភេទ", "Jenis kelamin", "Gender"),
    "years_experience": ("Years of experience", "Experience (years)", "Experience", "ประสบการณ์ (ปี)", "បទពិសោធន៍ (ឆ្នាំ)", "Pengalaman (tahun)", "Lama bekerja (tahun)"),
    "item_id": ("Item ID", "Item", "Question", "Question ID", "ข้อ", "รหัสข้อ", "รหัสข้อสอบ", "សំណួរ", "លេខកូដសំណួរ", "Soal",
                "Nomor soal", "ID Soal", "Kode soal"),
    "module": ("Module", "โมดูล", "ម៉ូឌុល", "Modul"),
    "text": ("Text", "Question text", "คำถาม", "អត្ថបទសំណួរ", "Teks soal"),
    "correct_answer": ("Correct answer", "Answer key", "Key", "เฉลย", "ចម្លើយត្រឹមត្រូវ", "Kunci jawaban"),
    "points": ("Points", "Marks", "คะแนนเต็ม", "ពិន្ទុ", "Poin", "Bobot"),
    "n_options": ("Number of options", "Options", "จำนวนตัวเลือก", "ចំនួនជម្រើស", "Jumlah pilihan"),
    "phase": ("Phase", "Test", "When", "ช่วง", "ដំណាក់កាល", "Tahap", "Before or after the training?",
              "មុន ឬក្រោយវគ្គបណ្តុះបណ្តាល?", "ก่อนหรือหลังการอบรม?", "Sebelum atau sesudah pelatihan?",
              "Which test is this?", "តើនេះជាតេស្តមួយណា?", "นี่คือแบบทดสอบครั้งใด", "Tes yang mana ini?"),
    "test_date": ("Test date", "Date of test", "Date tested", "วันที่ทดสอบ", "កាលបរិច្ឆេទតេស្ត", "Tanggal tes"),
    "delayed_test_months": ("Delayed test after (months)", "Months to delayed test", "Months to retention test",
                            "ทดสอบติดตามผลหลังอบรม (เดือน)", "តេស្តតាមដានក្រោយ (ខែ)", "Tes retensi setelah (bulan)"),
    "answer": ("Answer", "Response", "Answer given", "คำตอบ", "ចម្លើយ", "Jawaban"),
    "score": ("Score", "Total score", "Total", "คะแนน", "ពិន្ទុសរុប", "Skor", "Nilai"),
    "max_score": ("Max score", "Maximum score", "Out of", "คะแนนเต็มรวม", "ពិន្ទុអតិបរមា", "Skor maksimal"),
    "competency_id": ("Competency ID", "Competency", "สมรรถนะ", "รหัสสมรรถนะ", "សមត្ថភាព", "លេខកូដសមត្ថភាព", "Kompetensi",
                      "ID Kompetensi", "Kode kompetensi"),
    "label": ("Label", "Name", "ชื่อ", "ឈ្មោះ", "Nama"),
    "label_km": ("Label (Khmer)", "Khmer"),
    "label_th": ("Label (Thai)", "Thai"),
    "label_id": ("Label (Indonesian)", "Indonesian", "Bahasa Indonesia"),
    "rating": ("Rating", "คะแนนความมั่นใจ", "ការវាយតម្លៃ", "Penilaian"),
    "interview_id": ("Interview ID", "Interview", "รหัสการสัมภาษณ์", "លេខកូដបទសម្ភាសន៍", "ID Wawancara"),
    "interview_date": ("Interview date", "Date", "วันที่สัมภาษณ์", "កាលបរិច្ឆេទសម្ភាសន៍", "Tanggal wawancara"),
    "coders": ("Coders", "Coded by", "ผู้ลงรหัส", "អ្នកដាក់កូដ", "Pengkode"),
    "coder": ("Coder", "ผู้ลงรหัส", "អ្នកដាក់កូដ", "Pengkode"),
    "code_id": ("Code ID", "Code", "รหัส", "កូដ", "Kode", "Codename", "Code name", "Tag"),
    "theme": ("Theme", "ประเด็น", "ប្រធានបទ", "Tema"),
    "level": ("Level", "Kirkpatrick level", "ระดับ", "កម្រិត", "Tingkat"),
    "applied_practice": ("Applied practice", "Applied", "Practice change"),
    "definition": ("Definition", "คำนิยาม", "និយមន័យ", "Definisi"),
    "present": ("Present", "Coded", "Applied (0/1)", "มี", "មាន", "Ada"),
    "name": ("Name", "Full name", "Participant name", "ชื่อ-สกุล", "ชื่อ", "ឈ្មោះ", "Nama", "Nama lengkap"),
    "randomize": ("Randomize", "Randomise", "Randomise options", "Shuffle options", "Acak pilihan"),
}

#: The item bank's option letters and the languages of its translations (:mod:`tip_eval.io.item_bank`):
#: ``option_a`` ... ``option_e`` (also written "Option A"), ``text_km`` (also "Text (Khmer)") and
#: ``option_a_km`` (also "Option A (Khmer)"), for Khmer, Thai and Indonesian.
OPTION_LETTERS = "ABCDE"
BANK_LANGUAGES: dict[str, str] = {"km": "Khmer", "th": "Thai", "id": "Indonesian"}
_OPTION_WORDS = ("Option", "Choice", "ជម្រើស", "ตัวเลือก", "Pilihan")
for _letter in OPTION_LETTERS:
    HEADERS[f"option_{_letter.lower()}"] = tuple(f"{w} {_letter}" for w in _OPTION_WORDS)
for _code, _language in BANK_LANGUAGES.items():
    HEADERS[f"text_{_code}"] = (f"Text ({_language})", f"Question text ({_language})", f"Question ({_language})")
    for _letter in OPTION_LETTERS:
        HEADERS[f"option_{_letter.lower()}_{_code}"] = tuple(f"{w} {_letter} ({_language})" for w in _OPTION_WORDS[:2])

#: The English header the project's template writes for each canonical column.
TEMPLATE_HEADER: dict[str, str] = {col: names[0] for col, names in HEADERS.items()}


def header_index(extra: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Return ``{matching key of a header: [canonical columns it may mean]}``.

    One header can mean different columns in different sheets ("Name" is a competency's label in
    the item bank but a person's name on a roster), so a key maps to every candidate, in the order
    of :data:`HEADERS`; ``extra`` (header -> column, from study.toml) comes first.
    """
    index: dict[str, list[str]] = {}
    for name, col in (extra or {}).items():
        index.setdefault(label_key(name), []).append(col)
    for col, names in HEADERS.items():
        for name in (col, *names):
            cands = index.setdefault(label_key(name), [])
            if col not in cands:
                cands.append(col)
    return index


def map_headers(headers: list[str], wanted: list[str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map written headers to canonical columns.

    Parameters
    ----------
    headers : list of str
        Headers as written in the sheet.
    wanted : list of str
        Canonical columns this sheet may provide (others are left unmapped).
    extra : mapping, optional
        A partner's own header -> canonical column.

    Returns
    -------
    dict
        ``{canonical column: header as written}`` for each wanted column found (first match wins).
    """
    index = header_index(extra)
    found: dict[str, str] = {}
    for h in headers:
        for col in index.get(label_key(h), []):
            if col in wanted and col not in found:
                found[col] = h
                break
    return found
