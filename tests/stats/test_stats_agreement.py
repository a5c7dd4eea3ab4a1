"""Cohen's kappa, Krippendorff's alpha, percent agreement and agreement labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from stats_references import (
    KRIPP_2011_A,
    KRIPP_2011_A_NOMINAL,
    KRIPP_2011_C,
    KRIPP_2011_C_INTERVAL,
    KRIPP_2011_C_NOMINAL,
    KRIPP_2011_C_ORDINAL,
    KRIPP_2011_C_RATIO,
    KRIPP_WIKI,
    KRIPP_WIKI_INTERVAL,
    KRIPP_WIKI_NOMINAL,
)

from tip_eval.stats import agreement_label, cohen_kappa, krippendorff_alpha, percent_agreement

pytestmark = pytest.mark.filterwarnings("error")


def _table_to_codes(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> tuple[list[str], list[str]]:
    a = ["yes"] * (yes_yes + yes_no) + ["no"] * (no_yes + no_no)
    b = ["yes"] * yes_yes + ["no"] * yes_no + ["yes"] * no_yes + ["no"] * no_no
    return a, b


def test_cohen_kappa_wikipedia_example():
    # Wikipedia, "Cohen's kappa", simple example: 50 grant proposals, both yes 20, A yes/B no 5,
    # A no/B yes 10, both no 15: p_o = 35/50 = 0.7, p_e = 0.5*0.6 + 0.5*0.4 = 0.5,
    # kappa = (0.7 - 0.5)/(1 - 0.5) = 0.4
    a, b = _table_to_codes(20, 5, 10, 15)
    assert_allclose(cohen_kappa(a, b), 0.4, rtol=1e-14)


def test_cohen_kappa_same_agreement_different_kappa():
    # both tables have p_o = 0.60 (by hand):
    # 45/15/25/15: p_e = 0.6*0.7 + 0.4*0.3 = 0.54 -> kappa = 0.06/0.46
    a, b = _table_to_codes(45, 15, 25, 15)
    assert_allclose(cohen_kappa(a, b), 0.06 / 0.46, rtol=1e-13)
    # 25/35/5/35: p_e = 0.6*0.3 + 0.4*0.7 = 0.46 -> kappa = 0.14/0.54
    a, b = _table_to_codes(25, 35, 5, 35)
    assert_allclose(cohen_kappa(a, b), 0.14 / 0.54, rtol=1e-13)


def test_cohen_kappa_equals_statsmodels():
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    rng = np.random.default_rng(8)
    a = rng.integers(0, 4, 300)
    b = np.where(rng.random(300) < 0.6, a, rng.integers(0, 4, 300))
    table = pd.crosstab(a, b).to_numpy()
    assert_allclose(cohen_kappa(a, b), inter_rater.cohens_kappa(table).kappa, rtol=1e-12)


def test_cohen_kappa_missing_and_degenerate():
    # pairs with a missing code are dropped
    a, b = _table_to_codes(20, 5, 10, 15)
    assert_allclose(cohen_kappa(a + [None, "yes"], b + ["no", np.nan]), 0.4, rtol=1e-14)
    assert np.isnan(cohen_kappa([None, "a"], ["b", None]))
    assert np.isnan(cohen_kappa(["a", "a"], ["a", "a"]))  # p_e = 1
    with pytest.raises(ValueError, match="same length"):
        cohen_kappa(["a", "b"], ["a"])


def test_krippendorff_2011_example_all_levels():
    # Krippendorff (2011), sections C-F, printed to 3 decimals
    assert_allclose(krippendorff_alpha(KRIPP_2011_C), KRIPP_2011_C_NOMINAL, atol=5e-4)
    assert_allclose(krippendorff_alpha(KRIPP_2011_C, "ordinal"), KRIPP_2011_C_ORDINAL, atol=5e-4)
    assert_allclose(krippendorff_alpha(KRIPP_2011_C, "interval"), KRIPP_2011_C_INTERVAL, atol=5e-4)
    assert_allclose(krippendorff_alpha(KRIPP_2011_C, "ratio"), KRIPP_2011_C_RATIO, atol=5e-4)


def test_krippendorff_2011_binary_two_coders():
    # Krippendorff (2011), section A: alpha = 0.095. By hand from the coincidence matrix:
    # o_00 = 10, o_11 = 2, o_01 = o_10 = 4; n_0 = 14, n_1 = 6, n = 20:
    # alpha = 1 - (n - 1) o_01 / (n_0 n_1) = 1 - 19 * 4 / 84
    res = krippendorff_alpha(KRIPP_2011_A)
    assert_allclose(res, KRIPP_2011_A_NOMINAL, atol=5e-4)
    assert_allclose(res, 1 - 19 * 4 / 84, rtol=1e-13)


def test_krippendorff_wikipedia_example():
    assert_allclose(krippendorff_alpha(KRIPP_WIKI), KRIPP_WIKI_NOMINAL, atol=5e-7)
    assert_allclose(krippendorff_alpha(KRIPP_WIKI, "interval"), KRIPP_WIKI_INTERVAL, atol=5e-7)


def test_krippendorff_text_codes_and_frames():
    labels = {1: "def", 2: "id", 3: "trust", 4: "refer", 5: "share"}
    text = pd.DataFrame(KRIPP_2011_C).apply(lambda col: col.map(labels))
    assert_allclose(krippendorff_alpha(text), krippendorff_alpha(KRIPP_2011_C), rtol=1e-14)
    with pytest.raises(ValueError, match="numeric codes"):
        krippendorff_alpha(text, "ordinal")
    with pytest.raises(ValueError, match="`level`"):
        krippendorff_alpha(KRIPP_2011_C, "Nominal")


def test_krippendorff_degenerate_is_nan():
    assert np.isnan(krippendorff_alpha([[1, np.nan], [np.nan, 2]]))  # nothing pairable
    assert np.isnan(krippendorff_alpha([[1, 1], [1, 1]]))  # one value: no expected disagreement
    assert krippendorff_alpha([[1, 1], [2, 2], [3, 3]], "interval") == 1.0


def test_percent_agreement():
    # Krippendorff (2011) section A: the coders agree on 6 of 10 units
    assert_allclose(percent_agreement(KRIPP_2011_A), 60.0, rtol=1e-15)
    # unit 1: codes a, a, b -> 1 of 3 coder pairs agree; unit 2: a, a -> 1 of 1; unit 3 unpairable
    data = [["a", "a", "b"], ["a", None, "a"], ["b", None, None]]
    assert_allclose(percent_agreement(data), 100 * (1 / 3 + 1) / 2, rtol=1e-15)
    assert np.isnan(percent_agreement([["a", None]]))


def test_agreement_labels():
    # Landis & Koch (1977): <0 poor, 0-.20 slight, .21-.40 fair, .41-.60 moderate,
    # .61-.80 substantial, .81-1 almost perfect
    values = [-0.1, 0.0, 0.2, 0.21, 0.4, 0.55, 0.6, 0.8, 0.81, 1.0]
    expected = ["poor", "slight", "slight", "fair", "fair", "moderate", "moderate", "substantial",
                "almost perfect", "almost perfect"]  # fmt: skip
    assert list(agreement_label(values)) == expected
    assert agreement_label(0.4) == "fair"
    assert agreement_label(np.nan) is None
    # Krippendorff (2004): >= .800 reliable, .667-.800 tentative, < .667 unreliable
    assert agreement_label(0.8, scale="krippendorff") == "reliable"
    assert agreement_label(0.743, scale="krippendorff") == "tentative conclusions only"
    assert agreement_label(0.667, scale="krippendorff") == "tentative conclusions only"
    assert agreement_label(0.666, scale="krippendorff") == "unreliable"
    labelled = agreement_label(pd.Series([0.3, 0.9], index=["x", "y"]))
    assert labelled.to_dict() == {"x": "fair", "y": "almost perfect"}
    with pytest.raises(ValueError, match="`scale`"):
        agreement_label(0.5, scale="cohen")
