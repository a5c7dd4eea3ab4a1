"""Build a corpus of hostile study folders, as anyone could send them (a zip file, a shared drive).

    python tests/security/make_hostile.py OUTDIR     # writes the corpus into OUTDIR

The tests in this folder build it in a temporary folder (it holds links, which a repository and a
zip do not keep well). Layout of OUTDIR:

``outside/``      the officer's own files, next to the studies: an HR export with names, a secret,
                  a key file, and ``sentinel/``, a folder a hostile study tries to reach. No study
                  may read, write or delete anything here.
``<case>/``       one study folder per case (what the officer opens), described in :data:`CASES`.

Every case says what must happen: the exit code of ``tip-eval validate`` (2: refused with one
message; 0 or 1: read normally) and a word the message must contain. The bombs (:data:`BOMBS`)
are small files that expand to gigabytes in memory; the tests open them under a memory limit.
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _corpus_helpers():
    """tests/io/make_corpus.py: zip packing, a minimal workbook, sheet and OpenDocument XML."""
    spec = importlib.util.spec_from_file_location("make_corpus", HERE.parent / "io" / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mc = _corpus_helpers()


@dataclass(frozen=True)
class Case:
    """A hostile study: the exit code ``tip-eval validate`` must give, and a word its message must contain."""

    name: str
    code: int
    says: str
    why: str


# ------------------------------------------------------------------------------ the officer's files

HR_ROWS = "Full Name,Sector,Salary\nSomchai Jaidee,ngo,52000\nSiti Rahmah,ngo,48000\n"
SECRET = "officer's private notes: do not publish\n"


def outside(root: Path) -> Path:
    """The officer's other files, next to the study folders."""
    out = (root / "outside").resolve()
    (out / "sentinel").mkdir(parents=True, exist_ok=True)
    (out / "hr.csv").write_text(HR_ROWS, encoding="utf-8")
    (out / "secret.txt").write_text(SECRET, encoding="utf-8")
    (out / "sentinel" / "keep.txt").write_text("must stay\n", encoding="utf-8")
    (out / "id_ed25519").write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE\n"
        "-----END OPENSSH PRIVATE KEY-----\n",
        encoding="utf-8",
    )
    return out


def _study(folder: Path, toml: str, files: dict[str, str | bytes] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "study.toml").write_bytes(toml.encode("utf-8") if isinstance(toml, str) else toml)
    for name, data in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return folder


def _source(file: str, layout: str = "wide", extra: str = "") -> str:
    return f'[[sources]]\nfile = {file}\nlayout = "{layout}"\n{extra}'


TRAINING = '[sources.training]\ntraining_id = "IDN-DPS-2023"\n'
ROSTER_CSV = "Participant ID,Sector,pre_Score,post_Score\nP1,ngo,10,12\nP2,ngo,11,13\n"


# --------------------------------------------------------------------------- containment


