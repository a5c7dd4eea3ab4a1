"""The training workbook in the project's template, built from the user's item bank, for partners to fill in.

``write_blank_template(path, lang, items=BANK)`` writes the sheets :mod:`tip_eval.io.layouts` reads,
with their names and headers in the chosen language (from the message catalogs; the readers know
them in every language, so a Khmer workbook loads like an English one): Training, Participants,
Pre-test and Post-test (one column per question of the bank, each with a dropdown of its options,
``"B. <the option's text>"`` in the chosen language), Confidence (one column per competency, ratings
1-5 on the confidence scale), and the bank itself as the Items and Competencies sheets, so that the
filled-in workbook carries its own answer key. An instructions sheet in the chosen language says
how to fill it in. Without a bank the Items sheet is empty and the instructions say how to fill it
in: the workbook never carries an answer key the user did not give.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from tip_eval import vocab
from tip_eval.i18n import LANGUAGES, _, language_name, translator
from tip_eval.io.bank_file import ItemBank, as_item_bank
from tip_eval.io.columns import template_header, template_sheet
from tip_eval.io.item_bank import (
    BANK_COLUMNS,
    COMPETENCY_COLUMNS,
    ITEM_COLUMNS,
    cell_text,
    option_texts,
    text_column,
)
from tip_eval.io.template import (
    PARTICIPANT_COLUMNS,
    TRAINING_COLUMNS,
    stable_save,
)
from tip_eval.io.write import write_sheet

__all__ = ["LANGS", "dropdown_language", "instructions", "write_blank_template"]

LANGS = LANGUAGES


def instructions(lang: str, bank_file: str | None) -> list[str]:
    """The lines of the instructions sheet in ``lang``, for a workbook with or without an item bank.

    The lines come from the message catalogs (tip_eval/locale; Khmer, Thai and Indonesian are drafts
    for review by the partners' staff) and name the sheets and headers as the workbook in ``lang``
    writes them. ``bank_file`` is the bank's file name (None: a workbook without a bank).
    """
    t = translator(lang)
    names = {
        k: template_sheet(k, lang)
        for k in ("training", "participants", "pre", "post", "delayed", "confidence", "items", "competencies")
    }
    head = [
        t.gettext("How to fill in this workbook"),
        t.gettext("1. {training}: one row about the training (ID, country, province, dates, language).").format(
            **names
        ),
        t.gettext(
            "2. {participants}: one row per person registered. Use a pseudonymous participant ID (no names). Pick "
            "sector and gender from the list."
        ).format(**names),
    ]
    if bank_file is not None:
        body = [
            t.gettext(
                "3. {pre} and {post}: one row per person who took the test, one column per question. Pick the "
                "answer given from the list (or type its letter). Leave a cell empty if the question was "
                "skipped."
            ).format(**names),
            t.gettext(
                "4. {confidence}: one row per person and test ({phase}), one column per competency, with a rating "
                "from 1 (not at all confident) to 5 (completely confident)."
            ).format(phase=template_header("phase", lang), **names),
            t.gettext(
                "5. {items} and {competencies}: your item bank ({file}): the questions, their options, the answer "
                "key and the competencies. Do not change them here: change the item bank and write this workbook "
                "again (tip-eval template --items ...), so that the form, this workbook and the answer key stay "
                "the same."
            ).format(file=bank_file, **names),
        ]
    else:
        columns = (
            ", ".join(
                template_header(c, lang)
                for c in ("item_id", "module", "text", "correct_answer", "points", "n_options", "option_a")
            )
            + " ..."
        )
        body = [
            t.gettext(
                "3. {pre} and {post}: one row per person who took the test. Add one column per question, headed "
                "by its item ID (as in the {items} sheet), holding the letter of the answer given. Leave a cell "
                "empty if the question was skipped."
            ).format(**names),
            t.gettext(
                "4. {confidence}: one row per person and test ({phase}). Add one column per competency, headed by "
                "its competency ID, with a rating from 1 (not at all confident) to 5 (completely "
                "confident)."
            ).format(phase=template_header("phase", lang), **names),
            t.gettext(
                "5. {items}: EMPTY. It is the answer key: fill in one row per question of YOUR test ({columns}), "
                "or write this workbook from your item bank: tip-eval template --items my_item_bank.xlsx. "
                "{competencies}: one row per competency."
            ).format(columns=columns, **names),
        ]
    tail = [
        t.gettext(
            "{delayed} (optional): if people take the test again weeks or months after the training (a retention "
            "test), one row per person who took it, with the day in {test_date}; leave the sheet empty "
            "otherwise."
        ).format(test_date=template_header("test_date", lang), **names),
        t.gettext("Type IDs such as 007 as text: Excel removes leading zeros from numbers."),
        t.gettext(
            "Then run: tip-eval validate THIS_FILE.xlsx - it lists every problem with its sheet, row and column."
        ),
    ]
    return [*head, *body, *tail]


def _validation(
    ws,
    values: list[str],
    column_letter: str,
    rows: int = 500,
    *,
    stop: bool = True,
    title: str | None = None,
    prompt: str | None = None,
    error: str | None = None,
) -> None:
    """A dropdown of ``values`` (kept in the hidden Lists sheet) on a column of ``ws``."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = ws.parent["Lists"]
    col = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
    letter = get_column_letter(col)
    lists.cell(row=1, column=col, value=f"{ws.title} {column_letter}")
    for i, v in enumerate(values, start=2):
        lists.cell(row=i, column=col, value=v)
    dv = DataValidation(
        type="list",
        formula1=f"=Lists!${letter}$2:${letter}${len(values) + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop" if stop else "warning",
        errorTitle=_("Not in the list")[:32],
        error=(error or _("Pick a value from the list."))[:250],
    )
    if prompt:
        dv.showInputMessage = True
        dv.promptTitle = (title or "")[:32]
        dv.prompt = prompt[:250]
    ws.add_data_validation(dv)
    dv.add(f"{column_letter}2:{column_letter}{rows}")


def dropdown_language(bank: ItemBank, lang: str) -> tuple[str | None, str | None]:
    """The language of the answer dropdowns, and a note when it is not ``lang``.

    The options' texts in ``lang`` when the bank has them for every question; otherwise in the first
    language it has them all in (with a note); None when the bank has no option texts (the dropdowns
    then hold the letters).
    """
    from tip_eval.io.item_bank import LANGUAGES

    items = bank.items

    def complete(code: str) -> bool:
        return bool(len(items)) and all(
            len(option_texts(r, code)) >= int(r["n_options"] or 0) > 0 for _i, r in items.iterrows()
        )

    if complete(lang):
        return lang, None
    other = next((code for code in LANGUAGES if complete(code)), None)
    if other is None:
        return None, None
    return other, _(
        "the item bank does not have every option in {language}: the answer lists show the options in {other}"
    ).format(language=language_name(lang), other=language_name(other))


def write_blank_template(
    path: str | Path,
    lang: str = "en",
    items: ItemBank | str | Path | pd.DataFrame | None = None,
    competencies: str | Path | pd.DataFrame | None = None,
) -> Path:
    """Write the training workbook to fill in, built from the item bank ``items``.

    Parameters
    ----------
    path : str or Path
        Where to write the ``.xlsx``.
    lang : {"en", "km", "th", "id"}
        Language of the instructions, of the dropdowns' labels and (when the bank has them) of the
        answer options.
    items : ItemBank, path or DataFrame, optional
        The item bank (:mod:`tip_eval.io.item_bank`). Without it the Items and Competencies sheets
        are empty and the instructions say how to fill them in.
    competencies : path or DataFrame, optional
        The competency list, when it is not the bank's own Competencies sheet.

    Raises
    ------
    tip_eval.ValidationError
        The item bank has errors (``err.report.problems`` locates them).
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}")
    t = translator(lang)
    bank = as_item_bank(items, competencies) if items is not None else None
    if bank is not None and not bank.ok:
        from tip_eval.errors import ValidationError
        from tip_eval.validation import report_from

        errors = [p for p in bank.problems if p.severity == "error"]
        raise ValidationError(
            report_from(errors),
            t.ngettext(
                "the item bank has {n} problem to fix before the workbook can be written; see .report.problems",
                "the item bank has {n} problems to fix before the workbook can be written; see .report.problems",
                len(errors),
            ).format(n=len(errors)),
        )
    bank_items = bank.items if bank is not None else pd.DataFrame(columns=BANK_COLUMNS)
    bank_comps = bank.competencies if bank is not None else pd.DataFrame(columns=COMPETENCY_COLUMNS)
    files = sorted({str(f) for f in bank_items.get("_file", []) if isinstance(f, str)})
    wb = Workbook()
    ws = wb.active
    ws.title = template_sheet("instructions", lang)
    from openpyxl.styles import Alignment, Font

    for i, line in enumerate(instructions(lang, None if bank is None else (", ".join(files) or "--items")), start=1):
        cell = ws.cell(row=i, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")  # readable on screen and printed
        if i == 1:
            cell.font = Font(bold=True, size=13)
        # a row tall enough for its wrapped lines (spreadsheet programs do not all grow rows on opening)
        ws.row_dimensions[i].height = 20 * max(1, math.ceil(len(line) / 80))
    ws.column_dimensions["A"].width = 85
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # printed: the column fits the page's width
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    lists = wb.create_sheet("Lists")
    lists.sheet_state = "hidden"

    def sheet(key: str, columns: list[str]):
        w = wb.create_sheet(template_sheet(key, lang))
        write_sheet(w, pd.DataFrame(columns=[template_header(c, lang) for c in columns]))
        return w

    tr = sheet("training", TRAINING_COLUMNS)
    _validation(tr, [vocab.label("country", c, lang) for c in vocab.COUNTRIES], "B", rows=2)
    _validation(tr, list(vocab.TRAINING_LANGUAGES), "H", rows=2)
    part = sheet("participants", PARTICIPANT_COLUMNS)
    _validation(part, [vocab.label("sector", c, lang) for c in vocab.SECTORS], "B")
    _validation(part, [vocab.label("gender", c, lang) for c in vocab.GENDERS], "E")
    item_ids = [str(x) for x in bank_items["item_id"]]
    tests = [sheet(key, ["participant_id"] + item_ids) for key in ("pre", "post")]
    # optional: a retention test months later, with the day each person took it (after the questions,
    # so that every test sheet has its questions in the same columns)
    tests.append(sheet("delayed", ["participant_id"] + item_ids + ["test_date"]))
    comps = [str(x) for x in bank_comps["competency_id"]]
    conf = sheet("confidence", ["participant_id", "phase"] + comps)
    _validation(conf, [vocab.label("phase", p, lang) for p in vocab.PHASES], "B")
    scale = "; ".join(f"{v} = {labels[lang]}" for v, labels in vocab.CONFIDENCE_SCALE.items())
    for j, (_r, c) in enumerate(bank_comps.iterrows(), start=3):
        dv = DataValidation(
            type="whole",
            operator="between",
            formula1="1",
            formula2="5",
            allow_blank=True,
            showErrorMessage=True,
            error=scale[:250],
            showInputMessage=True,
            promptTitle=str(c["competency_id"])[:32],
            prompt=f"{cell_text(c.get('label_' + lang)) or cell_text(c.get('label')) or ''}: {scale}"[:250],
        )
        conf.add_data_validation(dv)
        dv.add(f"{get_column_letter(j)}2:{get_column_letter(j)}500")
    shown, _note = dropdown_language(bank, lang) if bank is not None else (None, None)
    for j, (_row, it) in enumerate(bank_items.iterrows(), start=2):
        n = int(it["n_options"]) if cell_text(it["n_options"]) else 0
        texts = option_texts(it, shown) if shown else {}
        values = [f"{x}. {texts[x]}" if x in texts else x for x in "ABCDE"[:n]]
        question = cell_text(it.get(text_column(shown or lang))) or cell_text(it.get("text")) or ""
        for w in tests:
            if values:
                _validation(
                    w,
                    values,
                    get_column_letter(j),
                    stop=False,
                    title=str(it["item_id"]),
                    prompt=question,
                    error=t.gettext("Pick an option from the list, or type its letter."),
                )
    empty_note = t.gettext("Empty: your own test goes here. See the {sheet} sheet.").format(
        sheet=template_sheet("instructions", lang)
    )
    if bank is None:
        for w in tests + [conf]:
            w["A1"].comment = Comment(empty_note, "tip_eval")
    headers = {c: template_header(c, lang) for c in (*BANK_COLUMNS, *COMPETENCY_COLUMNS)}
    ib = wb.create_sheet(template_sheet("items", lang))
    keep = ITEM_COLUMNS + [c for c in BANK_COLUMNS if c not in ITEM_COLUMNS and bank_items[c].notna().any()]
    write_sheet(ib, bank_items[keep].astype(object).where(bank_items[keep].notna(), None).rename(columns=headers))
    cp = wb.create_sheet(template_sheet("competencies", lang))
    ckeep = ["competency_id", "label"] + [c for c in COMPETENCY_COLUMNS[2:] if bank_comps[c].notna().any()]
    write_sheet(cp, bank_comps[ckeep].astype(object).where(bank_comps[ckeep].notna(), None).rename(columns=headers))
    if bank is None:
        for w in (ib, cp):
            w["A1"].comment = Comment(empty_note, "tip_eval")
    wb.move_sheet("Lists", offset=len(wb.sheetnames))
    return stable_save(wb, path)
