"""Everything a brief and its workbook publish, computed once and passed through one disclosure plan.

:class:`Publication` computes every result table the brief and ``tables.xlsx`` show, registers
all of them with one :class:`tip_eval.disclosure.Plan`, solves it, and hands out the suppressed
tables. The brief's figures and sentences are drawn from these tables only, so they show nothing
the plan has not checked.

What is published per group, and what only overall
--------------------------------------------------
Person counts of groups are covered by the small-cell rule like any other count: registered,
tested before, after and both, dropped out, interviewed, with a code, double-coded. Per group
(country, province, sector, training and the crossings) the tables give the number of people
with both tests (``n``), the statistics computed from them, and the follow-up counts; the numbers
registered, tested once and dropped out are published for the whole study only (so are the cost
per person registered and the gain per 100 spent per participant, which give the number registered
back). Per group they
are mostly small differences of each other (2 to 4 drop-outs per training are common), and
showing them would force most group sizes to be hidden to protect the drop-outs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from tip_eval.disclosure import Plan

__all__ = ["ONE_WAY", "Publication"]

#: one-way groupings every brief and workbook shows
ONE_WAY = ("country", "province", "sector", "training_id")
#: columns left out of per-group tables (see the module docstring)
_GROUP_ONLY_OVERALL = {
    "gains": ["n_pre", "n_post"],
    "attrition": ["registered", "took_pre", "took_post", "n_dropouts", "matched_pct"],
    "confidence_gains": [],
    # the cost per person registered gives the number registered back (cost / cost per person)
    "cost": ["n_registered", "cost_per_trained", "gain_sd_per_100"],
}


def groupings(by) -> list[list[str]]:
    """The groupings of a publication: the one-way ones, then each name or tuple of ``by``."""
    out = [[g] for g in ONE_WAY]
    if by is None:
        return out
    if isinstance(by, str):
        by = [by]
    for b in by:
        cols = [b] if isinstance(b, str) else list(b)
        if cols and cols not in out:
            out.append(cols)
    return out


def matched_trainings(study) -> int:
    """Trainings with at least one person who took both the pre-test and the post-test."""
    sc = study.scores
    if sc.empty:
        return 0
    both = sc.groupby("participant_id")["phase"].agg(lambda p: {"pre", "post"} <= set(p))
    return int(sc.loc[sc["participant_id"].isin(both[both].index), "training_id"].nunique())


def key_of(cols: Sequence[str]) -> str:
    return " and ".join(cols)


class Publication:
    """The suppressed result tables of one study's brief and workbook.

    Parameters
    ----------
    study : Study
    by : sequence, optional
        Extra groupings (names, or tuples for crossings), as ``write_brief(by=...)``.
    min_cell : int
    results : Results, optional
        Shared memo of analyses.
    """

    def __init__(self, study: Any, by=None, min_cell: int = 5, results: Any = None) -> None:
        from tip_eval.report.results import Results

        self.study = study
        self.groupings = groupings(by)
        self.results = results if results is not None else Results(study)
        from tip_eval.disclosure.plan import granularity

        self.plan = Plan(min_cell, atoms=study.attributes(), granularity=granularity(study))
        self.min_cell = self.plan.min_cell
        self.raw: dict[str, Any] = {}
        self.notes: dict[str, str] = {}
        self._build()
        self.plan.solve()
        self._hidden_names: set[str] | None = None  # computed on first use: the plan is solved once, here
        self._hidden_words: list[Any] | None = None

    # -- building ----------------------------------------------------------------------------------
    def _add(self, key: str, table: pd.DataFrame | None, **kw) -> None:
        if table is None or not isinstance(table, pd.DataFrame) or table.empty:
            return
        self.raw[key] = table
        self.plan.add(key, table, **kw)

    @property
    def delayed(self) -> bool:
        """True when some people took a delayed post-test (a retention test)."""
        sc = self.study.scores
        return bool(len(sc)) and bool((sc["phase"] == "delayed").to_numpy(dtype=bool, na_value=False).any())

    @property
    def programme(self) -> bool:
        """True for a programme of several studies (:func:`tip_eval.load_studies`)."""
        tr = self.study.trainings
        return "study" in tr.columns and tr["study"].nunique() > 1

    @property
    def retention_group(self) -> str:
        """The grouping of the brief's retention table: by study in a programme, else by country."""
        return "study" if self.programme else "country"

    def _build(self) -> None:
        study, res = self.study, self.results
        has_conf = bool(len(study.confidence))
        has_scores = bool(len(study.scores))
        has_items = bool(len(study.responses) and len(study.items))
        has_interviews = bool(len(study.interviews) and len(study.followup_codes))
        measures = [m for m, ok in (("knowledge", has_scores), ("confidence", has_conf)) if ok]
        with res.active():
            if not has_scores:  # the overall row still exists (nobody tested): the brief says so
                self._add("gains/knowledge", res("gains", measure="knowledge"), measure="knowledge")
            for m in measures:
                self._add(f"gains/{m}", res("gains", measure=m), measure=m)
                for cols in self.groupings:
                    t = res("gains", by=cols, measure=m).drop(columns=_GROUP_ONLY_OVERALL["gains"], errors="ignore")
                    self._add(f"gains/{m}/{key_of(cols)}", t, measure=m)
            if has_conf:
                self._add("confidence_gains", res("confidence_gains"))
                if has_scores:
                    self._add("knowledge_vs_confidence", res("knowledge_vs_confidence"))
                    self._add("knowledge_vs_confidence/sector", res("knowledge_vs_confidence", by="sector"))
            if has_items:
                self._add("items", res("item_analysis"))
                self._add("modules", res("module_summary"))
                self._add("reliability", res("reliability"))
            if has_scores and matched_trainings(study) >= 2:
                comp = res("compare_trainings")
                self.raw["comparison"] = comp
                self._add("compare", comp.table)
            if has_interviews:
                self._add("followup", res("followup_summary"))
                for cols in self.groupings:
                    if cols == ["training_id"] or cols == ["province"]:
                        continue
                    self._add(f"followup/{key_of(cols)}", res("followup_summary", by=cols))
                self._add("cooccurrence", res("code_cooccurrence"))
                agree = res("coder_agreement")
                if len(agree) and int(agree["n_double_coded"].max() or 0):
                    self._add("agreement", agree)
                fg = res("followup_vs_gains")
                self.notes["followup_vs_gains"] = str(getattr(fg, "note", ""))
                self._add("followup_vs_gains", fg.table)
            if has_scores and len(getattr(study, "costs", ())):
                try:
                    self._add("cost", res("cost_effectiveness"))
                    per = res("cost_effectiveness", by="training_id").drop(columns=_GROUP_ONLY_OVERALL["cost"])
                    self._add("cost/training_id", per, layout="cost_effectiveness")
                except ValueError as err:  # costs that cannot be used: the brief says why
                    self.notes["cost"] = str(err)
            if has_scores and self.delayed:
                rated = bool(len(study.confidence)) and bool((study.confidence["phase"] == "delayed").any())
                for m in ("knowledge", "confidence") if rated else ("knowledge",):
                    self._add(f"retention/{m}", res("retention", measure=m), measure=m)
                    for g in dict.fromkeys(["training_id", self.retention_group]):
                        t = res("retention", by=g, measure=m)
                        self._add(f"retention/{m}/{g}", t[t["n_delayed"] > 0], measure=m)
            if has_scores and self.programme:
                self._add("gains/knowledge/study and year", res("gains", by=["study", "year"]), measure="knowledge")
                comp = res("compare_studies")
                self.raw["study_comparison"] = comp
                self._add("compare_studies", comp.table)
            if has_scores:
                self._add("attrition", res("attrition"))
                per = res("attrition", by="training_id").drop(columns=_GROUP_ONLY_OVERALL["attrition"], errors="ignore")
                self._add("attrition/training_id", per)

    # -- results -----------------------------------------------------------------------------------
    def __contains__(self, key: str) -> bool:
        return key in self.plan.tables

    def table(self, key: str) -> pd.DataFrame | None:
        """The suppressed table ``key`` (None when the study has no such result)."""
        if key not in self.plan.tables:
            return None
        return self.plan.table(key)

    def shown(self, key: str) -> tuple[pd.DataFrame | None, int]:
        """The rows of ``key`` whose group is shown (group size not hidden), and how many were left out."""
        t = self.table(key)
        if t is None:
            return None, 0
        gone = self.plan.group_hidden(key)
        return t.loc[~gone].drop(columns=["suppressed"]), int(gone.sum())

    def hidden_names(self) -> set[str]:
        """Every grouping value (training, province, ...) whose group size is hidden in some table."""
        if self._hidden_names is None:
            self._hidden_names = self._find_hidden_names()
        return set(self._hidden_names)

    def _find_hidden_names(self) -> set[str]:
        names: set[str] = set()
        for key, (table, mapped) in self.plan.tables.items():
            if mapped is None or not mapped.by:
                continue
            gone = self.plan.group_hidden(key)
            for col in mapped.by:
                names.update(str(v) for v in table.loc[gone, col].dropna())
        shown: set[str] = set()
        for key, (table, mapped) in self.plan.tables.items():
            if mapped is None or len(mapped.by) != 1:
                continue
            gone = self.plan.group_hidden(key)
            shown.update(str(v) for v in table.loc[~gone, mapped.by[0]].dropna())
        return names - shown

    def names_hidden(self, text: str) -> bool:
        """True when ``text`` names a group whose size is hidden (:meth:`hidden_names`).

        A vocabulary code is looked for by its labels ("Law enforcement" for ``law_enforcement``),
        and every name as a whole word: "the other studies" does not name the sector ``other``.
        """
        import re

        from tip_eval import vocab

        if self._hidden_words is None:  # the patterns of every hidden name, built once
            self._hidden_words = []
            for name in self.hidden_names():
                words = {name}
                for voc in ("country", "sector", "gender"):
                    try:
                        if name in set(map(str, vocab.codes(voc))):
                            words = {vocab.label(voc, name)}
                    except Exception:  # noqa: BLE001 - a vocabulary this version does not have
                        continue
                self._hidden_words.append([re.compile(rf"(?<![\w-]){re.escape(w)}(?![\w-])") for w in words])
        return any(p.search(text) for words in self._hidden_words for p in words)