def containment(root: Path) -> list[Case]:
    """Paths that lead out of the study folder: absolute, '..', Windows-style, links, the key file."""
    out = outside(root)
    cases: list[Case] = []

    def add(name: str, file: str, why: str, says: str = "study folder", files=None, extra: str = "") -> None:
        _study(root / name, '[study]\nname = "x"\n\n' + _source(file, extra=extra), files)
        cases.append(Case(name, 2, says, why))

    add("absolute", f'"{(out / "hr.csv").as_posix()}"', "an absolute path to the officer's HR export", "absolute")
    add("dotdot", '"../outside/hr.csv"', "a '..' path to the officer's HR export", "'..'")
    add("dotdot_deep", '"data/../../outside/hr.csv"', "a '..' path that goes down then up and out", "'..'")
    add("windows_dotdot", r'"..\\outside\\hr.csv"', "a Windows-style '..' path", "'..'")
    add("windows_drive", r'"C:\\Users\\officer\\hr.csv"', "a Windows drive path", "absolute")
    add("windows_drive_relative", '"C:hr.csv"', "a Windows drive-relative path", "absolute")
    add("windows_unc", r'"\\\\fileserver\\hr\\hr.csv"', "a Windows network path", "absolute")
    add("home", '"~/hr.csv"', "a path in the officer's home folder", "absolute")
    add(
        "documents_outside",
        '"codes.csv"',
        "documents naming a file outside the folder",
        "'..'",
        files={"codes.csv": "id,document,tag,content\n1,a.docx,X,y\n"},
        extra='documents = "../outside/hr.csv"\n',
    )
    add(
        "documents_absolute",
        '"codes.csv"',
        "documents naming an absolute file",
        "absolute",
        files={"codes.csv": "id,document,tag,content\n1,a.docx,X,y\n"},
        extra=f'documents = "{(out / "hr.csv").as_posix()}"\n',
    )
    if hasattr(os, "symlink"):
        add("symlink_file", '"roster.csv"', "a file that is a link to the officer's HR export", "link")
        os.symlink(out / "hr.csv", root / "symlink_file" / "roster.csv")
        add("symlink_folder", '"data/hr.csv"', "a folder that is a link out of the study", "link")
        os.symlink(out, root / "symlink_folder" / "data", target_is_directory=True)
        add("symlink_relative", '"roster.csv"', "a relative link up and out", "link")
        os.symlink("../outside/hr.csv", root / "symlink_relative" / "roster.csv")
        add("symlink_loop", '"loop.csv"', "a loop of links", "link")
        os.symlink("loop.csv", root / "symlink_loop" / "loop.csv")
        add(
            "documents_symlink",
            '"codes.csv"',
            "documents naming a link out of the folder",
            "link",
            files={"codes.csv": "id,document,tag,content\n1,a.docx,X,y\n"},
            extra='documents = "docs.csv"\n',
        )
        os.symlink(out / "hr.csv", root / "documents_symlink" / "docs.csv")
        folder = root / "symlink_toml"
        folder.mkdir()
        (out / "study.toml").write_text('[study]\nname = "x"\n\n' + _source('"hr.csv"'), encoding="utf-8")
        os.symlink(out / "study.toml", folder / "study.toml")
        cases.append(Case("symlink_toml", 2, "link", "study.toml itself a link to the officer's files"))
    if hasattr(os, "mkfifo"):
        add("fifo", '"pipe.csv"', "a named pipe, which would block any reader", "not a file")
        os.mkfifo(root / "fifo" / "pipe.csv")
    # the pseudonym key must be a secret kept outside the folder
    names = "Name,Sector,pre_Score,post_Score\nSomchai Jaidee,ngo,10,12\n"
    for name, key, says in (
        ("key_is_study_toml", '"study.toml"', "inside the study folder"),
        ("key_inside", '"key.txt"', "inside the study folder"),
        ("key_device", '"/dev/zero"', "plain file"),
        ("key_short", '"../outside/short.key"', "too short"),
        ("key_other_file", '"../outside/id_ed25519"', "does not hold a key"),
    ):
        _study(
            root / name,
            f'[study]\nname = "x"\nhash_key_file = {key}\n\n'
            + _source('"names.csv"', extra='name_column = "Name"\n' + TRAINING),
            {"names.csv": names, "key.txt": "k" * 64},
        )
        cases.append(Case(name, 2, says, f"hash_key_file = {key}"))
    (out / "short.key").write_text("too-short-key\n", encoding="utf-8")
    return cases


# ------------------------------------------------------------------------------- settings

