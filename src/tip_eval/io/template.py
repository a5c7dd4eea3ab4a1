"""The project's own workbook template: writing it (sample data, blank templates) byte-for-byte stable.

A training workbook in the template layout has these sheets, each a table with one header row:

``Training``      one row: Training ID, Country, Province, Venue, Organiser, Start date, End date,
                  Language, Curriculum version
``Participants``  Participant ID, Sector, Organisation, Role, Gender, Years of experience
``Pre-test``      Participant ID, then one column per item (Q01, Q02, ...) holding the answer given
``Post-test``     as Pre-test
``Delayed post-test``  optional (a retention test weeks or months later): Participant ID, Test date,
                  then the items as Pre-test
``Confidence``    Participant ID, Phase, then one column per competency (C01, ...) holding 1-5

The item bank workbook has ``Items`` (Item ID, Module, Text, Correct answer, Points, Number of
options, and in a partner's own bank the options' texts and the translations: see
:mod:`tip_eval.io.item_bank`) and ``Competencies`` (Competency ID, Label, Label (Khmer), Label
(Thai), Label (Indonesian)). The blank workbook and the XLSForm built from a partner's bank are in
:mod:`tip_eval.io.blank` and :mod:`tip_eval.io.xlsform`. The follow-up workbook has ``Codebook``, ``Interviews`` and ``Codes`` (one row per
interview, coder and code, Present 1/0).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from tip_eval import vocab
from tip_eval.io.columns import TEMPLATE_HEADER
from tip_eval.io.write import write_sheet

if TYPE_CHECKING:  # pragma: no cover
    from tip_eval.datasets import Truth
    from tip_eval.study import Study

_FIXED_TIME = (2024, 1, 1, 0, 0, 0)

TRAINING_COLUMNS = [
    "training_id",
    "country",
    "province",
    "venue",
    "organiser",
    "start_date",
    "end_date",
    "language",
    "curriculum_version",
]
PARTICIPANT_COLUMNS = ["participant_id", "sector", "organisation", "role", "gender", "years_experience"]
ITEM_COLUMNS = ["item_id", "module", "text", "correct_answer", "points", "n_options"]
COMPETENCY_COLUMNS = ["competency_id", "label", "label_km", "label_th", "label_id"]
CODEBOOK_COLUMNS = ["code_id", "label", "theme", "level", "applied_practice", "definition"]
INTERVIEW_COLUMNS = ["interview_id", "participant_id", "interview_date", "coders"]
CODE_COLUMNS = ["interview_id", "coder", "code_id", "present"]

SHEETS = {
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
}


def stable_save(wb, path: str | Path) -> Path:
    """Save an openpyxl workbook so that the same content always gives the same bytes.

    openpyxl stamps the current time into the document properties and the zip entries; both are
    fixed here, so regenerated sample data is byte-for-byte identical.
    """
    import datetime as dt

    wb.properties.created = dt.datetime(*_FIXED_TIME)
    wb.properties.modified = dt.datetime(*_FIXED_TIME)
    wb.properties.creator = "tip_eval"
    wb.properties.lastModifiedBy = "tip_eval"
    buf = io.BytesIO()
    wb.save(buf)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fix_core(data)
            out = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = 0o600 << 16
            dst.writestr(out, data)
    return path


def _fix_core(data: bytes) -> bytes:
    import re

    return re.sub(
        rb"<dcterms:(created|modified)([^>]*)>[^<]*</dcterms:\1>",
        rb"<dcterms:\1\2>2024-01-01T00:00:00Z</dcterms:\1>",
        data,
    )


def _headers(columns: list[str]) -> list[str]:
    return [TEMPLATE_HEADER.get(c, c) for c in columns]


def _new_workbook():
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _add(wb, title: str, frame: pd.DataFrame, number_formats: dict | None = None) -> None:
    ws = wb.create_sheet(title=title)
    write_sheet(ws, frame, number_formats=number_formats)


def training_frames(study: Study, training_id: str) -> dict[str, pd.DataFrame]:
    """The sheets of one training's template workbook, as frames with template headers."""
    tr = study.trainings[study.trainings["training_id"] == training_id]
    if tr.empty:
        raise ValueError(f"training_id {training_id!r} is not in the study")
    t = tr[TRAINING_COLUMNS].copy()
    t["country"] = [vocab.label("country", c) for c in t["country"]]
    part = study.participants[study.participants["training_id"] == training_id][PARTICIPANT_COLUMNS].copy()
    part["sector"] = [vocab.label("sector", s) for s in part["sector"]]
    part["gender"] = [vocab.label("gender", g) if isinstance(g, str) else None for g in part["gender"]]
    items = list(study.items["item_id"])
    frames = {"training": _rename(t), "participants": _rename(part)}
    resp = study.responses[study.responses["training_id"] == training_id]
    order = list(part["participant_id"])
    for phase in ("pre", "post", "delayed"):
        r = resp[resp["phase"] == phase]
        if phase == "delayed" and r.empty:
            continue  # the delayed post-test sheet is written only for a training that held one
        wide = r.pivot(index="participant_id", columns="item_id", values="answer")
        wide = wide.reindex(index=[p for p in order if p in wide.index], columns=items)
        wide = wide.astype(object).where(wide.notna(), None)
        wide.index.name = "participant_id"
        wide = wide.reset_index()
        dates = _test_dates(study, training_id, phase)
        if dates.notna().any():  # the date each person took it (the months to the delayed test come from them)
            wide.insert(1, "test_date", wide["participant_id"].map(dates))
        frames[phase] = _rename(wide)
    conf = study.confidence[study.confidence["participant_id"].isin(order)]
    comps = list(study.competencies["competency_id"])
    if len(conf):
        wide = conf.pivot_table(
            index=["participant_id", "phase"], columns="competency_id", values="rating", aggfunc="first", observed=True
        )
        wide = wide.reindex(columns=comps)
        wide = wide.reset_index()
        wide["_o"] = wide["participant_id"].map({p: i for i, p in enumerate(order)})
        wide["_p"] = wide["phase"].map({"pre": 0, "post": 1, "delayed": 2})
        wide = wide.sort_values(["_o", "_p"]).drop(columns=["_o", "_p"])
        for c in comps:
            wide[c] = wide[c].astype("Int64").astype(object).where(wide[c].notna(), None)
        frames["confidence"] = _rename(wide)
    else:
        frames["confidence"] = pd.DataFrame(columns=_headers(["participant_id", "phase"]) + comps)
    return frames


