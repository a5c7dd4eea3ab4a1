"""Shared helpers for the ingest tests: the messy corpus, loaded once per folder, with a test key."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

CORPUS = Path(__file__).resolve().parent / "corpus"
KEY = "corpus-test-key-0123456789abcdef0123456789"  # a test key only; real keys live outside any repository


@pytest.fixture(scope="session")
def hash_key():
    old = os.environ.get("TIP_EVAL_HASH_KEY")
    os.environ["TIP_EVAL_HASH_KEY"] = KEY
    yield KEY
    if old is None:
        os.environ.pop("TIP_EVAL_HASH_KEY", None)
    else:
        os.environ["TIP_EVAL_HASH_KEY"] = old


@pytest.fixture(scope="session")
def corpus(hash_key):
    """``corpus(name)`` -> the Study of corpus folder ``name`` loaded with on_error="quarantine" (cached)."""
    import tip_eval as te

    cache: dict[str, object] = {}

    def load(name: str):
        if name not in cache:
            cache[name] = te.load_study(CORPUS / name, on_error="quarantine")
        return cache[name]

    return load


def located(problems: pd.DataFrame, file, sheet, row, column, value=None) -> pd.DataFrame:
    """The problems at exactly this file, sheet, row and column (and value, when given)."""
    p = problems
    same_sheet = p["sheet"].isna() if sheet is None else (p["sheet"] == sheet)
    same_row = p["row"].isna() if row is None else (p["row"] == row)
    mask = (p["file"] == file) & same_sheet & same_row & (p["column"] == column)
    if value is not None:
        mask &= p["value"] == value
    return p[mask.fillna(False)]
