"""Export of the canonical schemas: ``data_schemas/<table>.yaml`` and the data dictionary README.

Both are generated from :mod:`tip_eval.schemas`; ``tests/test_schemas.py`` fails when the committed
files differ from what the models produce. Regenerate with ``python -m tip_eval._data_dictionary data_schemas``.

This module reads the schemas (and the cross-table rules of :mod:`tip_eval.validation`); the schemas
never import it.
"""

from __future__ import annotations

from pathlib import Path

from tip_eval import schemas, vocab

_TYPE_WORDS = {
    "str": "text",
    "string[pyarrow]": "text",
    "string": "text",
    "float64": "number",
    "Int64": "whole number",
    "bool": "yes/no",
    "datetime64[ns]": "date",
}

_TABLE_WORDS = {
    "trainings": "One row per training: where, when, who ran it, in which language.",
    "participants": "One row per practitioner registered for a training (the roster). No names.",
    "items": "One row per question of the knowledge test, with the answer key.",
    "responses": "One row per participant, phase (pre/post) and question: the answer and its score.",
    "scores": "One row per participant and phase: the total score, derived from responses or supplied.",
    "competencies": "One row per competency of the confidence self-rating.",
    "confidence": "One row per participant, phase and competency: a self-rating from 1 to 5.",
    "interviews": "One row per follow-up interview.",
    "codebook": "One row per code used to code follow-up interviews.",
    "followup_codes": "One row per interview, coder and code: whether the coder applied the code.",
    "costs": (
        "Optional. One row per training (or per training and cost category): what it cost, in the currency "
        'paid. The currency reported in and the exchange rates are set in study.toml (`currency = "USD"`, '
        "`rates = { KHR = 0.000245, THB = 0.028 }`); nothing is looked up online."
    ),
}


def yaml_text(table: str) -> str:
    """The pandera YAML of one table, with the text dtype written portably as ``str``."""
    import warnings

    with warnings.catch_warnings():
        # row rules (dataframe checks) are not serialisable; the README lists them in words
        warnings.simplefilter("ignore", UserWarning)
        text = schemas.schema(table).to_yaml()
    # pandas' default string dtype prints differently across pandas versions; the contract is "text"
    for spelled in ("string[pyarrow]", "string[python]", "str"):
        text = text.replace(f"dtype: {spelled}\n", "dtype: str\n")
    return text


def _allowed(col) -> str:
    for c in col.checks:
        if c.name == "isin":
            values = list(c.statistics.get("allowed_values", []))
            return ", ".join(f"`{v}`" for v in values)
        if c.name == "str_matches" and c.statistics.get("pattern") == r"^[A-Z]{3}$":
            return "three capital letters: an ISO 4217 currency code such as `USD`, `KHR`, `THB`, `IDR`"
        if c.name == "str_matches":
            return "letters, digits, `-`, `_`, `.` (starting with a letter or digit), at most 64 characters"
        if c.name in ("greater_than_or_equal_to", "greater_than", "less_than_or_equal_to", "in_range"):
            pass
    bounds = []
    for c in col.checks:
        if c.name == "greater_than_or_equal_to":
            bounds.append(f">= {c.statistics['min_value']}")
        elif c.name == "greater_than":
            bounds.append(f"> {c.statistics['min_value']}")
        elif c.name == "less_than_or_equal_to":
            bounds.append(f"<= {c.statistics['max_value']}")
    return " and ".join(bounds)