def _test_dates(study: Study, training_id: str, phase: str) -> pd.Series:
    """Participant -> date of their ``phase`` test (from the scores table), for one training."""
    sc = study.scores
    sc = sc[(sc["training_id"] == training_id) & (sc["phase"] == phase)]
    if "test_date" not in sc.columns:
        return pd.Series(dtype=object)
    return pd.Series(
        [d.date() if not pd.isna(d) else None for d in sc["test_date"]],
        index=sc["participant_id"].to_numpy(),
        dtype=object,
    )


def _rename(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=TEMPLATE_HEADER)


def write_training_workbook(study: Study, training_id: str, path: str | Path) -> Path:
    """Write one training's data as a workbook in the project's template layout."""
    frames = training_frames(study, training_id)
    wb = _new_workbook()
    dates = {TEMPLATE_HEADER["start_date"]: "yyyy-mm-dd", TEMPLATE_HEADER["end_date"]: "yyyy-mm-dd"}
    for key in ("training", "participants", "pre", "post", "delayed", "confidence"):
        if key in frames:
            fmt = (
                dates
                if key == "training"
                else {TEMPLATE_HEADER["test_date"]: "yyyy-mm-dd"}
                if key in PHASE_ORDER
                else None
            )
            _add(wb, SHEETS[key], _plain(frames[key]), fmt)
    return stable_save(wb, path)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = [d.to_pydatetime().date() if not pd.isna(d) else None for d in out[c]]
        else:
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def write_item_bank(study: Study, path: str | Path) -> Path:
    """Write the item bank (answer key) and the competency list."""
    wb = _new_workbook()
    _add(wb, SHEETS["items"], _plain(_rename(study.items[ITEM_COLUMNS])))
    _add(wb, SHEETS["competencies"], _plain(_rename(study.competencies[COMPETENCY_COLUMNS])))
    return stable_save(wb, path)


