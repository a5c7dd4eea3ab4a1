"""The ``costs`` layout: what each training cost, from a CSV file or a Costs sheet.

One row per training (or per training and cost category)::

    training_id,  cost,       currency, year, category
    KHM-PNH-2023, 4100000,    KHR,      2023, venue and meals
    KHM-PNH-2023, 2500000,    KHR,      2023, trainers
    THA-CMI-2022, 98000,      THB,      2022,

``training_id`` and ``cost`` are required; ``currency`` may be left out when every cost is in the
reporting currency of study.toml (``currency = "USD"``); ``year`` and ``category`` are optional.
Listed in study.toml as::

    [[sources]]
    file = "costs.csv"        # or a workbook with a sheet named Costs (or sheet = "...")
    layout = "costs"

Cells are parsed like every other table (a located problem for each value that cannot be read),
and a currency with no exchange rate in study.toml is a located problem too.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from tip_eval.i18n import _
from tip_eval.io.columns import map_headers
from tip_eval.io.cost_settings import CURRENCY_PATTERN
from tip_eval.io.layouts import (
    LayoutContext,
    Mapped,
    frame_with_provenance,
    read_sheet,
    register,
)
from tip_eval.io.sources import SourceConfig
from tip_eval.vocab import label_key

__all__ = ["COST_HEADERS", "COST_SHEET_NAMES", "costs_layout"]

#: written header -> canonical column of the costs table, in English, Thai, Khmer and Indonesian
COST_HEADERS: dict[str, str] = {
    **{
        h: "training_id"
        for h in (
            "training_id",
            "Training ID",
            "Training",
            "Training code",
            "รหัสการอบรม",
            "លេខកូដវគ្គបណ្តុះបណ្តាល",
            "ID Pelatihan",
            "Kode pelatihan",
        )
    },
    **{
        h: "cost"
        for h in ("cost", "Cost", "Amount", "Total cost", "ค่าใช้จ่าย", "จำนวนเงิน", "ចំណាយ", "ចំនួនទឹកប្រាក់", "Biaya", "Jumlah")
    },
    **{h: "currency" for h in ("currency", "Currency", "สกุลเงิน", "រូបិយប័ណ្ណ", "Mata uang")},
    **{h: "year" for h in ("year", "Year", "Cost year", "ปี", "ឆ្នាំ", "Tahun")},
    **{h: "category" for h in ("category", "Category", "Cost category", "หมวด", "ประเภท", "ប្រភេទ", "Kategori")},
}
#: names of a costs sheet in a workbook
COST_SHEET_NAMES = ("Costs", "Cost", "ค่าใช้จ่าย", "ចំណាយ", "Biaya")
_COLUMNS = ["training_id", "cost", "currency", "year", "category"]
_TEXT_FILES = (".csv", ".txt", ".tsv")


def _sheet(source: SourceConfig, ctx: LayoutContext) -> tuple[bool, str | None]:
    """(found, sheet name): the ``sheet`` option, a visible sheet named Costs, or the CSV itself."""
    from tip_eval.io.read import list_sheets

    if source.file.suffix.lower() in _TEXT_FILES:
        return True, None
    explicit = source.get("sheet")
    wanted = {label_key(n) for n in COST_SHEET_NAMES}
    for info in list_sheets(source.file):
        name = info[0] if isinstance(info, tuple) else getattr(info, "name", info)
        visible = info[1] if isinstance(info, tuple) else getattr(info, "visible", True)
        if (explicit is not None and name == explicit) or (
            explicit is None and label_key(name) in wanted and visible in (True, "visible")
        ):
            return True, name
    what = (
        _("the costs workbook has no sheet named '{name}'").format(name=explicit)
        if explicit is not None
        else _("the costs workbook has no visible sheet named '{name}'").format(name="Costs")
    )
    ctx.problem(
        source.name,
        None,
        None,
        None,
        None,
        what,
        _('Name the sheet Costs, or give its name in study.toml (sheet = "...").'),
    )
    return False, None


@register("costs")
def costs_layout(source: SourceConfig, ctx: LayoutContext) -> list[Mapped]:
    """Each training's cost: ``training_id, cost, currency, year, category`` (see the module docstring)."""
    found, sheet = _sheet(source, ctx)
    if not found:
        return []
    raw = read_sheet(source, sheet, ctx)
    extra = {**COST_HEADERS, **{str(k): str(v) for k, v in (source.get("columns") or {}).items()}}
    mapping = map_headers(list(raw.columns), _COLUMNS, extra)
    missing = [c for c in ("training_id", "cost") if c not in mapping]
    for c in missing:
        ctx.problem(
            source.name,
            raw.sheet,
            raw.header_row,
            c,
            None,
            _("the costs table has no column for {column}").format(column=c),
            _("Add a column headed '{header}' (or map yours in study.toml under columns).").format(header=c),
        )
    if missing:
        return []
    for h in raw.columns:
        if h not in mapping.values():
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                str(h),
                None,
                _("column '{header}' is not part of the costs table and was ignored").format(header=h),
                _("Remove or rename it if it should be read (training_id, cost, currency, year, category)."),
                "warning",
            )
    frame = frame_with_provenance(raw, mapping, source)
    for c in ("year", "category"):
        if c not in frame:
            frame[c] = None
    reporting = str(ctx.settings.get("currency") or "").strip().upper() or None
    if "currency" not in frame:
        if reporting is None:
            ctx.problem(
                source.name,
                raw.sheet,
                raw.header_row,
                None,
                None,
                _("the costs table has no currency column and study.toml gives no reporting currency"),
                _("Add a column headed 'currency' (e.g. USD, KHR, THB), or currency = \"USD\" under [study]."),
            )
        frame["currency"] = reporting
    else:
        frame["currency"] = [v.strip().upper() if isinstance(v, str) else v for v in frame["currency"]]
        _check_rates(frame, mapping["currency"], reporting, source, ctx)
    cols = _COLUMNS + [c for c in ("_file", "_sheet", "_row") if c in frame]
    return [Mapped("costs", frame[cols], source.name, raw.sheet, dict(mapping))]


def _check_rates(
    frame: pd.DataFrame, header: str, reporting: str | None, source: SourceConfig, ctx: LayoutContext
) -> None:
    """A located problem for each currency that cannot be converted to the reporting currency."""
    rates = {str(k).strip().upper() for k in (ctx.settings.get("rates") or {})}
    codes = frame["currency"].to_numpy(dtype=object)
    valid = np.array([isinstance(c, str) and re.match(CURRENCY_PATTERN, c) is not None for c in codes], dtype=bool)
    distinct = sorted({c for c, ok in zip(codes, valid) if ok})
    if reporting is None:
        if len(distinct) > 1:
            ctx.problem(
                source.name,
                frame["_sheet"].iloc[0],
                None,
                header,
                ", ".join(distinct),
                _("the costs are in {n} currencies and study.toml gives no reporting currency").format(n=len(distinct)),
                _('Add currency = "USD" (the currency to report in) and rates = {{ ... }} under [study].').format(),
            )
        return
    for code, row in zip(codes[valid], frame["_row"].to_numpy(dtype=object)[valid]):
        if code != reporting and code not in rates:
            ctx.problem(
                source.name,
                frame["_sheet"].iloc[0],
                None if pd.isna(row) else int(row),
                header,
                code,
                _("no exchange rate for {code}: costs are reported in {reporting}").format(
                    code=code, reporting=reporting
                ),
                _(
                    "Add the rate under [study] in study.toml: rates = {{ {code} = ... }} ({reporting} for one {code})."
                ).format(code=code, reporting=reporting),
            )