def readme_text() -> str:
    """The data dictionary (Markdown) an M&E officer can read."""
    lines = [
        "# Data dictionary: the canonical tables of tip_eval",
        "",
        "Whatever layout a partner's spreadsheets use, tip_eval maps them onto these eleven tables and checks",
        "them against these rules. The `*.yaml` files beside this README are the same rules in pandera's",
        "format; both are generated from `src/tip_eval/schemas.py` (`python -m tip_eval._data_dictionary data_schemas`).",
        "",
        "Labels may be typed in English, Khmer, Thai or Indonesian: for example `Sangat setuju`,",
        "`เห็นด้วยอย่างยิ่ง`, `យល់ស្របខ្លាំង` and `Strongly agree` are all the rating 5, and `Phnom Phen` is",
        "read as `Phnom Penh`. The codes below are what the tables hold after reading.",
        "",
        "Identifiers: spaces are removed and participant IDs are compared in upper case. Leading zeros are",
        "kept as written, so type IDs such as `007` as text in Excel (Excel drops leading zeros of numbers).",
        "",
        "Names never enter these tables. A column of names is dropped when a sheet is read (with a warning).",
        "Where a partner has only names, pre- and post-tests are linked by name within one training (exact",
        "match, or a close fuzzy match listed for review; uncertain pairs are never merged), and each person",
        "gets a pseudonymous ID made with a keyed hash (HMAC-SHA256). The key comes from the environment",
        "variable `TIP_EVAL_HASH_KEY` or a key file named in study.toml (`hash_key_file`), is at least 32",
        "bytes, and is never written to any output; keep it outside the study folder (a key file inside it",
        "is refused).",
        "",
    ]
    for table, model in schemas.TABLES.items():
        s = schemas.schema(table)
        key = getattr(model.Config, "unique", None) or [c for c, col in s.columns.items() if col.unique]
        lines += [
            f"## {table}",
            "",
            _TABLE_WORDS[table],
            "",
            f"Key: {', '.join(f'`{k}`' for k in key)}." if key else "Key: none (a training may have several rows).",
            "",
            "| column | meaning | type | required | allowed values | example |",
            "|---|---|---|---|---|---|",
        ]
        for name, col in s.columns.items():
            dtype = _TYPE_WORDS.get(str(col.dtype), str(col.dtype))
            required = "no" if col.nullable else "yes"
            example = schemas.EXAMPLES.get(table, {}).get(name, "")
            lines.append(f"| `{name}` | {col.description or ''} | {dtype} | {required} | {_allowed(col)} | {example} |")
        checks = [c.description for c in s.checks if getattr(c, "description", None)]
        if checks:
            lines += ["", "Row rules: " + "; ".join(checks) + "."]
        lines.append("")
    lines += [
        "## Rules across tables",
        "",
        "Checked in one place (`tip_eval.validation.REFERENCES`):",
        "",
    ]
    from tip_eval.validation import REFERENCES

    for table, column, parent, pcol in REFERENCES:
        lines.append(f"- every `{table}.{column}` exists in `{parent}.{pcol}`")
    lines += ["- each response and score carries the participant's own `training_id`", ""]
    lines += _item_bank_lines()
    lines += [
        "## Scores and answers (`tip_eval.scoring`)",
        "",
        "- An answer is read against its item's options: `A` up to the `n_options`-th letter (A-E when the item",
        "  bank does not say), or `1` up to `n_options` for an item keyed with a number. `a`, `D.`, ` D `, `A)`",
        "  are read as their option, with a note; any other answer (`E` on a 4-option item, `3`, `AB`) is a",
        "  located problem and is set aside. An empty answer is a skipped question and scores 0.",
        "- A score derived from answers exists only for a complete test: every item of the item bank has an",
        "  answer that was read and kept. Otherwise the score of that participant and phase is missing, with a",
        "  problem line; it is never a total of the answers that remained.",
        "- A total given in the file (`totals` layout) is used as given; when item answers give a different",
        "  total, a warning says so.",
        "- A question whose answers cannot be judged - its key is not one of its options (`E` on a 4-option",
        "  question), is written as the option's words, or two sources give it different keys - is a located",
        "  problem and is left out of every score: its answers are set aside and every test is scored out of",
        "  the other questions of the bank (the same questions for everyone, so pre, post and trainings stay",
        "  comparable). It never scores 0 for everyone.",
        "- A question keyed true or false (`True`, `Benar`, `ถูก`, `ត្រូវ` ...) judges answers by their meaning, in",
        "  English, Indonesian, Thai or Khmer; any other answer to it is a located problem and is set aside.",
        "- A training's attribute that cannot be used (an end date before the start, an unknown country) is a",
        "  problem on that cell; the cell is left empty and the training and its people are kept.",
        "- Likewise a person's attribute (an unknown sector or gender label, years of experience as words): the",
        "  cell is left empty, the person and their answers are kept and counted in the overall results and every",
        "  other grouping; grouped by that attribute they are shown as `(missing)`. A partner's own label is",
        '  mapped once in study.toml: `sectors = { "Fire brigade" = "other" }`, `genders = { ... }`.',
        "",
    ]
    lines += ["## Vocabularies", ""]
    for name, table in (("sector", vocab.SECTORS), ("gender", vocab.GENDERS), ("country", vocab.COUNTRIES)):
        lines += [f"### {name}", "", "| code | English | Khmer | Thai | Indonesian |", "|---|---|---|---|---|"]
        for code, labels in table.items():
            lines.append(f"| `{code}` | {labels['en']} | {labels['km']} | {labels['th']} | {labels['id']} |")
        lines.append("")
    lines += ["### rating (confidence)", "", "| code | English | Khmer | Thai | Indonesian |", "|---|---|---|---|---|"]
    for code, labels in vocab.LIKERT.items():
        lines.append(f"| `{code}` | {labels['en']} | {labels['km']} | {labels['th']} | {labels['id']} |")
    lines += [
        "",
        "### confidence scale (the collection tools' labels)",
        "",
        "The XLSForm and the template ask the confidence rating on this scale, each label after its number",
        "(`4 - Very confident`); such a label is read as its rating.",
        "",
        "| code | English | Khmer | Thai | Indonesian |",
        "|---|---|---|---|---|",
    ]
    for code, labels in vocab.CONFIDENCE_SCALE.items():
        lines.append(f"| `{code}` | {labels['en']} | {labels['km']} | {labels['th']} | {labels['id']} |")
    lines += ["", "### module", "", "| code | meaning |", "|---|---|"]
    for code, words in vocab.MODULES.items():
        lines.append(f"| `{code}` | {words} |")
    lines.append("")
    return "\n".join(lines)


