"""Shared fixtures: the default synthetic study (built once per test session)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


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
