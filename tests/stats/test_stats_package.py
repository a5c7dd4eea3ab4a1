"""The public surface of tip_eval.stats: names, lazy heavy imports, runnable docstring examples."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pytest

import tip_eval.stats
from tip_eval.stats import multitest, paired


def test_all_names_resolve():
    for name in tip_eval.stats.__all__:
        assert hasattr(tip_eval.stats, name), name
    for name in ("paired_gain", "paired_gain_grouped", "cohen_kappa", "krippendorff_alpha", "kr20",
                 "cronbach_alpha", "reliable_change", "p_adjust", "wilson_interval"):  # fmt: skip
        assert name in tip_eval.stats.__all__


def test_importing_stats_does_not_load_statsmodels():
    code = "import sys, tip_eval.stats; print('statsmodels' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("module", [paired, multitest])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