def write_followup_workbook(study: Study, path: str | Path) -> Path:
    """Write the codebook, the interview list and the codes (long: interview x coder x code, 1/0)."""
    wb = _new_workbook()
    cb = study.codebook[CODEBOOK_COLUMNS].copy()
    cb["applied_practice"] = cb["applied_practice"].map({True: "yes", False: "no"})
    _add(wb, SHEETS["codebook"], _plain(_rename(cb)))
    _add(
        wb,
        SHEETS["interviews"],
        _plain(_rename(study.interviews[INTERVIEW_COLUMNS])),
        {TEMPLATE_HEADER["interview_date"]: "yyyy-mm-dd"},
    )
    codes = study.followup_codes[CODE_COLUMNS].copy()
    codes["present"] = codes["present"].astype(int)
    _add(wb, SHEETS["codes"], _plain(_rename(codes)))
    return stable_save(wb, path)


# --- partners' own layouts in the sample study ---------------------------------------------------------

#: Trainings of the sample study written in a partner's own layout instead of the template:
#: the Indonesian training as an Indonesian-language wide workbook, one Thai training as a
#: KoboToolbox export with Thai labels and group paths.
SAMPLE_LAYOUTS: dict[str, str] = {"IDN-DPS-2023": "wide_id", "THA-SKA-2022": "kobo_th"}

_MONTHS_ID = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
# Thai prompts of the project's XLSForm (tip_eval.io.xlsform) and of a partner's roster group
_KOBO_TH = {
    "participant_id": "รหัสผู้เข้าอบรม",
    "training_id": "รหัสการอบรม",
    "phase": "ก่อนหรือหลังการอบรม?",
    "roster": "ข้อมูลผู้เข้าอบรม",
    "sector": "ภาคส่วน",
    "organisation": "หน่วยงาน",
    "role": "ตำแหน่ง",
    "gender": "เพศ",
    "years_experience": "ประสบการณ์ (ปี)",
    "test": "แบบทดสอบความรู้",
    "confidence": "คุณมั่นใจเพียงใดว่าคุณสามารถ...",
}
_KOBO_META = [
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
]


def _training_row(study: Study, training_id: str) -> pd.Series:
    tr = study.trainings[study.trainings["training_id"] == training_id]
    if tr.empty:
        raise ValueError(f"training_id {training_id!r} is not in the study")
    return tr.iloc[0]


#: the test phases, in the order they are written
PHASE_ORDER = ("pre", "post", "delayed")


def _phase_wide(study: Study, training_id: str, phase: str, table: str, column: str, values: str) -> pd.DataFrame:
    frame = getattr(study, table)
    if table == "responses":
        frame = frame[frame["training_id"] == training_id]
    else:
        ids = set(study.participants.loc[study.participants["training_id"] == training_id, "participant_id"])
        frame = frame[frame["participant_id"].isin(ids)]
    frame = frame[frame["phase"] == phase]
    return frame.pivot(index="participant_id", columns=column, values=values)


