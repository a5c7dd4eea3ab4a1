"""An XLSForm (KoboToolbox / ODK) for the pre/post knowledge test and the confidence self-rating.

The form has one submission per participant and phase: ``participant_id``, ``training_id``,
``phase`` (pre/post), a group ``test`` with one multiple-choice question per item (``test/Q01``...),
and a group ``confidence`` with one 1-5 rating per competency (``confidence/C01``...). Labels are in
English, Khmer, Thai and Indonesian. Exported submissions (XML names as headers, with group paths)
load with the ``kobo`` layout.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tip_eval import vocab
from tip_eval.io.template import stable_save
from tip_eval.io.write import write_sheet

LANG_COLUMNS = {"en": "English (en)", "km": "Khmer (km)", "th": "Thai (th)", "id": "Indonesian (id)"}
TEST_GROUP = "test"
CONFIDENCE_GROUP = "confidence"

_PROMPTS = {
    "participant_id": {"en": "Participant ID", "km": "លេខកូដអ្នកចូលរួម", "th": "รหัสผู้เข้าอบรม", "id": "ID Peserta"},
    "training_id": {"en": "Training ID", "km": "លេខកូដវគ្គបណ្តុះបណ្តាល", "th": "รหัสการอบรม", "id": "ID Pelatihan"},
    "phase": {"en": "Before or after the training?", "km": "មុន ឬក្រោយវគ្គបណ្តុះបណ្តាល?", "th": "ก่อนหรือหลังการอบรม?", "id": "Sebelum atau sesudah pelatihan?"},
    TEST_GROUP: {"en": "Knowledge test", "km": "តេស្តចំណេះដឹង", "th": "แบบทดสอบความรู้", "id": "Tes pengetahuan"},
    CONFIDENCE_GROUP: {"en": "How confident are you that you can...", "km": "តើអ្នកមានទំនុកចិត្តប៉ុណ្ណាថាអ្នកអាច...",
                       "th": "คุณมั่นใจเพียงใดว่าคุณสามารถ...", "id": "Seberapa yakin Anda bahwa Anda dapat..."},
}


def _labels(prefix: str, texts: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}::{LANG_COLUMNS[lang]}": texts.get(lang, texts["en"]) for lang in LANG_COLUMNS}


def xlsform_frames(items: pd.DataFrame, competencies: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The ``survey``, ``choices`` and ``settings`` sheets of the XLSForm, as frames."""
    survey = [
        {"type": "text", "name": "participant_id", **_labels("label", _PROMPTS["participant_id"]), "required": "yes"},
        {"type": "text", "name": "training_id", **_labels("label", _PROMPTS["training_id"]), "required": "yes"},
        {"type": "select_one phase", "name": "phase", **_labels("label", _PROMPTS["phase"]), "required": "yes"},
        {"type": "begin_group", "name": TEST_GROUP, **_labels("label", _PROMPTS[TEST_GROUP])},
    ]
    for _, it in items.iterrows():
        text = it["text"] if isinstance(it["text"], str) else it["item_id"]
        survey.append({"type": "select_one options", "name": it["item_id"],
                       **_labels("label", {"en": f"{it['item_id']}. {text}"}), "required": "no"})
    survey.append({"type": "end_group", "name": ""})
    survey.append({"type": "begin_group", "name": CONFIDENCE_GROUP, **_labels("label", _PROMPTS[CONFIDENCE_GROUP])})
    for _, c in competencies.iterrows():
        texts = {"en": c["label"], "km": c.get("label_km") or c["label"], "th": c.get("label_th") or c["label"],
                 "id": c.get("label_id") or c["label"]}
        survey.append({"type": "select_one likert", "name": c["competency_id"], **_labels("label", texts), "required": "no"})
    survey.append({"type": "end_group", "name": ""})
    choices = [{"list_name": "phase", "name": p, **_labels("label", vocab.PHASES[p])} for p in vocab.PHASES]
    for opt in "ABCD":
        choices.append({"list_name": "options", "name": opt, **_labels("label", {"en": opt})})
    for value, labels in vocab.LIKERT.items():
        choices.append({"list_name": "likert", "name": str(value), **_labels("label", {k: f"{value} - {v}" for k, v in labels.items()})})
    settings = [{"form_title": "tip_eval pre/post test and confidence", "form_id": "tip_eval_prepost",
                 "version": "1", "default_language": LANG_COLUMNS["en"]}]
    return {"survey": pd.DataFrame(survey).fillna(""), "choices": pd.DataFrame(choices), "settings": pd.DataFrame(settings)}


def write_xlsform(path: str | Path, items: pd.DataFrame | None = None, competencies: pd.DataFrame | None = None) -> Path:
    """Write the XLSForm; ``items``/``competencies`` default to the sample study's test and competencies."""
    from openpyxl import Workbook

    if items is None or competencies is None:
        from tip_eval.datasets import make_study

        study, _ = make_study(seed=0)
        items = study.items if items is None else items
        competencies = study.competencies if competencies is None else competencies
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in xlsform_frames(items, competencies).items():
        write_sheet(wb.create_sheet(name), frame)
    return stable_save(wb, path)
