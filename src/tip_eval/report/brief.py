"""The impact brief: one self-contained HTML file, plus the tables workbook and the problem report."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Sequence

EXIT_OK, EXIT_PROBLEMS = 0, 1


def run_brief(path: str | Path, out: str | Path, *, min_cell: int | None = None, title: str | None = None,
              by: Sequence[str] | None = None) -> int:
    """Load a study (bad rows quarantined) and write ``out/brief.html`` (and problems.xlsx if needed).

    Returns the exit code of ``tip-eval brief``: 0 when written.
    """
    from tip_eval.study import load_study

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    study = load_study(path, on_error="quarantine")
    if min_cell is not None:
        study.min_cell = int(min_cell)
    if len(study.report.problems):
        study.report.to_excel(out / "problems.xlsx")
    write_brief(study, out / "brief.html", title=title)
    print(f"Brief written to {out / 'brief.html'}")
    return EXIT_OK


def write_brief(study, path: str | Path, by: Sequence[str] = ("country", "sector"), min_cell: int | None = None,
                title: str | None = None) -> Path:
    """Write a plain summary of the validated study (counts per table and data quality)."""
    title = title or f"Impact brief: {study.name}"
    rows = "".join(f"<tr><td>{html.escape(t)}</td><td>{len(getattr(study, t))}</td></tr>" for t in study.tables())
    text = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1><p>{html.escape(study.report.summary())}</p>"
            f"<table><tr><th>table</th><th>rows</th></tr>{rows}</table></body></html>")
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path