BAD_SETTINGS: dict[str, tuple[bytes | str, str]] = {
    # name: (study.toml, a word the message must contain)
    "invalid_utf8": (b'[study]\nname = "caf\xe9"\n', "UTF-8"),
    "not_toml": ('[study\nname = "x"\n', "TOML"),
    "layout_list": ('[[sources]]\nfile = "a.csv"\nlayout = ["wide"]\n', "layout"),
    "layout_unknown": ('[[sources]]\nfile = "a.csv"\nlayout = "wider"\n', "layout"),
    "file_number": ('[[sources]]\nfile = 5\nlayout = "wide"\n', "file"),
    "file_empty": ('[[sources]]\nfile = ""\nlayout = "wide"\n', "file"),
    "file_missing": ('[[sources]]\nlayout = "wide"\n', "file"),
    "sources_numbers": ("sources = [1]\n", "source number 1"),
    "sources_text": ('sources = "a.csv"\n', "sources"),
    "no_sources": ('[study]\nname = "x"\n', "sources"),
    "study_text": ('study = "x"\n', "[study]"),
    "header_rows_3": ('[[sources]]\nfile = "a.csv"\nlayout = "wide"\nheader_rows = 3\n', "header_rows"),
    "header_rows_text": ('[[sources]]\nfile = "a.csv"\nlayout = "wide"\nheader_rows = "two"\n', "header_rows"),
    "columns_text": ('[[sources]]\nfile = "a.csv"\nlayout = "wide"\ncolumns = "x"\n', "columns"),
    "columns_nested": ('[[sources]]\nfile = "a.csv"\nlayout = "wide"\ncolumns = { a = { b = 1 } }\n', "columns"),
    "name_match_text": ('[study]\nname_match = "high"\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n', "name_match"),
    "name_match_range": ('[study]\nname_match = 900\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n', "name_match"),
    "min_cell_0": ('[study]\nmin_cell = 0\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n', "min_cell"),
    "min_cell_true": ('[study]\nmin_cell = true\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n', "min_cell"),
    "min_cell_float": ('[study]\nmin_cell = 2.5\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n', "min_cell"),
    "unknown_key": ('[study]\nmincell = 5\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n', "mincell"),
    "unknown_section": ('[cache]\nfolder = "/tmp"\n', "cache"),
    "thousands_odd": ('[study]\nthousands = "x"\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n', "thousands"),
    "sheet_list": ('[[sources]]\nfile = "a.csv"\nlayout = "wide"\nsheet = ["a"]\n', "sheet"),
    "max_score_negative": ('[[sources]]\nfile = "a.csv"\nlayout = "wide"\nmax_score = -1\n', "max_score"),
    "roster_text": ('[[sources]]\nfile = "a.csv"\nlayout = "wide"\nroster = "yes"\n', "roster"),
    "hash_key_env_odd": (
        '[study]\nhash_key_env = "A B;rm"\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n',
        "hash_key_env",
    ),
    "hash_key_env_other_secret": (
        ('[study]\nhash_key_env = "AWS_SECRET_ACCESS_KEY"\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n'),
        "TIP_EVAL_",
    ),
    "limits_above_ceiling": (
        '[limits]\nmax_cells = 100000000000\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n',
        "max_cells",
    ),
    "limits_text": ('[limits]\nmax_rows = "many"\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n', "max_rows"),
    "limits_unknown": (
        '[limits]\nmax_everything = 1\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n',
        "max_everything",
    ),
    "limits_not_table": ('limits = 5\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n', "limits"),
    "toml_deep": ("a = " + "[" * 50_000 + "]" * 50_000 + "\n", "TOML"),
    "toml_huge": ("# " + "x" * (2 * 1024 * 1024) + "\n", "bytes"),
}


def settings(root: Path) -> list[Case]:
    """Every bad setting of the issue, and more: each must be refused with a message naming the key."""
    cases = []
    for name, (toml, says) in BAD_SETTINGS.items():
        _study(root / name, toml, {"a.csv": ROSTER_CSV})
        cases.append(Case(name, 2, says, "a bad setting"))
    return cases


# ---------------------------------------------------------------------------------- bombs


def sst_bomb(cells: int = 12_000, length: int = 400_000) -> bytes:
    """An .xlsx of a few dozen KB whose cells all name one long shared string (gigabytes once read)."""
    members = mc.workbook_members(mc.simple_workbook())
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{mc.MAIN_NS}" count="{cells}" uniqueCount="2">'
        f"<si><t>Participant ID</t></si><si><t>{'A' * length}</t></si></sst>"
    ).encode()
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>1</v></c></row>' for r in range(2, cells + 2)
    )
    members = mc.replace_member(members, "xl/worksheets/sheet1.xml", mc.sheet_xml(rows))
    return mc.pack(members + [("xl/sharedStrings.xml", sst)])


def sst_rich_bomb() -> bytes:
    """The same with a string under the one-cell limit (30,000 characters in rich-text runs) named by 40,000 cells."""
    members = mc.workbook_members(mc.simple_workbook())
    runs = "".join(f"<r><t>{'B' * 3000}</t></r>" for _ in range(10))
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<x:sst xmlns:x="{mc.MAIN_NS}" uniqueCount="2">'
        f"<x:si><x:t>Participant ID</x:t></x:si><x:si>{runs.replace('<r>', '<x:r>').replace('</r>', '</x:r>').replace('<t>', '<x:t>').replace('</t>', '</x:t>')}</x:si></x:sst>"
    ).encode()
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + "".join(
        f'<row r="{r}"><c r="A{r}" t=\'s\'><v>1</v></c></row>' for r in range(2, 40_002)
    )
    members = mc.replace_member(members, "xl/worksheets/sheet1.xml", mc.sheet_xml(rows))
    return mc.pack(members + [("xl/sharedStrings.xml", sst)])