def _number(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    return int(v) if float(v).is_integer() else float(v)


def write_wide_workbook_id(study: Study, training_id: str, path: str | Path) -> Path:
    """One training as an Indonesian partner's wide workbook.

    Sheets ``Pelatihan`` (the training, Indonesian headers, dates as ``23 Mei 2023``) and ``Data peserta``:
    one row per participant with two header rows (``Identitas peserta``, ``Pra-tes``, ``Pasca-tes``,
    ``Kepercayaan diri (sebelum)``, ``Kepercayaan diri (sesudah)`` merged over their columns), labels in
    Indonesian (``Penegak hukum``, ``Perempuan``, ``Sangat setuju``) and competencies by their
    Indonesian label. Read with ``layout = "wide"`` and ``header_rows = 2``.
    """
    from tip_eval.io.write import write_cell

    t = _training_row(study, training_id)
    wb = _new_workbook()
    when = lambda d: f"{d.day} {_MONTHS_ID[d.month - 1]} {d.year}"  # noqa: E731
    info = pd.DataFrame(
        [
            [
                t["training_id"],
                vocab.label("country", t["country"], "id"),
                t["province"],
                t["venue"],
                t["organiser"],
                when(t["start_date"]),
                when(t["end_date"]),
                t["language"],
                t["curriculum_version"],
            ]
        ],
        columns=[
            "ID Pelatihan",
            "Negara",
            "Provinsi",
            "Tempat",
            "Penyelenggara",
            "Tanggal mulai",
            "Tanggal selesai",
            "Bahasa",
            "Versi kurikulum",
        ],
    )
    _add(wb, "Pelatihan", _plain(info))
    ws = wb.create_sheet("Data peserta")
    part = study.participants[study.participants["training_id"] == training_id]
    items = list(study.items["item_id"])
    comps = list(study.competencies["competency_id"])
    comp_label = dict(zip(study.competencies["competency_id"], study.competencies["label_id"]))
    roster = ["ID Peserta", "Sektor", "Instansi", "Jabatan", "Jenis kelamin", "Lama bekerja (tahun)"]
    answers = {p: _phase_wide(study, training_id, p, "responses", "item_id", "answer") for p in PHASE_ORDER}
    ratings = {p: _phase_wide(study, training_id, p, "confidence", "competency_id", "rating") for p in PHASE_ORDER}
    later = [p for p in ("delayed",) if len(answers[p])]  # a retention test months later, when one was held
    dates = {p: _test_dates(study, training_id, p) for p in PHASE_ORDER}
    groups = [("Identitas peserta", roster), ("Pra-tes", ["Tanggal"] + items), ("Pasca-tes", ["Tanggal"] + items)]
    groups += [("Tes retensi", ["Tanggal"] + items) for _ in later]
    groups += [
        ("Kepercayaan diri (sebelum)", [comp_label[c] for c in comps]),
        ("Kepercayaan diri (sesudah)", [comp_label[c] for c in comps]),
    ]
    groups += [("Kepercayaan diri (tes retensi)", [comp_label[c] for c in comps]) for p in later if len(ratings[p])]
    col = 1
    from openpyxl.styles import Font

    for top, names in groups:
        write_cell(ws, 1, col, top).font = Font(bold=True)
        ws.merge_cells(start_row=1, start_column=col, end_row=1, end_column=col + len(names) - 1)
        for j, name in enumerate(names):
            write_cell(ws, 2, col + j, name).font = Font(bold=True)
        col += len(names)
    for i, r in enumerate(part.itertuples(index=False), start=3):
        pid = r.participant_id
        row = [
            pid,
            vocab.label("sector", r.sector, "id"),
            r.organisation,
            r.role,
            vocab.label("gender", r.gender, "id") if isinstance(r.gender, str) else None,
            _number(r.years_experience),
        ]
        for p in ("pre", "post", *later):
            a = answers[p]
            row.append(dates[p].get(pid) if pid in a.index else None)
            row += [a.at[pid, q] if pid in a.index else None for q in items]
        for p in ("pre", "post", *[p for p in later if len(ratings[p])]):
            c = ratings[p]
            row += [vocab.LIKERT[int(c.at[pid, k])]["id"] if pid in c.index else None for k in comps]
        for j, v in enumerate(row, start=1):
            write_cell(ws, i, j, v)
    ws.freeze_panes = "B3"
    return stable_save(wb, path)


def write_kobo_export_th(study: Study, training_id: str, path: str | Path) -> Path:
    """One training as a KoboToolbox export ("Labels" in Thai, group names in the headers).

    One submission (row) per participant and phase, as collected with the project's XLSForm plus the
    partner's own roster group: ``รหัสผู้เข้าอบรม``, ``รหัสการอบรม``, ``ก่อนหรือหลังการอบรม?``,
    ``ข้อมูลผู้เข้าอบรม/ภาคส่วน``..., ``แบบทดสอบความรู้/Q01. ...``, ``คุณมั่นใจเพียงใดว่าคุณสามารถ.../<competency>``
    (choice labels such as ``5 - เห็นด้วยอย่างยิ่ง``), and Kobo's metadata (``start``, ``end``, ``_uuid``,
    ``_submission_time``, ``_index``...). Read with ``layout = "kobo"`` and ``[sources.training]``.
    """
    import uuid

    t = _training_row(study, training_id)
    part = study.participants[study.participants["training_id"] == training_id]
    items = study.items
    comps = study.competencies
    k = _KOBO_TH
    headers = (
        ["start", "end", "today", k["participant_id"], k["training_id"], k["phase"]]
        + [f"{k['roster']}/{k[c]}" for c in ("sector", "organisation", "role", "gender", "years_experience")]
        + [f"{k['test']}/{q}. {text}" for q, text in zip(items["item_id"], items["text"])]
        + [f"{k['confidence']}/{label}" for label in comps["label_th"]]
        + _KOBO_META
    )
    answers = {p: _phase_wide(study, training_id, p, "responses", "item_id", "answer") for p in PHASE_ORDER}
    ratings = {p: _phase_wide(study, training_id, p, "confidence", "competency_id", "rating") for p in PHASE_ORDER}
    later = _test_dates(study, training_id, "delayed")
    rows = []
    n = 0
    for p, when in (("pre", t["start_date"]), ("post", t["end_date"]), ("delayed", None)):
        for r in part.itertuples(index=False):
            pid = r.participant_id
            if pid not in answers[p].index:
                continue
            day = when if when is not None else pd.Timestamp(later.get(pid) or t["end_date"])
            n += 1
            minute = n % 60
            stamp = f"{day:%Y-%m-%d}T{8 + n // 60:02d}:{minute:02d}:00"
            c = ratings[p]
            rows.append(
                [
                    f"{stamp}.000+07:00",
                    f"{day:%Y-%m-%d}T{9 + n // 60:02d}:{minute:02d}:00.000+07:00",
                    f"{day:%Y-%m-%d}",
                    pid,
                    training_id,
                    vocab.PHASES[p]["th"],
                    vocab.label("sector", r.sector, "th"),
                    r.organisation,
                    r.role,
                    vocab.label("gender", r.gender, "th") if isinstance(r.gender, str) else None,
                    _number(r.years_experience),
                ]
                + [answers[p].at[pid, q] for q in items["item_id"]]
                + [
                    f"{int(c.at[pid, cid])} - {vocab.LIKERT[int(c.at[pid, cid])]['th']}" if pid in c.index else None
                    for cid in comps["competency_id"]
                ]
                + [
                    100000 + n,
                    str(uuid.uuid5(uuid.NAMESPACE_URL, f"tip_eval-sample/{pid}/{p}")),
                    stamp,
                    None,
                    None,
                    "submitted_via_web",
                    None,
                    "vKoboSample1",
                    None,
                    n,
                ]
            )
    wb = _new_workbook()
    _add(wb, "แบบทดสอบก่อนและหลังการอบรม", pd.DataFrame(rows, columns=headers).astype(object))
    return stable_save(wb, path)


def _toml_value(v) -> str:
    import json

    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d}"
    return json.dumps(v, ensure_ascii=False)