def _item_bank_lines() -> list[str]:
    """The item bank section: its columns, how they may be written, its rules, and what is built from it."""
    from tip_eval.io.columns import TEMPLATE_HEADER
    from tip_eval.io.item_bank import COLUMN_WORDS, ITEM_COLUMNS

    lines = [
        '## The item bank (`layout = "item_bank"`)',
        "",
        "Your own test, in your own words: one row per question on a sheet named `Items` (or a CSV file), and",
        "optionally the confidence competencies on a sheet named `Competencies` (`competency_id, label, label_km,",
        "label_th, label_id`). The collection tools are built from it: `tip-eval xlsform --items BANK` (a",
        "KoboToolbox/ODK form) and `tip-eval template --items BANK --lang km` (the training workbook, each",
        'question\'s options in a dropdown). A study reads it with `layout = "item_bank"` into the `items` and',
        "`competencies` tables above; the option texts and translations are not part of the `items` table, they",
        "build the tools and let tip_eval read an export that writes a question's or an option's words.",
        "",
        "| column | also written | meaning | required |",
        "|---|---|---|---|",
    ]
    required = {"item_id", "module", "correct_answer"}
    for col, words in COLUMN_WORDS.items():
        also = TEMPLATE_HEADER.get(col, "")
        lines.append(f"| `{col}` | {also} | {words} | {'yes' if col in required else 'no'} |")
    lines += [
        "",
        "Headers are matched whatever their case and spacing (`Option A`, `option_a`; `Text (Khmer)`, `text_km`,",
        "`Text (km)`). Columns of the canonical `items` table: " + ", ".join(f"`{c}`" for c in ITEM_COLUMNS) + ".",
        "",
        "Rules (each broken rule is a problem with its file, sheet, row and column, from `tip-eval validate`",
        "and before any collection tool is written):",
        "",
        "- the correct answer is one of the question's options (`E` on a four-option question is not), and,",
        "  when option texts are given, it is the option's letter, not its words;",
        "- no option text is missing before the last one given (A, B and D without C), in English and in every",
        "  translation that has any option;",
        "- `n_options` agrees with the number of option texts given;",
        "- two options of one question do not have the same words in one language;",
        "- a form in a language needs that language's text for every question and option, and label for every",
        "  competency (a language the bank lacks entirely is one problem line); the template's dropdowns show",
        "  the options in the language asked for when the bank has them all, otherwise in one it has, with a note.",
        "",
        "Answers are read back as the option's letter when they are written as its words: a KoboToolbox export",
        "with labels as values (`Labels` in the export settings, in any of the form's languages), or the",
        "template's dropdowns (`B. <the option's words>`). A KoboToolbox export of the form loads with",
        '`layout = "kobo"` whatever its settings: XML names or labels as headers, with or without the',
        "group names (`test/VI-1`, `Knowledge test/VI-1. A worker's...`), CSV (`;` or `,`) or xlsx.",
        "",
    ]
    return lines


def expected_files() -> dict[str, str]:
    """File name -> content of everything ``data_schemas/`` should hold."""
    files = {f"{t}.yaml": yaml_text(t) for t in schemas.TABLES}
    files["README.md"] = readme_text()
    return files


def write(folder: str | Path) -> list[str]:
    """Write the YAML and README into ``folder``; return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in expected_files().items():
        (folder / name).write_text(text, encoding="utf-8")
        out.append(str(folder / name))
    return out


if __name__ == "__main__":  # pragma: no cover
    import sys

    for path in write(sys.argv[1] if len(sys.argv) > 1 else "data_schemas"):
        print(path)
