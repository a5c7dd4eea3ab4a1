"""Column headers partners write, in English, Khmer, Thai and Indonesian, mapped to canonical columns.

Headers are matched after :func:`tip_eval.vocab.label_key` (Unicode NFKC, case, spaces, underscores
and hyphens ignored). A study.toml ``columns`` table can add a partner's own names.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache

from tip_eval.i18n import LANGUAGES, Translator, check_language, language_name, translator
from tip_eval.vocab import label_key

#: canonical column -> headers as partners write them (the canonical name itself always matches)
HEADERS: dict[str, tuple[str, ...]] = {
    "training_id": (
        "Training ID",
        "Training",
        "Training code",
        "รหัสการอบรม",
        "លេខកូដវគ្គបណ្តុះបណ្តាល",
        "ID Pelatihan",
        "Kode pelatihan",
    ),
    "country": ("Country", "ประเทศ", "ប្រទេស", "Negara"),
    "province": ("Province", "จังหวัด", "ខេត្ត", "Provinsi"),
    "venue": ("Venue", "Town", "Place", "สถานที่", "ទីកន្លែង", "Tempat"),
    "organiser": ("Organiser", "Organizer", "Organised by", "ผู้จัด", "អ្នករៀបចំ", "Penyelenggara"),
    "start_date": ("Start date", "From", "วันที่เริ่ม", "កាលបរិច្ឆេទចាប់ផ្តើម", "Tanggal mulai"),
    "end_date": ("End date", "To", "วันที่สิ้นสุด", "កាលបរិច្ឆេទបញ្ចប់", "Tanggal selesai"),
    "language": ("Language", "ภาษา", "ភាសា", "Bahasa"),
    "curriculum_version": ("Curriculum version", "Curriculum", "หลักสูตร", "កំណែកម្មវិធីសិក្សា", "Versi kurikulum"),
    "participant_id": (
        "Participant ID",
        "Participant code",
        "Participant",
        "ID",
        "รหัสผู้เข้าอบรม",
        "លេខកូដអ្នកចូលរួម",
        "ID Peserta",
        "Kode peserta",
    ),
    "sector": ("Sector", "ภาคส่วน", "វិស័យ", "Sektor"),
    "organisation": ("Organisation", "Organization", "Agency", "หน่วยงาน", "ស្ថាប័ន", "Lembaga", "Instansi"),
    "role": ("Role", "Position", "Job title", "ตำแหน่ง", "តួនាទី", "Jabatan", "Peran"),
    "gender": ("Gender", "Sex", "Sex/gender", "เพศ", "ភេទ", "Jenis kelamin", "Gender"),
    "years_experience": (
        "Years of experience",
        "Experience (years)",
        "Experience",
        "ประสบการณ์ (ปี)",
        "បទពិសោធន៍ (ឆ្នាំ)",
        "Pengalaman (tahun)",
        "Lama bekerja (tahun)",
    ),
    "item_id": (
        "Item ID",
        "Item",
        "Question",
        "Question ID",
        "ข้อ",
        "รหัสข้อ",
        "รหัสข้อสอบ",
        "សំណួរ",
        "លេខកូដសំណួរ",
        "Soal",
        "Nomor soal",
        "ID Soal",
        "Kode soal",
    ),
    "module": ("Module", "โมดูล", "ម៉ូឌុល", "Modul"),
    "text": ("Text", "Question text", "คำถาม", "អត្ថបទសំណួរ", "Teks soal"),
    "correct_answer": ("Correct answer", "Answer key", "Key", "เฉลย", "ចម្លើយត្រឹមត្រូវ", "Kunci jawaban"),
    "points": ("Points", "Marks", "คะแนนเต็ม", "ពិន្ទុ", "Poin", "Bobot"),
    "n_options": ("Number of options", "Options", "จำนวนตัวเลือก", "ចំនួនជម្រើស", "Jumlah pilihan"),
    "phase": (
        "Phase",
        "Test",
        "When",
        "ช่วง",
        "ដំណាក់កាល",
        "Tahap",
        "Before or after the training?",
        "មុន ឬក្រោយវគ្គបណ្តុះបណ្តាល?",
        "ก่อนหรือหลังการอบรม?",
        "Sebelum atau sesudah pelatihan?",
        "Which test is this?",
        "តើនេះជាតេស្តមួយណា?",
        "นี่คือแบบทดสอบครั้งใด",
        "Tes yang mana ini?",
    ),
    "test_date": ("Test date", "Date of test", "Date tested", "วันที่ทดสอบ", "កាលបរិច្ឆេទតេស្ត", "Tanggal tes"),
    "delayed_test_months": (
        "Delayed test after (months)",
        "Months to delayed test",
        "Months to retention test",
        "ทดสอบติดตามผลหลังอบรม (เดือน)",
        "តេស្តតាមដានក្រោយ (ខែ)",
        "Tes retensi setelah (bulan)",
    ),
    "answer": ("Answer", "Response", "Answer given", "คำตอบ", "ចម្លើយ", "Jawaban"),
    "score": ("Score", "Total score", "Total", "คะแนน", "ពិន្ទុសរុប", "Skor", "Nilai"),
    "max_score": ("Max score", "Maximum score", "Out of", "คะแนนเต็มรวม", "ពិន្ទុអតិបរមា", "Skor maksimal"),
    "competency_id": (
        "Competency ID",
        "Competency",
        "สมรรถนะ",
        "รหัสสมรรถนะ",
        "សមត្ថភាព",
        "លេខកូដសមត្ថភាព",
        "Kompetensi",
        "ID Kompetensi",
        "Kode kompetensi",
    ),
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

#: The sheets of the project's workbooks (template, item bank, follow-up coding) in English.
TEMPLATE_SHEETS: dict[str, str] = {
    "training": "Training",
    "participants": "Participants",
    "pre": "Pre-test",
    "post": "Post-test",
    "delayed": "Delayed post-test",
    "confidence": "Confidence",
    "items": "Items",
    "competencies": "Competencies",
    "codebook": "Codebook",
    "interviews": "Interviews",
    "codes": "Codes",
    "instructions": "Instructions",
}


def _sheet_words(t: Translator) -> dict[str, str]:
    # one literal call per name, so that pybabel finds each one (context "sheet")
    return {
        "training": t.pgettext("sheet", "Training"),
        "participants": t.pgettext("sheet", "Participants"),
        "pre": t.pgettext("sheet", "Pre-test"),
        "post": t.pgettext("sheet", "Post-test"),
        "delayed": t.pgettext("sheet", "Delayed post-test"),
        "confidence": t.pgettext("sheet", "Confidence"),
        "items": t.pgettext("sheet", "Items"),
        "competencies": t.pgettext("sheet", "Competencies"),
        "codebook": t.pgettext("sheet", "Codebook"),
        "interviews": t.pgettext("sheet", "Interviews"),
        "codes": t.pgettext("sheet", "Codes"),
        "instructions": t.pgettext("sheet", "Instructions"),
    }


def _header_words(t: Translator) -> dict[str, str]:
    # one literal call per header the project's workbooks and forms write (context "template header")
    h = {
        "training_id": t.pgettext("template header", "Training ID"),
        "country": t.pgettext("template header", "Country"),
        "province": t.pgettext("template header", "Province"),
        "venue": t.pgettext("template header", "Venue"),
        "organiser": t.pgettext("template header", "Organiser"),
        "start_date": t.pgettext("template header", "Start date"),
        "end_date": t.pgettext("template header", "End date"),
        "language": t.pgettext("template header", "Language"),
        "curriculum_version": t.pgettext("template header", "Curriculum version"),
        "participant_id": t.pgettext("template header", "Participant ID"),
        "sector": t.pgettext("template header", "Sector"),
        "organisation": t.pgettext("template header", "Organisation"),
        "role": t.pgettext("template header", "Role"),
        "gender": t.pgettext("template header", "Gender"),
        "years_experience": t.pgettext("template header", "Years of experience"),
        "item_id": t.pgettext("template header", "Item ID"),
        "module": t.pgettext("template header", "Module"),
        "text": t.pgettext("template header", "Text"),
        "correct_answer": t.pgettext("template header", "Correct answer"),
        "points": t.pgettext("template header", "Points"),
        "n_options": t.pgettext("template header", "Number of options"),
        "phase": t.pgettext("template header", "Phase"),
        "answer": t.pgettext("template header", "Answer"),
        "test_date": t.pgettext("template header", "Test date"),
        "delayed_test_months": t.pgettext("template header", "Delayed test after (months)"),
        "score": t.pgettext("template header", "Score"),
        "max_score": t.pgettext("template header", "Max score"),
        "competency_id": t.pgettext("template header", "Competency ID"),
        "label": t.pgettext("template header", "Label"),
        "rating": t.pgettext("template header", "Rating"),
        "interview_id": t.pgettext("template header", "Interview ID"),
        "interview_date": t.pgettext("template header", "Interview date"),
        "coders": t.pgettext("template header", "Coders"),
        "coder": t.pgettext("template header", "Coder"),
        "code_id": t.pgettext("template header", "Code ID"),
        "theme": t.pgettext("template header", "Theme"),
        "level": t.pgettext("template header", "Level"),
        "applied_practice": t.pgettext("template header", "Applied practice"),
        "definition": t.pgettext("template header", "Definition"),
        "present": t.pgettext("template header", "Present"),
        "name": t.pgettext("template header", "Name"),
        "randomize": t.pgettext("template header", "Randomize"),
    }
    option = t.pgettext("template header", "Option {letter}")
    text_in = t.pgettext("template header", "Text ({language})")
    option_in = t.pgettext("template header", "Option {letter} ({language})")
    label_in = t.pgettext("template header", "Label ({language})")
    for letter in OPTION_LETTERS:
        h[f"option_{letter.lower()}"] = option.format(letter=letter)
    for code in BANK_LANGUAGES:
        name = language_name(code, t.lang)
        h[f"text_{code}"] = text_in.format(language=name)
        h[f"label_{code}"] = label_in.format(language=name)
        for letter in OPTION_LETTERS:
            h[f"option_{letter.lower()}_{code}"] = option_in.format(letter=letter, language=name)
    return h


def _form_words(t: Translator) -> dict[str, str]:
    # the XLSForm's labels of the roster questions that are not template headers (context "form")
    return {"name": t.pgettext("form", "Full name"), "phase": t.pgettext("form", "Which test is this?")}


def form_header(column: str, lang: str | None = None) -> str:
    """The label the project's XLSForm gives the question of ``column`` (``name``, ``phase``) in ``lang``;
    an export with labels as headers is read back by it.
    """
    return _template_words(check_language(lang))[2][column]


def template_header(column: str, lang: str | None = None) -> str:
    """The header the project's template writes for ``column`` in ``lang`` (None: the current
    language); :func:`map_headers` reads it back in any language.
    """
    return _template_words(check_language(lang))[1].get(column, TEMPLATE_HEADER.get(column, column))


def template_sheet(kind: str, lang: str | None = None) -> str:
    """The name the project's workbooks give the sheet of ``kind`` (``"training"``, ``"pre"``, ...) in
    ``lang`` (None: the current language); the readers find it by that name in any language.
    """
    return _template_words(check_language(lang))[0].get(kind, TEMPLATE_SHEETS.get(kind, kind))


@cache
def _template_words(lang: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    t = translator(lang)
    return _sheet_words(t), _header_words(t), _form_words(t)


def template_sheet_names(kind: str) -> tuple[str, ...]:
    """The names of the sheet of ``kind`` in every language tip_eval writes (English first)."""
    return tuple(dict.fromkeys(template_sheet(kind, lang) for lang in LANGUAGES))


@cache
def _translated_headers() -> tuple[tuple[str, str], ...]:
    """(header, canonical column) for the template's headers in the languages other than English."""
    return tuple(
        (name, col)
        for lang in LANGUAGES
        if lang != "en"
        for words in _template_words(lang)[1:]
        for col, name in words.items()
    )