def sst_count_bomb() -> bytes:
    """A shared-string table that declares a trillion strings (the reader reserves memory for them)."""
    members = mc.workbook_members(mc.simple_workbook())
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{mc.MAIN_NS}" count="1000000000000" '
        'uniqueCount="1000000000000"><si><t>Participant ID</t></si></sst>'
    ).encode()
    return mc.pack(members + [("xl/sharedStrings.xml", sst)])


def _ods_table(rows: str) -> bytes:
    return mc._ods(
        '<table:table table:name="Scores">' + mc._ods_row("Participant ID", "Score") + rows + "</table:table>"
    )


def ods_space_bomb(runs: int = 2000, count: int = 99_999) -> bytes:
    """An OpenDocument file of about a kilobyte whose one cell holds runs of 99,999 spaces."""
    cell = (
        '<table:table-cell office:value-type="string"><text:p>'
        + f'<text:s text:c="{count}"/>' * runs
        + "</text:p></table:table-cell>"
    )
    return _ods_table(f"<table:table-row>{cell}</table:table-row>")


# The OpenDocument bombs stay within the limits of rows, columns and cells (400 columns, 20,000 rows):
# only the text they expand to gives them away.


def ods_repeat_text_bomb() -> bytes:
    """Cells just under the one-cell limit (30,000 spaces), repeated over 400 columns and 20,000 rows."""
    cell = (
        '<table:table-cell office:value-type="string" table:number-columns-repeated="400"><text:p>'
        + '<text:s text:c="10000"/>' * 3
        + "</text:p></table:table-cell>"
    )
    return _ods_table(f'<table:table-row table:number-rows-repeated="20000">{cell}</table:table-row>')


def ods_rows_bomb() -> bytes:
    """One row of text (20,000 characters) repeated 100,000 times down the sheet."""
    cell = '<table:table-cell office:value-type="string"><text:p>' + "x" * 20_000 + "</text:p></table:table-cell>"
    return _ods_table(f'<table:table-row table:number-rows-repeated="100000">{cell}</table:table-row>')


def ods_paragraph_bomb() -> bytes:
    """Empty paragraphs (each becomes a line break) in cells repeated over 400 columns and 20,000 rows."""
    cell = (
        '<table:table-cell office:value-type="string" table:number-columns-repeated="400">'
        + "<text:p/>" * 30_000
        + "</table:table-cell>"
    )
    return _ods_table(f'<table:table-row table:number-rows-repeated="20000">{cell}</table:table-row>')


def ods_attribute_bomb() -> bytes:
    """A long string value in an attribute (the reader copies it for every repeat)."""
    cell = (
        f'<table:table-cell office:value-type="string" office:string-value="{"y" * 30_000}" '
        'table:number-columns-repeated="400"/>'
    )
    return _ods_table(f'<table:table-row table:number-rows-repeated="20000">{cell}</table:table-row>')


def sst_comment_bomb() -> bytes:
    """A string in an XML comment, which the reader skips: a scan that counted it would number the
    strings one off, and take the long string the cells name for a short one."""
    members = mc.workbook_members(mc.simple_workbook())
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{mc.MAIN_NS}" uniqueCount="3">'
        f"<!--<si><t>x</t></si>--><si><t>Participant ID</t></si><si><t>{'D' * 30_000}</t></si></sst>"
    ).encode()
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>1</v></c></row>' for r in range(2, 40_002)
    )
    members = mc.replace_member(members, "xl/worksheets/sheet1.xml", mc.sheet_xml(rows))
    return mc.pack(members + [("xl/sharedStrings.xml", sst)])


def ods_comment_bomb() -> bytes:
    """A row end inside an XML comment, which the reader skips: a scan that read it would not
    multiply the long cell after it by the row's 100,000 repeats."""
    cell = '<table:table-cell office:value-type="string"><text:p>' + "x" * 20_000 + "</text:p></table:table-cell>"
    return _ods_table(
        '<table:table-row table:number-rows-repeated="100000">'
        f"<!-- </table:table-row><table:table-row> -->{cell}</table:table-row>"
    )


