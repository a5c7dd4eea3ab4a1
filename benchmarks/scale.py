"""Scale generator for the benchmarks: synthetic studies and the files partners would send.

Everything is written under ``benchmarks/_data/`` (git-ignored) and reused by later runs when it is
already there (delete the folder to rebuild). Files:

``study_<T>x<P>x<K>.pkl``
    ``make_study(seed=0, n_trainings=T, participants_per_training=P, n_items=K)``, pickled, with
    the seconds it took to build.
``folder_<T>x<P>x<K>/``
    The same study as a study folder: one template workbook per training, the item bank, the
    follow-up workbook and ``study.toml`` (what :func:`tip_eval.load_study` reads).
``wide_<rows>.xlsx`` / ``wide_<rows>.csv``
    One sheet of ``rows`` participants x 40 columns (5 text columns, 30 answer columns A-D, 5
    numbers), written as Excel writes it (shared strings, cell references, a dimension).
``far_cell.xlsx`` / ``far_cell_lying.xlsx``
    Hostile workbooks with a cell at XFD1048576: one declares it in its dimension, the other
    declares A1:B2 and hides the far cell after 20,000 ordinary rows.

Run ``python benchmarks/scale.py T P K`` to build one study and its folder by hand.
"""

from __future__ import annotations

import pickle
import sys
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "_data"


def _tag(t: int, p: int, k: int) -> str:
    return f"{t}x{p}x{k}"


# --------------------------------------------------------------------------------- studies


def study_path(t: int, p: int, k: int) -> Path:
    return DATA / f"study_{_tag(t, p, k)}.pkl"


