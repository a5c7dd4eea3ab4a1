"""Shared fixtures: the default synthetic study (built once per test session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


@pytest.fixture(scope="session", autouse=True)
def _own_cache_dir(tmp_path_factory):
    """Every test run caches validated studies (and logs errors) in a folder of its own, never the user's."""
    old = os.environ.get("TIP_EVAL_CACHE_DIR")
    os.environ["TIP_EVAL_CACHE_DIR"] = str(tmp_path_factory.mktemp("tip_eval_cache"))
    yield
    if old is None:
        os.environ.pop("TIP_EVAL_CACHE_DIR", None)
    else:
        os.environ["TIP_EVAL_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def sample():
    """(study, truth) of make_study(seed=0), the study behind sample_data/."""
    from tip_eval.datasets import make_study

    return make_study(seed=0)


@pytest.fixture(scope="session")
def sample_study(sample):
    return sample[0]


@pytest.fixture(scope="session")
def sample_truth(sample):
    return sample[1]
