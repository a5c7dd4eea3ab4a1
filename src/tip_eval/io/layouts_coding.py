"""Layouts of follow-up interview coding: codebook lists, 0/1 code matrices, Taguette and QualCoder exports.

The project's own follow-up workbook (layout ``followup``: Codebook, Interviews, Codes) is read by
:mod:`tip_eval.io.layouts`. The layouts here read what partners export from other tools. Every
coding becomes rows of ``followup_codes`` (interview x coder x code, ``present``); a tool that lists
only the codes applied (Taguette, QualCoder) gives ``present = True`` rows, and a code without a row
for a coder who coded the interview counts as not applied (see :mod:`tip_eval.analysis.followup`).
Several highlights of one code in one interview by one coder are one coding (the first row is its
location). Codes may be written by their code ID or their label in the codebook; unknown codes,
interviews not in the interview list and interviewees not on any roster are located problems.

Excerpts (the quoted text of a highlight) never enter a canonical table, a problem or any output.
They are dropped at ingest unless cleared for publication: ``cleared_for_publication = true`` for a
whole source, or a column ``Cleared for publication`` (yes/1 per row). Cleared excerpts are kept
apart, in ``Loaded.excerpts`` (interview, coder, code, text, location), for a report to quote.

Layouts and their study.toml options:

``codebook``     a workbook with the ``Codebook`` sheet (and optionally ``Interviews``), for studies
                 whose codings come from a tool export.
``code_matrix``  one row per interview (and coder), one column per code holding 1/0 (yes/no, x; an
                 empty cell is 0). Columns: ``Interview ID`` (or a document name with
                 ``documents``), ``Coder`` (or ``coder = "..."``); every other column is a code
                 (its code ID or label). ``sheet`` picks the sheet.
``taguette``     Taguette's highlights export (CSV or xlsx): ``id, document, tag, content``.
                 ``coder = "..."`` (Taguette does not export who highlighted; default
                 ``"taguette"``), ``documents`` (below), ``codes = {"tag" = "CODE_ID"}`` for tags
                 that are neither a code ID nor a label. Highlights without a tag are ignored (one
                 warning).
``qualcoder``    QualCoder's coding report exported as CSV or xlsx (Reports > Coding reports >
                 export): ``File`` (or ``Case`` and ``Filename``), ``Coder``, ``Coded``, ``Id``,
                 ``Codename``, ``Coded_Memo``, ``Category`` (repeated), ``FileVar_*``,
                 ``CaseVar_*``. The interview is the case when there is a Case column, else the file.
                 Memos, categories and variables are ignored. ``documents`` and ``codes`` as for
                 Taguette.

``documents`` maps a document (file name as in the tool) to its interview: an inline table
``documents = {"interview 12.docx" = "INT-0012"}``, or the name of a sheet of the same workbook or of
a CSV/xlsx file (relative to study.toml) with the columns ``Document`` and ``Interview ID`` and,
optionally, ``Participant ID``, ``Interview date`` and ``Coders``: with the first two of those the
table is also the interview list (coders default to those found in the codings). A document that
``documents`` does not map (or every document, without ``documents``) gets a neutral interview ID:
transcripts are often named after the person interviewed, and that name must not become an ID that
problems, files and tables repeat, nor be checkable by guessing (an unkeyed hash of a name is: hash
the guess and compare). So (:func:`document_ids`):

- when the study has a pseudonym key (``hash_key_file``, or the environment variable of
  ``hash_key_env``, as for linking by name), ``DOC-`` and 10 hex digits of a keyed hash
  (HMAC-SHA256) of the name without extension, case and spacing ignored: the same document gets
  the same ID in every export and every later load with the same key, and without the key a guessed
  name cannot be checked;
- without a key, ``DOC-001``, ``DOC-002``, ... in the order of those names: the same for the same
  set of documents, and telling nothing of a name (a document added or removed may renumber the
  others; configure a key for IDs that never change).

The same document gets the same ID in every export of the study.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tip_eval.i18n import _, ngettext
from tip_eval.io.coerce import _is_blank
from tip_eval.io.columns import TEMPLATE_HEADER, map_headers, template_header
from tip_eval.io.layouts import (
    INTERVIEW_COLUMNS,
    LayoutContext,
    Mapped,
    _extra_columns,
    codebook_and_interviews,
    read_sheet,
    register,
)
from tip_eval.io.sources import SourceConfig
from tip_eval.vocab import label_key

_DOC_EXTENSIONS = {
    ".txt",
    ".docx",
    ".doc",
    ".odt",
    ".pdf",
    ".rtf",
    ".md",
    ".html",
    ".htm",
    ".epub",
    ".mp3",
    ".mp4",
    ".wav",
    ".m4a",
    ".jpg",
    ".jpeg",
    ".png",
}

# headers of the tools' exports (matched ignoring case, spaces, '_' and '-'), beyond columns.py
_DOCUMENT = ("document", "File", "Filename", "File name", "file_or_casename", "Transcript", "Source")
_CASE = ("Case", "Case name", "Casename")
_EXCERPT = ("content", "Coded", "Coded text", "Text", "seltext", "Excerpt", "Quote", "Highlight")
_TAG = ("tag", "Codename", "Code name", "Code", "Code ID")
_CODER = ("Coder", "Owner", "Coded by")
_CLEARED = ("cleared_for_publication", "Cleared for publication", "Cleared", "Publish", "Can be published")
_IGNORED_EXPORT = ("id", "Id", "Coded_Memo", "Coded memo", "Memo", "Category", "color", "pos0", "pos1")


def _find(
    headers: list[str], names: tuple[str, ...], extra: dict[str, str] | None = None, target: str = ""
) -> str | None:
    wanted = {label_key(n) for n in names}
    for h, col in (extra or {}).items():
        if col == target:
            wanted.add(label_key(h))
    return next((h for h in headers if label_key(h) in wanted), None)


def _read_quiet(source: SourceConfig, sheet: Any, ctx: LayoutContext):
    """read_sheet, without the duplicate-header problems of QualCoder's repeated ``Category`` and
    ``FileVar_``/``CaseVar_`` columns (they are not read).
    """
    before = len(ctx.problems)
    raw = read_sheet(source, sheet, ctx)
    kept = []
    for p in ctx.problems[before:]:
        col = str(p.column or "")
        if "same header" in p.problem and label_key(col).startswith(("category", "filevar", "casevar")):
            continue
        kept.append(p)
    del ctx.problems[before:]
    ctx.problems.extend(kept)
    return raw


def _provenance(raw, source: SourceConfig, idx: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"_file": source.name, "_sheet": raw.sheet, "_row": pd.array(raw.excel_rows.to_numpy()[idx], dtype="Int64")},
        index=range(len(idx)),
    )


def _stem(name: str) -> str:
    p = Path(name.strip())
    return p.stem if p.suffix.lower() in _DOC_EXTENSIONS else name.strip()


def document_key(name: str) -> str:
    """The name a document is known by: without its extension, case and spacing ignored."""
    return label_key(_stem(name))


def document_ids(names: Iterable[str], key: bytes | None = None) -> dict[str, str]:
    """The neutral interview IDs of documents no documents table maps: name -> ID (see the module docstring).

    ``names`` are :func:`document_key` names; ``key`` the study's pseudonym key, or None.
    """
    names = sorted(set(names))
    if key:
        return {
            n: "DOC-"
            + hmac.new(key, b"tip_eval document\x1f" + n.encode("utf-8"), hashlib.sha256).hexdigest()[:10].upper()
            for n in names
        }
    width = max(3, len(str(len(names))))
    return {n: f"DOC-{i:0{width}d}" for i, n in enumerate(names, start=1)}


_PENDING = re.compile(r"DOC-pending-(\d+)(?!\d)")


def _pending_id(ctx: LayoutContext, doc: str) -> str:
    """The placeholder ID of an unmapped document until every source is read (finish_documents)."""
    return ctx.documents.setdefault(document_key(doc), f"DOC-pending-{len(ctx.documents) + 1}")


def finish_documents(mapped: list[Mapped], ctx: LayoutContext, root: Path) -> list[Mapped]:
    """Give every unmapped document its neutral interview ID, once all sources are read (in place; returns ``mapped``).

    The placeholders the layouts wrote are replaced in every table and problem. The study's
    pseudonym key is used when one is configured (:func:`tip_eval.io.linking.configured_key`).
    """
    if not ctx.documents:
        return mapped
    from dataclasses import replace

    from tip_eval.io.linking import configured_key

    final = document_ids(ctx.documents, configured_key(ctx.settings, root))
    by_pending = {pending: final[name] for name, pending in ctx.documents.items()}

    def swap(v: Any) -> Any:
        return _PENDING.sub(lambda m: by_pending.get(m.group(0), m.group(0)), v) if isinstance(v, str) else v

    for m in mapped:
        if "interview_id" in m.frame.columns:
            m.frame["interview_id"] = m.frame["interview_id"].map(swap)
    ctx.problems[:] = [
        replace(p, value=swap(p.value), problem=swap(p.problem), fix=swap(p.fix))
        if any(isinstance(v, str) and "DOC-pending-" in v for v in (p.value, p.problem, p.fix))
        else p
        for p in ctx.problems
    ]
    return mapped


# ------------------------------------------------------------------------------------ documents


class _Documents:
    """Document -> interview, from the ``documents`` option; and the interview list it may hold."""

    def __init__(self, source: SourceConfig, ctx: LayoutContext, root: Path | None) -> None:
        self.ctx = ctx
        self.map: dict[str, Any] | None = None
        self.interviews: Mapped | None = None
        self.header = "documents (study.toml)"
        spec = source.get("documents")
        if spec is None:
            return
        if isinstance(spec, dict):
            self.map = {label_key(k): v for k, v in spec.items()}
            return
        raw, src = self._table(str(spec), source, ctx, root)
        if raw is None:
            self.map = {}
            return
        headers = [str(c) for c in raw.columns]
        doc_h = _find(headers, _DOCUMENT + _CASE, _extra_columns(source), "document")
        mapping = map_headers(headers, INTERVIEW_COLUMNS, _extra_columns(source))
        if doc_h is None or "interview_id" not in mapping:
            missing = "Document" if doc_h is None else TEMPLATE_HEADER["interview_id"]
            ctx.problem(
                src.name,
                raw.sheet,
                raw.header_row,
                missing,
                None,
                _("the documents table has no column '{header}'").format(header=missing),
                _("The documents table needs the columns Document and Interview ID."),
            )
            self.map = {}
            return
        self.header = doc_h
        docs = raw.values(doc_h)
        ivs = raw.values(mapping["interview_id"])
        self.map = {}
        for d, i in zip(docs, ivs):
            if isinstance(d, str) and d.strip():
                self.map.setdefault(label_key(d), i)
                self.map.setdefault(label_key(_stem(d)), i)
        if {"participant_id", "interview_date"} <= set(mapping):
            frame = pd.DataFrame({c: raw.values(mapping[c]) if c in mapping else None for c in INTERVIEW_COLUMNS})
            prov = _provenance(raw, src, np.arange(len(raw.excel_rows)))
            frame = pd.concat([frame, prov], axis=1)
            self.interviews = Mapped("interviews", frame, src.name, raw.sheet, dict(mapping))

    @staticmethod
    def _table(spec: str, source: SourceConfig, ctx: LayoutContext, root: Path | None):
        from tip_eval.io.read import list_sheets

        base = root if root is not None else source.file.parent
        path = base / spec
        if path.suffix.lower() in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".ods") and path.exists():
            src = SourceConfig(file=path, layout="documents", name=spec, options={})
            return read_sheet(src, None, ctx), src
        if source.file.suffix.lower() not in (".csv", ".txt", ".tsv"):
            names = [s.name for s in list_sheets(source.file)]
            if spec in names:
                return read_sheet(source, spec, ctx), source
        ctx.problem(
            "study.toml",
            None,
            None,
            "documents",
            spec,
            _(
                "documents of source {source} names '{name}', which is neither a file next to study.toml "
                "nor a sheet of the workbook"
            ).format(source=source.name, name=spec),
            _("Give the file name (relative to study.toml) or the sheet name of the documents table."),
        )
        return None, None

    def interview(self, doc: Any) -> tuple[Any, bool]:
        """(interview ID, found in the documents table)."""
        if not isinstance(doc, str) or not doc.strip():
            return None, False
        if self.map is None:
            return _pending_id(self.ctx, doc), True
        hit = self.map.get(label_key(doc))
        if hit is None:
            hit = self.map.get(label_key(_stem(doc)))
        return (hit, True) if hit is not None else (_pending_id(self.ctx, doc), False)


def _root(source: SourceConfig, ctx: LayoutContext) -> Path | None:
    """The folder of study.toml (source names are relative to it)."""
    depth = len(Path(source.name).parts)
    parents = Path(source.file).parents
    return parents[depth - 1] if 0 < depth <= len(parents) else None


# ------------------------------------------------------------------------------------ codings


def _codings(
    source: SourceConfig,
    ctx: LayoutContext,
    raw,
    *,
    doc_h: str,
    tag_h: str,
    coder_h: str | None,
    excerpt_h: str | None,
    what: str,
) -> list[Mapped]:
    """Rows of a tool export (one per highlight) -> followup_codes (+ interviews, cleared excerpts)."""
    out: list[Mapped] = []
    docs = _Documents(source, ctx, _root(source, ctx))
    if docs.interviews is not None:
        out.append(docs.interviews)
    n = len(raw.excel_rows)
    doc = raw.values(doc_h)
    tag = raw.values(tag_h)
    default_coder = source.get("coder", "taguette" if what == "Taguette" else None)
    coder = raw.values(coder_h) if coder_h else np.full(n, default_coder, dtype=object)
    if coder_h is None and default_coder is None:
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            "Coder",
            None,
            _("the export has no Coder column"),
            _('Add coder = "..." to this source in study.toml.'),
        )
        return out
    if coder_h is not None and source.get("coder") is not None:
        blank = np.array([not (isinstance(c, str) and c.strip()) for c in coder])
        coder = np.where(blank, source.get("coder"), coder)
    codes_map = {label_key(k): v for k, v in (source.get("codes") or {}).items()}
    rows = raw.excel_rows.to_numpy()
    interview = np.empty(n, dtype=object)
    untagged: list[int] = []
    for i in range(n):
        iv, found = docs.interview(doc[i])
        interview[i] = iv
        if not found:
            # the document's name is not repeated: it may be the name of the person interviewed
            ctx.problem(
                source.name,
                raw.sheet,
                int(rows[i]),
                doc_h,
                None,
                _("the document in this cell is not in the documents list: the neutral ID {id} stands for it").format(
                    id=iv
                ),
                _("Add the document and its interview ID to the documents table (documents in study.toml)."),
                "warning",
            )
        if _is_blank(tag[i]):
            untagged.append(i)
    tag = np.array([codes_map.get(label_key(t), t) if isinstance(t, str) else t for t in tag], dtype=object)
    ok = np.ones(n, dtype=bool)
    ok[untagged] = False
    if untagged:
        ctx.problem(
            source.name,
            raw.sheet,
            int(rows[untagged[0]]),
            tag_h,
            None,
            ngettext(
                "{n} highlight has no {column} and was ignored",
                "{n} highlights have no {column} and were ignored",
                len(untagged),
            ).format(n=len(untagged), column=tag_h),
            _("Tag them in the tool and export again."),
            "warning",
        )
    no_doc = np.array([interview[i] is None for i in range(n)])
    ok &= ~no_doc  # a highlight without a document: reported by the schema as a missing interview_id below
    # one coding per interview, coder and code: the first highlight is its location
    key = pd.DataFrame(
        {
            "i": [label_key(v) if isinstance(v, str) else v for v in interview],
            "c": [label_key(v) if isinstance(v, str) else v for v in coder],
            "t": [label_key(v) if isinstance(v, str) else v for v in tag],
        }
    )
    first = ~key.duplicated(keep="first").to_numpy()
    take = np.flatnonzero((ok & first) | no_doc)
    frame = pd.DataFrame({"interview_id": interview[take], "coder": coder[take], "code_id": tag[take], "present": True})
    frame = pd.concat([frame, _provenance(raw, source, take)], axis=1)
    frame["_resolve"] = True
    out.append(
        Mapped(
            "followup_codes",
            frame,
            source.name,
            raw.sheet,
            {"interview_id": doc_h, "code_id": tag_h, **({"coder": coder_h} if coder_h else {})},
        )
    )
    # interviews listed in the documents table without coders: the coders found in every source's
    # codings fill them in once all sources are read (tip_eval.io.layouts_finish.finish_sources)
    if docs.interviews is not None and docs.interviews.frame["coders"].isna().all():
        docs.interviews.frame["_fill_coders"] = True
    # excerpts: kept apart, and only when cleared for publication
    if excerpt_h is not None:
        cleared_h = _find([str(c) for c in raw.columns], _CLEARED, _extra_columns(source), "cleared_for_publication")
        if cleared_h is not None:
            from tip_eval.io.coerce import CellProblem, _parse_bool

            parse = _parse_bool("cleared_for_publication")
            cleared = np.zeros(n, dtype=bool)
            for i, v in enumerate(raw.values(cleared_h)):
                if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()):
                    continue
                try:
                    cleared[i] = bool(parse(v))
                except CellProblem:
                    ctx.problem(
                        source.name,
                        raw.sheet,
                        int(rows[i]),
                        cleared_h,
                        str(v),
                        _("'{value}' is not yes/no: the excerpt is treated as not cleared").format(value=v),
                        _("Use yes or no (1 or 0)."),
                        "warning",
                    )
        else:
            cleared = np.full(n, bool(source.get("cleared_for_publication", False)))
        keep = np.flatnonzero(cleared & ok)
        if len(keep):
            ex = pd.DataFrame(
                {
                    "interview_id": interview[keep],
                    "coder": coder[keep],
                    "code_id": tag[keep],
                    "excerpt": raw.values(excerpt_h)[keep],
                }
            )
            ex = pd.concat([ex, _provenance(raw, source, keep)], axis=1)
            ex["_resolve"] = True
            out.append(Mapped("excerpts", ex, source.name, raw.sheet, {}))
    return out


@register("taguette")
def taguette_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """Taguette's highlights export: ``id, document, tag, content`` (see the module docstring)."""
    raw = _read_quiet(source, source.get("sheet"), ctx)
    headers = [str(c) for c in raw.columns]
    extra = _extra_columns(source)
    doc_h = _find(headers, ("document",) + _DOCUMENT[1:], extra, "document")
    tag_h = _find(headers, _TAG, extra, "code_id")
    if doc_h is None or tag_h is None:
        missing = "document" if doc_h is None else "tag"
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            missing,
            None,
            _("this is not a Taguette highlights export: it has no '{header}' column").format(header=missing),
            _("Export the highlights from Taguette (Export > Highlights, CSV or Excel) without changing the columns."),
        )
        return []
    excerpt_h = _find(headers, _EXCERPT, extra, "excerpt")
    coder_h = _find(headers, _CODER, extra, "coder")
    _ignore_rest(
        ctx,
        source,
        raw,
        {
            doc_h,
            tag_h,
            excerpt_h,
            coder_h,
            _find(headers, ("id",)),
            _find(headers, _CLEARED, extra, "cleared_for_publication"),
        },
    )
    return _codings(source, ctx, raw, doc_h=doc_h, tag_h=tag_h, coder_h=coder_h, excerpt_h=excerpt_h, what="Taguette")


