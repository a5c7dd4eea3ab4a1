"""An XLSForm (KoboToolbox / ODK) built from the user's item bank: the knowledge test and the confidence rating.

One submission per participant and test. The form asks, in order:

1. a note saying how the answers will be used (and that results are only shown for groups);
2. ``training_id`` and ``participant_id`` (both constrained to the project's ID characters), or
   ``name`` instead of the participant ID when the study links pre and post by name;
3. ``phase``: which test this is (``pre``, ``post``, or ``delayed`` for a retention test months later);
4. the group ``participant``: sector, gender (the project's vocabularies), organisation, role and
   years of experience;
5. the group ``test``: every question of the bank as ``select_one`` with the options' own texts in
   each language (``randomize`` per question, or for all with ``randomize=True``);
6. the group ``confidence``: one rating per competency on a labelled 1-5 confidence scale (from
   "Not at all confident" to "Completely confident").

Every question is required. Labels are in ``label::English (en)``, ``label::Khmer (km)``,
``label::Thai (th)`` and ``label::Indonesian (id)`` columns, as KoboToolbox expects, for the languages
asked; the questions' and options' texts come from the bank, the fixed texts below are the project's.
The form converts with pyxform (``xls2xform``) without errors or warnings, and its exports (XML names
or labels as headers, with or without group names, CSV or xlsx) load with ``layout = "kobo"`` without
a separate roster: the labels of the roster questions are headers the readers know
(:mod:`tip_eval.io.columns`), and the bank's words are matched back to its IDs and letters
(:mod:`tip_eval.io.item_bank`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tip_eval import vocab
from tip_eval.io.bank_file import ItemBank, as_item_bank
from tip_eval.io.item_bank import (
    LANGUAGE_NAMES,
    LANGUAGES,
    cell_text,
    form_name,
    label_column,
    language_gaps,
    option_column,
    randomized,
    text_column,
)
from tip_eval.io.template import stable_save
from tip_eval.io.write import write_sheet
from tip_eval.problems import Problem

__all__ = ["CONFIDENCE_GROUP", "LANG_COLUMNS", "PHASES", "ROSTER_GROUP", "TEST_GROUP", "write_xlsform", "xlsform_frames"]

#: KoboToolbox's language column suffixes
LANG_COLUMNS = {lang: f"{LANGUAGE_NAMES[lang]} ({lang})" for lang in LANGUAGES}
ROSTER_GROUP = "participant"
TEST_GROUP = "test"
CONFIDENCE_GROUP = "confidence"
#: the phases a submission can be: before, after, and a retention test months later
PHASES = ("pre", "post", "delayed")
ID_CONSTRAINT = "regex(., '^[A-Za-z0-9][A-Za-z0-9_.-]*$')"

# The fixed texts of the form in English, Khmer, Thai and Indonesian. The Khmer, Thai and Indonesian
# wording is a draft for review by the partners' own staff before the form is used in the field.
# The roster questions' labels are headers the readers know (tip_eval.io.columns.HEADERS), so that an
# export with labels as headers is read without a mapping; keep them in step.
_TEXT: dict[str, dict[str, str]] = {
    "intro": {
        "en": "This questionnaire is part of the evaluation of this training. Your answers are used only to learn what "
              "the training changed and to improve future trainings; they will not affect your job. Results are "
              "reported only for groups of at least {min_cell} people, never for one person.",
        "km": "កម្រងសំណួរនេះជាផ្នែកមួយនៃការវាយតម្លៃវគ្គបណ្តុះបណ្តាលនេះ។ ចម្លើយរបស់អ្នកត្រូវបានប្រើប្រាស់តែដើម្បីដឹងថា "
              "វគ្គបណ្តុះបណ្តាលបានផ្លាស់ប្តូរអ្វីខ្លះ និងដើម្បីកែលម្អវគ្គបណ្តុះបណ្តាលនាពេលអនាគតប៉ុណ្ណោះ ហើយវានឹងមិនប៉ះពាល់ដល់ការងារ"
              "របស់អ្នកទេ។ លទ្ធផលត្រូវបានរាយការណ៍តែសម្រាប់ក្រុមដែលមានយ៉ាងហោចណាស់ {min_cell} នាក់ប៉ុណ្ណោះ មិនដែលសម្រាប់"
              "បុគ្គលម្នាក់ទេ។",
        "th": "แบบสอบถามนี้เป็นส่วนหนึ่งของการประเมินผลการอบรมครั้งนี้ คำตอบของท่านจะใช้เพื่อเรียนรู้ว่าการอบรมทำให้เกิด"
              "การเปลี่ยนแปลงอะไรบ้างและเพื่อปรับปรุงการอบรมในอนาคตเท่านั้น และจะไม่มีผลต่อการทำงานของท่าน "
              "ผลการประเมินจะรายงานเฉพาะกลุ่มที่มีอย่างน้อย {min_cell} คนเท่านั้น ไม่มีการรายงานผลเป็นรายบุคคล",
        "id": "Kuesioner ini adalah bagian dari evaluasi pelatihan ini. Jawaban Anda hanya digunakan untuk mengetahui "
              "apa yang berubah berkat pelatihan dan untuk memperbaiki pelatihan berikutnya; jawaban Anda tidak akan "
              "memengaruhi pekerjaan Anda. Hasil hanya dilaporkan untuk kelompok yang terdiri dari sedikitnya "
              "{min_cell} orang, tidak pernah untuk satu orang.",
    },
    "intro_id": {
        "en": "Please write the participant ID you were given, not your name.",
        "km": "សូមសរសេរលេខកូដអ្នកចូលរួមដែលអ្នកបានទទួល មិនមែនឈ្មោះរបស់អ្នកទេ។",
        "th": "กรุณากรอกรหัสผู้เข้าอบรมที่ท่านได้รับ ไม่ต้องกรอกชื่อ",
        "id": "Tuliskan ID peserta yang Anda terima, bukan nama Anda.",
    },
    "intro_name": {
        "en": "Your name is used only to match your tests before and after the training; it is then replaced by a "
              "code and never appears in a report.",
        "km": "ឈ្មោះរបស់អ្នកត្រូវបានប្រើតែដើម្បីផ្គូផ្គងតេស្តរបស់អ្នក មុន និងក្រោយវគ្គបណ្តុះបណ្តាលប៉ុណ្ណោះ "
              "បន្ទាប់មកវាត្រូវបានជំនួសដោយលេខកូដ ហើយមិនដែលបង្ហាញក្នុងរបាយការណ៍ណាមួយឡើយ។",
        "th": "ชื่อของท่านจะใช้เพื่อจับคู่แบบทดสอบก่อนและหลังการอบรมของท่านเท่านั้น จากนั้นจะถูกแทนที่ด้วยรหัส"
              "และจะไม่ปรากฏในรายงานใด ๆ",
        "id": "Nama Anda hanya digunakan untuk mencocokkan tes Anda sebelum dan sesudah pelatihan; setelah itu nama "
              "diganti dengan kode dan tidak pernah muncul dalam laporan.",
    },
    "training_id": {"en": "Training ID", "km": "លេខកូដវគ្គបណ្តុះបណ្តាល", "th": "รหัสการอบรม", "id": "ID Pelatihan"},
    "training_id_hint": {
        "en": "The training's code, as the trainers give it (for example KHM-PNH-2023)",
        "km": "លេខកូដវគ្គបណ្តុះបណ្តាល ដូចដែលអ្នកសម្របសម្រួលផ្តល់ឱ្យ (ឧទាហរណ៍ KHM-PNH-2023)",
        "th": "รหัสการอบรมตามที่ผู้จัดอบรมแจ้ง (เช่น KHM-PNH-2023)",
        "id": "Kode pelatihan seperti yang diberikan pelatih (misalnya KHM-PNH-2023)",
    },
    "participant_id": {"en": "Participant ID", "km": "លេខកូដអ្នកចូលរួម", "th": "รหัสผู้เข้าอบรม", "id": "ID Peserta"},
    "participant_id_hint": {
        "en": "The code you were given at registration (not your name)",
        "km": "លេខកូដដែលអ្នកបានទទួលនៅពេលចុះឈ្មោះ (មិនមែនឈ្មោះរបស់អ្នកទេ)",
        "th": "รหัสที่ท่านได้รับตอนลงทะเบียน (ไม่ใช่ชื่อของท่าน)",
        "id": "Kode yang Anda terima saat pendaftaran (bukan nama Anda)",
    },
    "id_message": {
        "en": "Letters, digits and - _ . only, without spaces",
        "km": "ប្រើតែអក្សរ លេខ និង - _ . ដោយគ្មានដកឃ្លា",
        "th": "ใช้ได้เฉพาะตัวอักษร ตัวเลข และ - _ . โดยไม่เว้นวรรค",
        "id": "Hanya huruf, angka, dan - _ . tanpa spasi",
    },
    "name": {"en": "Full name", "km": "ឈ្មោះ", "th": "ชื่อ-สกุล", "id": "Nama lengkap"},
    "phase": {"en": "Which test is this?", "km": "តើនេះជាតេស្តមួយណា?", "th": "นี่คือแบบทดสอบครั้งใด", "id": "Tes yang mana ini?"},
    ROSTER_GROUP: {"en": "About you", "km": "អំពីអ្នក", "th": "ข้อมูลเกี่ยวกับท่าน", "id": "Tentang Anda"},
    "sector": {"en": "Sector", "km": "វិស័យ", "th": "ภาคส่วน", "id": "Sektor"},
    "gender": {"en": "Gender", "km": "ភេទ", "th": "เพศ", "id": "Jenis kelamin"},
    "organisation": {"en": "Organisation", "km": "ស្ថាប័ន", "th": "หน่วยงาน", "id": "Instansi"},
    "role": {"en": "Role", "km": "តួនាទី", "th": "ตำแหน่ง", "id": "Jabatan"},
    "years_experience": {"en": "Years of experience", "km": "បទពិសោធន៍ (ឆ្នាំ)", "th": "ประสบการณ์ (ปี)",
                         "id": "Pengalaman (tahun)"},
    "years_hint": {
        "en": "Years working against trafficking or in related work",
        "km": "ចំនួនឆ្នាំដែលអ្នកបានធ្វើការងារប្រឆាំងការជួញដូរមនុស្ស ឬការងារពាក់ព័ន្ធ",
        "th": "จำนวนปีที่ทำงานด้านการต่อต้านการค้ามนุษย์หรืองานที่เกี่ยวข้อง",
        "id": "Lama bekerja di bidang antiperdagangan orang atau bidang terkait",
    },
    "years_message": {"en": "A number from 0 to 60", "km": "លេខពី 0 ដល់ 60", "th": "ตัวเลขตั้งแต่ 0 ถึง 60",
                      "id": "Angka 0 sampai 60"},
    TEST_GROUP: {"en": "Knowledge test", "km": "តេស្តចំណេះដឹង", "th": "แบบทดสอบความรู้", "id": "Tes pengetahuan"},
    CONFIDENCE_GROUP: {"en": "How confident are you that you can...", "km": "តើអ្នកមានទំនុកចិត្តប៉ុណ្ណាថាអ្នកអាច...",
                       "th": "คุณมั่นใจเพียงใดว่าคุณสามารถ...", "id": "Seberapa yakin Anda bahwa Anda dapat..."},
    "required": {"en": "Please answer this question.", "km": "សូមឆ្លើយសំណួរនេះ។", "th": "กรุณาตอบคำถามนี้",
                 "id": "Mohon jawab pertanyaan ini."},
}

#: the retention test's label until the phase vocabulary has one (tip_eval.vocab.PHASES)
_DELAYED = {"en": "Retention test (months later)", "km": "តេស្តតាមដាន (ច្រើនខែក្រោយមក)",
            "th": "แบบทดสอบติดตามผล (หลายเดือนต่อมา)", "id": "Tes retensi (beberapa bulan kemudian)"}

_FIXED_NAMES = ("start", "end", "intro", "training_id", "participant_id", "name", "phase", ROSTER_GROUP, "sector",
                "gender", "organisation", "role", "years_experience", TEST_GROUP, CONFIDENCE_GROUP)


def _phase_label(phase: str, lang: str) -> str:
    labels = vocab.PHASES.get(phase) or (_DELAYED if phase == "delayed" else {})
    return labels.get(lang) or labels.get("en") or phase


def _cols(prefix: str, langs: Sequence[str], texts: dict[str, str] | None) -> dict[str, str]:
    return {f"{prefix}::{LANG_COLUMNS[lang]}": (texts or {}).get(lang, "") for lang in langs}


def _complete_languages(bank: ItemBank) -> list[str]:
    return [lang for lang in LANGUAGES if not language_gaps(bank.items, bank.competencies, [lang])]


def form_problems(bank: ItemBank, languages: Sequence[str]) -> list[Problem]:
    """What keeps ``bank`` from becoming a form in ``languages``: the bank's own errors, texts missing in
    a language asked for, questions without options, and names the form would use twice."""
    problems = [p for p in bank.problems if p.severity == "error"]
    problems += language_gaps(bank.items, bank.competencies, languages, bank.headers)
    used: dict[str, str] = {n.casefold(): "the form's own questions" for n in _FIXED_NAMES}
    for frame, kind, id_col, prefix in ((bank.items, "item", "item_id", "Q"), (bank.competencies, "competency", "competency_id", "C")):
        for _, row in frame.iterrows():
            ident = cell_text(row.get(id_col))
            if ident is None:
                continue
            name = form_name(ident, prefix).casefold()
            if name in used:
                r = row.get("_row")
                problems.append(Problem(row.get("_file"), row.get("_sheet") if isinstance(row.get("_sheet"), str) else None,
                                        None if r is None or pd.isna(r) else int(r), id_col, ident,
                                        f"{kind} {ident} would have the same name in the form as {used[name]}",
                                        f"Give the {kind} another ID.", "error"))
            used.setdefault(name, f"{kind} {ident}")
    for _, row in bank.items.iterrows():
        if not any(cell_text(row.get(option_column("A", lang))) for lang in LANGUAGES) and not cell_text(row.get("n_options")):
            r = row.get("_row")
            problems.append(Problem(row.get("_file"), row.get("_sheet") if isinstance(row.get("_sheet"), str) else None,
                                    None if r is None or pd.isna(r) else int(r), "Option A", None,
                                    f"item {cell_text(row.get('item_id'))} has no options: a form question needs their texts",
                                    "Write the options' texts in Option A, Option B, ...", "error"))
    return list(dict.fromkeys(problems))


def xlsform_frames(bank: ItemBank, languages: Sequence[str], *, randomize: bool = False, link_by_name: bool = False,
                   min_cell: int = 5, title: str | None = None, form_id: str | None = None) -> dict[str, pd.DataFrame]:
    """The ``survey``, ``choices`` and ``settings`` sheets of the form, as frames (see the module docstring).

    ``bank`` must be free of :func:`form_problems` in ``languages`` (``write_xlsform`` checks).
    """
    langs = list(languages)

    def row(type_: str, name: str, label: dict[str, str] | None, **extra: Any) -> dict[str, Any]:
        out = {"type": type_, "name": name, **_cols("label", langs, label)}
        for key in ("hint", "required_message", "constraint_message"):
            out.update(_cols(key, langs, extra.pop(key, None)))
        out.update(extra)
        return out

    req = {"required": "yes", "required_message": _TEXT["required"]}
    intro = {lang: _TEXT["intro"][lang].format(min_cell=min_cell) + " "
             + _TEXT["intro_name" if link_by_name else "intro_id"][lang] for lang in langs}
    survey = [row("start", "start", None), row("end", "end", None), row("note", "intro", intro),
              row("text", "training_id", _TEXT["training_id"], hint=_TEXT["training_id_hint"], constraint=ID_CONSTRAINT,
                  constraint_message=_TEXT["id_message"], **req)]
    if link_by_name:
        survey.append(row("text", "name", _TEXT["name"], **req))
    else:
        survey.append(row("text", "participant_id", _TEXT["participant_id"], hint=_TEXT["participant_id_hint"],
                          constraint=ID_CONSTRAINT, constraint_message=_TEXT["id_message"], **req))
    survey += [
        row("select_one phase", "phase", _TEXT["phase"], **req),
        row("begin_group", ROSTER_GROUP, _TEXT[ROSTER_GROUP]),
        row("select_one sector", "sector", _TEXT["sector"], **req),
        row("select_one gender", "gender", _TEXT["gender"], **req),
        row("text", "organisation", _TEXT["organisation"], **req),
        row("text", "role", _TEXT["role"], **req),
        row("integer", "years_experience", _TEXT["years_experience"], hint=_TEXT["years_hint"],
            constraint=". >= 0 and . <= 60", constraint_message=_TEXT["years_message"], **req),
        row("end_group", "", None),
        row("begin_group", TEST_GROUP, _TEXT[TEST_GROUP]),
    ]
    choices = [{"list_name": "phase", "name": p, **_cols("label", langs, {lang: _phase_label(p, lang) for lang in langs})}
               for p in PHASES]
    for kind, table in (("sector", vocab.SECTORS), ("gender", vocab.GENDERS)):
        choices += [{"list_name": kind, "name": code, **_cols("label", langs, labels)} for code, labels in table.items()]
    for _, it in bank.items.iterrows():
        ident = str(it["item_id"])
        name = form_name(ident, "Q")
        shuffle = randomized(it.get("randomize"))
        params = "randomize=true" if (randomize if shuffle is None else shuffle) else ""
        survey.append(row(f"select_one opt_{name}", name,
                          {lang: f"{ident}. {cell_text(it.get(text_column(lang)))}" for lang in langs},
                          parameters=params, **req))
        n = int(it["n_options"])
        for letter in "ABCDE"[:n]:
            choices.append({"list_name": f"opt_{name}", "name": letter,
                            **_cols("label", langs, {lang: cell_text(it.get(option_column(letter, lang))) or "" for lang in langs})})
    survey.append(row("end_group", "", None))
    if len(bank.competencies):
        survey.append(row("begin_group", CONFIDENCE_GROUP, _TEXT[CONFIDENCE_GROUP]))
        for _, c in bank.competencies.iterrows():
            survey.append(row("select_one confidence", form_name(str(c["competency_id"]), "C"),
                              {lang: cell_text(c.get(label_column(lang))) or "" for lang in langs}, appearance="likert", **req))
        survey.append(row("end_group", "", None))
        choices += [{"list_name": "confidence", "name": str(v),
                     **_cols("label", langs, {lang: f"{v} - {labels[lang]}" for lang in langs})}
                    for v, labels in vocab.CONFIDENCE_SCALE.items()]
    survey_frame = pd.DataFrame(survey).fillna("")
    choices_frame = pd.DataFrame(choices).fillna("")
    survey_frame = survey_frame[[c for c in survey_frame.columns if c in ("type", "name") or (survey_frame[c] != "").any()]]
    digest = hashlib.sha256((survey_frame.to_csv() + choices_frame.to_csv()).encode("utf-8")).hexdigest()[:10]
    settings = [{"form_title": title or "Knowledge test and confidence", "form_id": form_id or "tip_eval_test",
                 "version": digest, "default_language": LANG_COLUMNS[langs[0]]}]
    return {"survey": survey_frame, "choices": choices_frame, "settings": pd.DataFrame(settings)}


def write_xlsform(path: str | Path, items: ItemBank | str | Path | pd.DataFrame,
                  competencies: str | Path | pd.DataFrame | None = None, *, languages: Iterable[str] | None = None,
                  randomize: bool = False, link_by_name: bool = False, min_cell: int = 5, title: str | None = None,
                  form_id: str | None = None) -> Path:
    """Write the XLSForm of a study's knowledge test and confidence rating, built from its item bank.

    Parameters
    ----------
    path : str or Path
        Where to write the form (``.xlsx``), to upload to KoboToolbox or convert with ``xls2xform``.
    items : ItemBank, path or DataFrame
        The item bank (:mod:`tip_eval.io.item_bank`): a workbook or CSV file, or its rows.
    competencies : path or DataFrame, optional
        The competency list, when it is not the bank's own Competencies sheet. Without
        competencies the form has no confidence rating.
    languages : iterable of {"en", "km", "th", "id"}, optional
        The form's languages, the first one the default. Default: every language in which the bank
        has all its texts.
    randomize : bool, default False
        Show every question's options in random order (a ``randomize`` column in the bank decides
        per question).
    link_by_name : bool, default False
        Ask the participant's full name instead of the participant ID, for a study that links pre
        and post by name (``name_column = "name"`` in study.toml; names are replaced by a keyed
        pseudonym when read).
    min_cell : int, default 5
        The smallest group any result is shown for, as the note at the start says.
    title, form_id : str, optional
        The form's title and ID in KoboToolbox.

    Returns
    -------
    Path

    Raises
    ------
    tip_eval.ValidationError
        The bank has problems to fix first (``err.report.problems``: file, sheet, row, column).
    tip_eval.InputRefused
        A bank file does not exist or cannot be read.
    """
    from openpyxl import Workbook

    from tip_eval.errors import ValidationError
    from tip_eval.validation import report_from

    bank = as_item_bank(items, competencies)
    if languages is None:
        langs = _complete_languages(bank) or ["en"]
    else:
        langs = list(dict.fromkeys(languages))
        unknown = [lang for lang in langs if lang not in LANGUAGES]
        if unknown or not langs:
            raise ValueError(f"languages must be among {', '.join(LANGUAGES)}; got {', '.join(langs) or 'none'}")
    problems = form_problems(bank, langs)
    if problems:
        raise ValidationError(report_from(problems),
                              f"the item bank has {len(problems)} problem(s) to fix before the form can be written; "
                              "see .report.problems")
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in xlsform_frames(bank, langs, randomize=randomize, link_by_name=link_by_name, min_cell=min_cell,
                                      title=title, form_id=form_id).items():
        write_sheet(wb.create_sheet(name), frame)
    return stable_save(wb, path)