def build_study(t: int, p: int, k: int) -> Path:
    """Build (or reuse) the pickled study of size T x P x K; return its path."""
    path = study_path(t, p, k)
    if path.exists():
        return path
    from tip_eval.datasets import make_study

    DATA.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    study, truth = make_study(seed=0, n_trainings=t, participants_per_training=p, n_items=k)
    seconds = time.perf_counter() - start
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump({"study": study, "truth": truth, "seconds": seconds}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    return path


def load_pickled(t: int, p: int, k: int):
    with open(build_study(t, p, k), "rb") as fh:
        return pickle.load(fh)


# --------------------------------------------------------------------------- study folders


def folder_path(t: int, p: int, k: int) -> Path:
    return DATA / f"folder_{_tag(t, p, k)}"


def build_folder(t: int, p: int, k: int) -> Path:
    """Write (or reuse) the study folder of size T x P x K; return its path.

    The workbooks are those of :func:`tip_eval.io.template.write_study_folder`; the study is split
    by training once (instead of filtering the whole study for every training) so that thousands
    of workbooks write in minutes.
    """
    folder = folder_path(t, p, k)
    if (folder / "study.toml").exists():
        return folder
    from tip_eval.io import template

    study = load_pickled(t, p, k)["study"]
    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    template.write_item_bank(study, tmp / "item_bank.xlsx")
    write_followup_wide(study, tmp / "followup.xlsx")
    parts = study.participants.groupby("training_id", sort=False)
    resp = dict(tuple(study.responses.groupby("training_id", sort=False)))
    scores = dict(tuple(study.scores.groupby("training_id", sort=False)))  # the test dates come from the scores
    conf_tid = study.confidence["participant_id"].map(study.participants.set_index("participant_id")["training_id"])
    conf = dict(tuple(study.confidence.groupby(conf_tid.to_numpy(), sort=False)))
    blocks = []
    for tid, part in parts:
        rel = f"trainings/{tid}.xlsx"
        sub = SimpleNamespace(
            trainings=study.trainings[study.trainings["training_id"] == tid],
            participants=part,
            items=study.items,
            competencies=study.competencies,
            responses=resp.get(tid, study.responses.iloc[:0]),
            confidence=conf.get(tid, study.confidence.iloc[:0]),
            scores=scores.get(tid, study.scores.iloc[:0]),
        )
        target = tmp / rel
        if not target.exists():
            template.write_training_workbook(sub, tid, target)
        blocks.append(f'\n[[sources]]\nfile = "{rel}"\nlayout = "template"\n')
    toml = template.STUDY_TOML.format(name=study.name, min_cell=study.min_cell, trainings="".join(blocks))
    (tmp / "study.toml").write_text(toml, encoding="utf-8")
    tmp.rename(folder)
    return folder


def write_followup_wide(study, path: Path) -> Path:
    """The follow-up workbook with the codes wide (one row per interview and coder, a 1/0 column per code).

    The template's long Codes sheet has one row per interview, coder and code: 626,000 rows for a
    100,000-participant study, beyond the reader's default limit of 200,000 rows per sheet (a limit
    study.toml cannot raise). The wide form, which the follow-up layout also reads, has 53,000.
    """
    from tip_eval.io import template
    from tip_eval.io.columns import TEMPLATE_HEADER

    wb = template._new_workbook()
    cb = study.codebook[template.CODEBOOK_COLUMNS].copy()
    cb["applied_practice"] = cb["applied_practice"].map({True: "yes", False: "no"})
    template._add(wb, template.SHEETS["codebook"], template._plain(template._rename(cb)))
    template._add(
        wb,
        template.SHEETS["interviews"],
        template._plain(template._rename(study.interviews[template.INTERVIEW_COLUMNS])),
        {TEMPLATE_HEADER["interview_date"]: "yyyy-mm-dd"},
    )
    codes = study.followup_codes.assign(present=study.followup_codes["present"].astype(int))
    wide = codes.pivot(index=["interview_id", "coder"], columns="code_id", values="present")
    wide = wide.reindex(columns=list(study.codebook["code_id"])).reset_index()
    wide = wide.rename(columns={"interview_id": TEMPLATE_HEADER["interview_id"], "coder": TEMPLATE_HEADER["coder"]})
    template._add(wb, template.SHEETS["codes"], template._plain(wide))
    return template.stable_save(wb, path)


# ------------------------------------------------------------------------ one wide sheet

WIDE_TEXT = ["Participant ID", "Training ID", "Sector", "Gender", "Organisation"]
WIDE_ITEMS = [f"Q{i:02d}" for i in range(1, 31)]
WIDE_NUMBERS = ["Years of experience", "Pre score", "Post score", "Age", "Session"]
WIDE_HEADERS = WIDE_TEXT + WIDE_ITEMS + WIDE_NUMBERS  # 40 columns


def wide_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sectors = np.array(["Government social services", "Law enforcement", "NGO", "Other"])
    genders = np.array(["Woman", "Man", "Non-binary", "Prefer not to say"])
    orgs = np.array([f"Organisation {i}" for i in range(60)])
    data: dict[str, object] = {
        "Participant ID": [f"KHM-PNH-2023-{i:06d}" for i in range(rows)],
        "Training ID": [f"KHM-PNH-{2020 + i % 6}-{i // 50:05d}" for i in range(rows)],
        "Sector": sectors[rng.integers(0, 4, rows)],
        "Gender": genders[rng.integers(0, 4, rows)],
        "Organisation": orgs[rng.integers(0, 60, rows)],
    }
    letters = np.array(list("ABCD"))
    for q in WIDE_ITEMS:
        data[q] = letters[rng.integers(0, 4, rows)]
    data["Years of experience"] = np.round(rng.gamma(2.0, 3.5, rows), 0)
    data["Pre score"] = rng.integers(0, 31, rows).astype(float)
    data["Post score"] = rng.integers(0, 31, rows).astype(float)
    data["Age"] = rng.integers(21, 65, rows).astype(float)
    data["Session"] = (np.arange(rows) % 3 + 1).astype(float)
    return pd.DataFrame(data)[WIDE_HEADERS]


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="{dim}"/><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def write_xlsx(
    frame: pd.DataFrame, path: Path, sheet: str = "Participants", extra_cells: str = "", dimension: str | None = None
) -> Path:
    """Write ``frame`` as a one-sheet workbook the way Excel does (shared strings, cell references).

    Much faster than openpyxl for millions of cells; ``extra_cells`` is raw XML appended after the
    last row (used for the hostile far-away cell).
    """
    strings: dict[str, int] = {}
    cols = list(frame.columns)
    letters = [_col(j + 1) for j in range(len(cols))]
    header_cells = []
    for j, h in enumerate(cols):
        idx = strings.setdefault(h, len(strings))
        header_cells.append(f'<c r="{letters[j]}1" t="s"><v>{idx}</v></c>')
    # per column: cell XML without the row number, computed on unique values
    col_parts: list[np.ndarray] = []
    for j, c in enumerate(cols):
        values = frame[c].to_numpy(dtype=object)
        codes, uniques = pd.factorize(values)
        pieces = []
        for u in uniques:
            if isinstance(u, str):
                idx = strings.setdefault(u, len(strings))
                pieces.append(('t="s"', str(idx)))
            else:
                x = float(u)
                pieces.append(("", str(int(x)) if x.is_integer() else repr(x)))
        col_parts.append(
            np.array([f'{letters[j]}{{r}}"{(" " + a) if a else ""}><v>{v}</v></c>' for a, v in pieces], dtype=object)[
                codes
            ]
        )
    n = len(frame)
    out = [_SHEET_HEAD.format(dim=dimension or f"A1:{letters[-1]}{n + 1}"), '<row r="1">', *header_cells, "</row>"]
    for i in range(n):
        r = str(i + 2)
        out.append(
            f'<row r="{r}">'
            + "".join('<c r="' + part.replace("{r}", r) for part in (cp[i] for cp in col_parts))
            + "</row>"
        )
    out.append(extra_cells)
    out.append(_SHEET_TAIL)
    ss = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
    ]
    ss.extend(f"<si><t>{escape(s)}</t></si>" for s in strings)
    ss.append("</sst>")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet)))
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("xl/sharedStrings.xml", "".join(ss))
        z.writestr("xl/worksheets/sheet1.xml", "".join(out))
    tmp.replace(path)
    return path


def build_wide(rows: int) -> tuple[Path, Path]:
    """Write (or reuse) the wide sheet of ``rows`` rows x 40 columns as .xlsx and .csv."""
    xlsx, csv = DATA / f"wide_{rows}.xlsx", DATA / f"wide_{rows}.csv"
    if not (xlsx.exists() and csv.exists()):
        frame = wide_frame(rows)
        write_xlsx(frame, xlsx)
        frame.to_csv(csv, index=False, encoding="utf-8")
    return xlsx, csv


def build_far_cell() -> tuple[Path, Path]:
    """The hostile workbooks: a cell at XFD1048576, declared, and hidden behind a lying dimension."""
    declared, lying = DATA / "far_cell.xlsx", DATA / "far_cell_lying.xlsx"
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    if not declared.exists():
        write_xlsx(wide_frame(10), declared, extra_cells=far, dimension="A1:XFD1048576")
    if not lying.exists():
        write_xlsx(wide_frame(20_000), lying, extra_cells=far, dimension="A1:B2")
    return declared, lying


if __name__ == "__main__":
    t, p, k = (int(a) for a in sys.argv[1:4])
    print(build_study(t, p, k))
    print(build_folder(t, p, k))