def header_index(extra: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Return ``{matching key of a header: [canonical columns it may mean]}``.

    One header can mean different columns in different sheets ("Name" is a competency's label in
    the item bank but a person's name on a roster), so a key maps to every candidate, in the order
    of :data:`HEADERS`; ``extra`` (header -> column, from study.toml) comes first.
    """
    index: dict[str, list[str]] = {}
    for name, col in (extra or {}).items():
        index.setdefault(label_key(name), []).append(col)
    for key, cols in _known_headers(tuple(HEADERS.items())).items():
        cands = index.setdefault(key, [])
        for col in cols:
            if col not in cands:
                cands.append(col)
    return index


@lru_cache(maxsize=4)
def _known_headers(headers: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, tuple[str, ...]]:
    """``{matching key: canonical columns}`` of :data:`HEADERS` (given as its items) and the template's
    translated headers, in the order :func:`header_index` lists them (built once: every sheet read
    asks for it; never modified).
    """
    index: dict[str, list[str]] = {}
    for col, names in headers:
        for name in (col, *names):
            cands = index.setdefault(label_key(name), [])
            if col not in cands:
                cands.append(col)
    # the template's headers as the message catalogs write them in Khmer, Thai and Indonesian
    for name, col in _translated_headers():
        cands = index.setdefault(label_key(name), [])
        if col not in cands:
            cands.append(col)
    return {key: tuple(cols) for key, cols in index.items()}


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
    # without a study's own headers, the cached index of the known ones (only read here)
    index = header_index(extra) if extra else _known_headers(tuple(HEADERS.items()))
    found: dict[str, str] = {}
    for h in headers:
        for col in index.get(label_key(h), []):
            if col in wanted and col not in found:
                found[col] = h
                break
    return found