@register("qualcoder")
def qualcoder_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """QualCoder's coding report export (see the module docstring)."""
    raw = _read_quiet(source, source.get("sheet"), ctx)
    headers = [str(c) for c in raw.columns]
    extra = _extra_columns(source)
    doc_h = (
        source.get("document_column")
        or _find(headers, _CASE, extra, "document")
        or _find(headers, _DOCUMENT, extra, "document")
    )
    tag_h = _find(headers, ("Codename", "Code name", "codename", "Code"), extra, "code_id")
    coder_h = _find(headers, _CODER, extra, "coder")
    if doc_h is None or doc_h not in headers or tag_h is None:
        missing = "File" if doc_h is None or doc_h not in headers else "Codename"
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            missing,
            None,
            _("this is not a QualCoder coding report: it has no '{header}' column").format(header=missing),
            _("In QualCoder, run Reports > Coding reports and export the results as CSV or Excel."),
        )
        return []
    excerpt_h = _find(headers, _EXCERPT, extra, "excerpt")
    used = {
        doc_h,
        tag_h,
        coder_h,
        excerpt_h,
        _find(headers, _CLEARED, extra, "cleared_for_publication"),
        _find(headers, ("Filename",)) if doc_h != _find(headers, ("Filename",)) else None,
    }
    ignored = {
        h
        for h in headers
        if label_key(h).startswith(("category", "filevar", "casevar"))
        or label_key(h) in {label_key(x) for x in _IGNORED_EXPORT + _DOCUMENT}
    }
    _ignore_rest(ctx, source, raw, used | ignored)
    return _codings(source, ctx, raw, doc_h=doc_h, tag_h=tag_h, coder_h=coder_h, excerpt_h=excerpt_h, what="QualCoder")


