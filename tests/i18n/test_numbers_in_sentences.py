"""Numbers inside sentences (the plans of ``te.plan_next``, the comparison of trainings) are written with
the decimal sign of the brief's language, as the tables are: ``5,8`` in Indonesian, ``5.8`` in English."""

from __future__ import annotations

import re

import pytest

import tip_eval as te
from tip_eval.analysis._common import number_text
from tip_eval.i18n import using

POINT_DECIMAL = re.compile(r"\d\.\d")
COMMA_DECIMAL = re.compile(r"\d,\d")


def _sentences(study) -> list[str]:
    plan = te.plan_next(study)
    comparison = te.compare_trainings(study)
    return [s for s in plan.table["in_words"] if s] + [plan.summary(), comparison.summary()]


@pytest.fixture(scope="module")
def english_and_indonesian(sample_study):
    english = _sentences(sample_study)
    with using("id"):
        indonesian = _sentences(sample_study)
    return english, indonesian


def test_indonesian_sentences_use_the_decimal_comma(sample_study, english_and_indonesian):
    english, indonesian = english_and_indonesian
    assert [s for s in indonesian if POINT_DECIMAL.search(s)] == []
    # the same numbers as in English, with a comma: the plan's gain to show, e.g. 5.8 -> 5,8
    gain = te.plan_next(sample_study).table.set_index("plan").loc["gain", "target"]
    assert f"{gain:.1f}" in english[0] and f"{gain:.1f}".replace(".", ",") in indonesian[0]
    point = sorted(set(POINT_DECIMAL.findall(" ".join(english))))
    assert point and sorted(set(COMMA_DECIMAL.findall(" ".join(indonesian)))) >= [p.replace(".", ",") for p in point]


def test_english_sentences_keep_the_decimal_point(english_and_indonesian):
    english, _ = english_and_indonesian
    assert all(not COMMA_DECIMAL.search(s) for s in english)
    assert sum(bool(POINT_DECIMAL.search(s)) for s in english) >= 3


def test_number_text_rounds_alike_in_every_language():
    assert number_text(11.64) == "11.6" and number_text(-0.05, "+.2f") == "-0.05"
    with using("id"):
        assert (number_text(11.64), number_text(2.5, "+.1f"), number_text(0.0123, ".3g")) == ("11,6", "+2,5", "0,0123")
    with using("km"):
        assert number_text(11.64) == "11.6"  # Khmer writes a decimal point (CLDR)