def inline_long_cell() -> bytes:
    """One cell holding more text than Excel can (100,000 characters, written in the cell itself)."""
    members = mc.workbook_members(mc.simple_workbook())
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Participant ID</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{"C" * 100_000}</t></is></c></row>'
    )
    return mc.pack(mc.replace_member(members, "xl/worksheets/sheet1.xml", mc.sheet_xml(rows)))


BOMBS = {
    "sst_bomb.xlsx": sst_bomb,
    "sst_rich_bomb.xlsx": sst_rich_bomb,
    "sst_count_bomb.xlsx": sst_count_bomb,
    "ods_space_bomb.ods": ods_space_bomb,
    "ods_repeat_text_bomb.ods": ods_repeat_text_bomb,
    "ods_rows_bomb.ods": ods_rows_bomb,
    "ods_paragraph_bomb.ods": ods_paragraph_bomb,
    "ods_attribute_bomb.ods": ods_attribute_bomb,
    "inline_long_cell.xlsx": inline_long_cell,
    "sst_comment_bomb.xlsx": sst_comment_bomb,
    "ods_comment_bomb.ods": ods_comment_bomb,
}


def bombs(root: Path) -> list[Case]:
    """One study per bomb, reading it as a partner's sheet."""
    cases = []
    for file, make in BOMBS.items():
        name = "bomb_" + file.replace(".", "_")
        _study(root / name, '[study]\nname = "x"\n\n' + _source(f'"{file}"', extra=TRAINING), {file: make()})
        says = "crafted" if "count" in file else "comments" if "comment" in file else "limit"
        cases.append(Case(name, 2, says, make.__doc__ or ""))
    return cases


# ------------------------------------------------------------------------- hostile content

#: written into a valid study: markup, a link, characters XML forbids, a formula
LINK = '<a href="http://evil.example/x">Chiang Mai</a>'
PROVINCE = LINK + "\ufffe"
ORGANISATION = 'Org<img src="http://evil.example/p.png">\ufffe\uffff</script><script>alert(1)</script>'
ROLE = '=HYPERLINK("http://evil.example","x")'
SECTOR = "Pirates\uffff"


def _replace_text(path: Path, placeholder: str, value: str) -> None:
    """Put ``value`` (which openpyxl would refuse or write as invalid XML) in place of ``placeholder``."""
    data = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    with zipfile.ZipFile(data) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            member = zin.read(info.filename)
            if info.filename.endswith(".xml"):
                member = member.replace(placeholder.encode(), escaped.encode("utf-8"))
            zout.writestr(info, member)
    path.write_bytes(out.getvalue())


def content(root: Path, base: Path) -> Path:
    """A valid study (copied from ``base``) whose first training carries hostile text everywhere it can.

    Its province is a link, its participants' organisation an image, a script and U+FFFE/U+FFFF,
    a role a formula, one sector unknown (so problems.xlsx quotes it); ``.tip_eval_cache`` is a
    link to the officer's ``outside/sentinel`` folder (as unpacked from a zip).
    """
    import openpyxl

    folder = root / "content"
    shutil.copytree(base, folder, ignore=shutil.ignore_patterns(".tip_eval_cache"))
    book = min((folder / "trainings").glob("*.xlsx"))
    wb = openpyxl.load_workbook(book)
    wb["Training"]["C2"] = "PROVINCE_PLACEHOLDER"
    ws = wb["Participants"]
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=3).value = "ORGANISATION_PLACEHOLDER"
    ws["D2"] = "ROLE_PLACEHOLDER"
    ws["B3"] = "SECTOR_PLACEHOLDER"
    wb.save(book)
    for placeholder, value in (
        ("PROVINCE_PLACEHOLDER", PROVINCE),
        ("ORGANISATION_PLACEHOLDER", ORGANISATION),
        ("ROLE_PLACEHOLDER", ROLE),
        ("SECTOR_PLACEHOLDER", SECTOR),
    ):
        _replace_text(book, placeholder, value)
    sentinel = outside(root) / "sentinel"
    if hasattr(os, "symlink"):
        os.symlink(sentinel, folder / ".tip_eval_cache", target_is_directory=True)
    return folder


def build(root: Path) -> list[Case]:
    """Write every case but the hostile content (which needs a valid study to start from)."""
    root.mkdir(parents=True, exist_ok=True)
    return containment(root) + settings(root) + bombs(root)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("hostile")
    for case in build(target):
        print(f"{case.name:28} exit {case.code}  {case.why}")