def _ignore_rest(ctx: LayoutContext, source: SourceConfig, raw, used: set) -> None:
    for h in raw.columns:
        if h not in used:
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                str(h),
                None,
                _("column '{header}' is not part of the codings and was ignored").format(header=h),
                _("Nothing to do, unless it should be read (see the layouts in the README)."),
                "warning",
            )


@register("code_matrix")
def code_matrix_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """One row per interview (and coder), one 1/0 column per code (see the module docstring)."""
    raw = read_sheet(source, source.get("sheet"), ctx)
    headers = [str(c) for c in raw.columns]
    extra = _extra_columns(source)
    mapping = map_headers(
        headers, ["interview_id", "coder", "participant_id", "interview_date", "coders", "name"], extra
    )
    doc_h = None
    if "interview_id" not in mapping:
        doc_h = _find(headers, _DOCUMENT + _CASE, extra, "document")
        if doc_h is None:
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                template_header("interview_id"),
                None,
                _("the sheet has no column for {column}").format(column="interview_id"),
                _("Add a column headed '{header}' (or a Document column with documents in study.toml).").format(
                    header=template_header("interview_id")
                ),
            )
            return []
    id_h = mapping.get("interview_id", doc_h)
    coder_h = mapping.get("coder")
    if coder_h is None and source.get("coder") is None:
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            template_header("coder"),
            None,
            _("the sheet has no column for {column}").format(column="coder"),
            _("Add a '{header}' column, or coder = \"...\" for this source in study.toml.").format(
                header=template_header("coder")
            ),
        )
        return []
    if "name" in mapping:
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            mapping["name"],
            None,
            _("names are personal data: this column was dropped and is in no output"),
            _("Nothing to do."),
            "warning",
        )
    skip = set(mapping.values()) | ({doc_h} if doc_h else set())
    codes = [h for h in headers if h not in skip]
    n, k = len(raw.excel_rows), len(codes)
    ivals = raw.values(id_h)
    out: list[Mapped] = []
    if doc_h is not None:
        docs = _Documents(source, ctx, _root(source, ctx))
        if docs.interviews is not None:
            if docs.interviews.frame["coders"].isna().all():
                docs.interviews.frame["_fill_coders"] = True
            out.append(docs.interviews)
        ivals = np.array([docs.interview(d)[0] for d in ivals], dtype=object)
    cvals = raw.values(coder_h) if coder_h else np.full(n, source.get("coder"), dtype=object)
    vals = raw.block(codes) if k else np.empty((n, 0), dtype=object)
    from tip_eval.io.layouts_partner import _blank_mask

    flat = vals.reshape(-1)
    blank = _blank_mask(flat)
    flat = np.where(blank, False, flat)
    r = np.repeat(np.arange(n), k)
    frame = pd.DataFrame(
        {
            "interview_id": ivals[r],
            "coder": cvals[r],
            "code_id": np.array(codes, dtype=object)[np.tile(np.arange(k), n)],
            "present": flat,
        }
    )
    frame = pd.concat([frame, _provenance(raw, source, r)], axis=1)
    frame["_col"] = frame["code_id"]
    frame["_resolve"] = True
    out.append(
        Mapped(
            "followup_codes",
            frame,
            source.name,
            raw.sheet,
            {"interview_id": id_h, **({"coder": coder_h} if coder_h else {})},
        )
    )
    return out


@register("codebook")
def codebook_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """The ``Codebook`` sheet (and ``Interviews`` when present) without a Codes sheet."""
    return codebook_and_interviews(source, ctx, interviews_required=False)


__all__ = ["code_matrix_layout", "codebook_layout", "qualcoder_layout", "taguette_layout"]