def _source_block(study: Study, training_id: str, rel: str, layout: str) -> str:
    if layout == "wide_id":
        return f'\n[[sources]]\nfile = "{rel}"\nlayout = "wide"\nheader_rows = 2\n'
    if layout == "kobo_th":
        t = _training_row(study, training_id)
        lines = [f'\n[[sources]]\nfile = "{rel}"\nlayout = "kobo"\n\n[sources.training]']
        for c in TRAINING_COLUMNS:
            if isinstance(t[c], str) or isinstance(t[c], pd.Timestamp):
                lines.append(f"{c} = {_toml_value(t[c])}")
        return "\n".join(lines) + "\n"
    return f'\n[[sources]]\nfile = "{rel}"\nlayout = "template"\n'


_WRITERS = {"wide_id": write_wide_workbook_id, "kobo_th": write_kobo_export_th}


STUDY_TOML = """\
# study.toml: which files make up this study and how each one is laid out.
# Paths are relative to this file. See the README of tip_eval for every layout.

[study]
name = "{name}"
min_cell = {min_cell}

[[sources]]
file = "item_bank.xlsx"
layout = "item_bank"
{trainings}
[[sources]]
file = "followup.xlsx"
layout = "followup"
"""


def write_study_folder(
    study: Study, folder: str | Path, truth: Truth | None = None, layouts: Mapping[str, str] | None = None
) -> list[Path]:
    """Write a study as the files partners send.

    One workbook per training, the item bank, the follow-up coding workbook and ``study.toml`` (and
    a README when ``truth`` is given).

    ``layouts`` maps a training ID to the layout its workbook is written in: ``"wide_id"`` (an
    Indonesian wide workbook, :func:`write_wide_workbook_id`) or ``"kobo_th"`` (a Thai KoboToolbox
    export, :func:`write_kobo_export_th`); other trainings use the project's template.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_item_bank(study, folder / "item_bank.xlsx")]
    blocks = []
    for tid in study.trainings["training_id"]:
        rel = f"trainings/{tid}.xlsx"
        layout = (layouts or {}).get(tid, "template")
        writer = _WRITERS.get(layout, write_training_workbook)
        written.append(writer(study, tid, folder / rel))
        blocks.append(_source_block(study, tid, rel, layout))
    written.append(write_followup_workbook(study, folder / "followup.xlsx"))
    toml = STUDY_TOML.format(name=study.name.replace('"', "'"), min_cell=study.min_cell, trainings="".join(blocks))
    (folder / "study.toml").write_text(toml, encoding="utf-8")
    written.append(folder / "study.toml")
    if truth is not None:
        (folder / "README.md").write_text(sample_readme(study, truth, layouts), encoding="utf-8")
        written.append(folder / "README.md")
    return written


def sample_readme(
    study: Study, truth: Truth, layouts: Mapping[str, str] | None = None, second_round: bool = False
) -> str:
    """The README of ``sample_data/``: what is in it and which effects were planted (from the truth)."""
    tr = truth.trainings.merge(study.trainings[["training_id", "country", "province"]], on="training_id")
    lines = [
        f"# {'Second round of the sample programme' if second_round else 'Sample study'} (synthetic: every person, "
        "organisation and answer here is invented)",
        "",
        "This folder is a complete, made-up study in the files partners would send, generated by",
        f"`tip_eval.datasets.{'make_round(seed=1)' if second_round else 'make_study(seed=0)'}`. No real person is in it. "
        "Regenerate it, byte for byte, with:",
        "",
        "```",
        "tip-eval sample-data --out sample_data",
        "```",
        "",
        "## What is in it",
        "",
        "- `study.toml`: the list of files and their layouts.",
        f"- `item_bank.xlsx`: the {len(study.items)}-item knowledge test in {study.items['module'].nunique()} modules with its answer key, "
        f"and the {len(study.competencies)} confidence competencies.",
        f"- `trainings/*.xlsx`: one workbook per training ({len(study.trainings)} trainings, {len(study.participants)} participants) "
        "in the project's template layout: Training, Participants, Pre-test, Post-test, Delayed post-test (a retention "
        "test months later, for the people interviewed), Confidence, each test with the date it was taken"
        + ("; except:" if layouts else "."),
        *[
            f"  - `trainings/{tid}.xlsx`: "
            + {
                "wide_id": "an Indonesian partner's wide workbook (layout `wide`): a `Pelatihan` sheet and one row per "
                "participant with pre-, post- and delayed test (`Tes retensi`) side by side under two header rows, "
                "labels in Indonesian.",
                "kobo_th": "a KoboToolbox export with Thai labels and group paths (layout `kobo`): one submission per "
                "participant and phase (the delayed test's phase is `แบบทดสอบติดตามผล`); the training's details "
                "are in `study.toml` (`[sources.training]`).",
            }.get(lay, "the template.")
            for tid, lay in (layouts or {}).items()
            if tid in set(study.trainings["training_id"])
        ],
        f"- `followup.xlsx`: {len(study.interviews)} follow-up interviews, the {len(study.codebook)}-code codebook and the codes "
        f"({study.followup_codes.groupby('interview_id')['coder'].nunique().gt(1).sum()} interviews coded by two coders).",
        "",
        "## Planted effects (what the analysis should find)",
        "",
        "Expected knowledge gain per training, in percentage points of the maximum score (the truth, not an estimate):",
        "",
        "| training | country | province | participants | expected gain |",
        "|---|---|---|---|---|",
    ]
    for _, r in tr.iterrows():
        lines.append(
            f"| {r['training_id']} | {r['country']} | {r['province']} | {int(r['n_participants'])} | {r['expected_gain_pct']:.1f} |"
        )
    if "decay_share" in tr.columns:
        lines += [
            "",
            "Delayed post-test: everyone interviewed took the test again on the day of the interview (3-6 months after",
            "the training). Part of the gain is lost by then (a planted share of the latent gain, by training). For the",
            "people who took all three tests, in percentage points:",
            "",
            "| training | share of the gain lost (planted) | expected gain | expected retained gain | expected decay |",
            "|---|---|---|---|---|",
        ]
        for _, r in tr.iterrows():
            lines.append(
                f"| {r['training_id']} | {r['decay_share']:.2f} | {r['expected_retested_gain_pct']:.1f} | "
                f"{r['expected_retained_gain_pct']:.1f} | {r['expected_decay_pct']:.1f} |"
            )
    lines += [
        "",
        f"- Sector: law enforcement gains less knowledge (latent gain {truth.sectors.set_index('sector').loc['law_enforcement', 'delta_gain']:+.2f} logits) "
        f"and NGO staff more ({truth.sectors.set_index('sector').loc['ngo', 'delta_gain']:+.2f}).",
        f"- Item `{truth.flawed_item}` is flawed: its key is wrong, so stronger participants get it wrong more often (negative discrimination).",
        f"- Confidence: `{truth.overconfident_sector}` participants' confidence rises much more than their knowledge.",
        f"- Follow-up: each applied-practice code is more likely the larger a person's knowledge gain "
        f"({truth.followup_slope} log-odds per standard deviation of gain).",
        f"- Coding: the second coder disagrees far more often on {', '.join('`' + c + '`' for c in truth.low_agreement_codes)}.",
        "- Drop-out: post-tests are missing more often for people with low pre-test scores; a few pre-tests are missing at random.",
        "",
    ]
    if second_round:
        lines += [
            "This study is the second round of a programme: load it with the sample study in the folder above,",
            '`te.load_studies({"2022-2023": "sample_data", "2024": "sample_data/programme"})`, or write a',
            "programme brief with `tip-eval brief sample_data sample_data/programme --out OUT`.",
            "",
        ]
    else:
        lines += [
            "`programme/` holds a second, smaller study (a later round, 2024, three trainings in Thailand, the same test):",
            "load the two together with `te.load_studies` (notebook 05).",
            "",
        ]
    return "\n".join(lines)


def write_sample_data(folder: str | Path = "sample_data", seed: int = 0) -> list[Path]:
    """Regenerate the bundled sample study into ``folder`` (byte-for-byte stable).

    And in ``folder/programme`` a later round of the programme (:func:`tip_eval.datasets.make_round`),
    so that the two can be loaded together with :func:`tip_eval.load_studies`.
    """
    from tip_eval.datasets import make_round, make_study

    study, truth = make_study(seed=seed)
    written = write_study_folder(study, folder, truth, SAMPLE_LAYOUTS)
    later, later_truth = make_round(seed=seed + 1)
    written += write_study_folder(later, Path(folder) / "programme")
    (Path(folder) / "programme" / "README.md").write_text(
        sample_readme(later, later_truth, second_round=True), encoding="utf-8"
    )
    return [*written, Path(folder) / "programme" / "README.md"]
