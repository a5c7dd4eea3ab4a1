"""The cache of validated studies (tip_eval.io.cache): hits are exact, nothing stale or forged is ever served."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import tip_eval
import tip_eval.io.load as load_module
from tip_eval.errors import ValidationError
from tip_eval.io import cache as cache_module
from tip_eval.study import load_study


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory):
    """A two-training study written as the files partners send (fast to load)."""
    from tip_eval.datasets import make_study
    from tip_eval.io.template import write_study_folder

    study, truth = make_study(seed=3, n_trainings=2, participants_per_training=8, n_items=6)
    folder = tmp_path_factory.mktemp("small") / "study"
    write_study_folder(study, folder)
    return folder


@pytest.fixture(autouse=True)
def store(monkeypatch, tmp_path) -> Path:
    """A cache root of this test's own; returns the folder of its entries."""
    monkeypatch.setenv("TIP_EVAL_CACHE_DIR", str(tmp_path / "user-cache"))
    return cache_module.default_cache_dir()


@pytest.fixture
def folder(small_folder, tmp_path):
    dst = tmp_path / "study"
    shutil.copytree(small_folder, dst)
    return dst


@pytest.fixture
def reads(monkeypatch):
    """Count the loads that read the sources (a cache hit reads none)."""
    calls = []
    original = load_module.load_sources

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(load_module, "load_sources", counting)
    return calls


def _frames(study):
    out = dict(study.tables())
    out.update(
        quarantine=study.quarantine,
        sources=study.sources,
        problems=study.report.problems,
        reconciliation=study.report.reconciliation,
    )
    return out


def assert_same_study(a, b):
    assert a.equals(b)
    assert (a.name, a.min_cell) == (b.name, b.min_cell)
    fa, fb = _frames(a), _frames(b)
    for name in fa:
        pd.testing.assert_frame_equal(fa[name], fb[name], check_dtype=True, obj=name)


def _entries(cache_dir: Path) -> list[Path]:
    return [d for d in cache_dir.iterdir() if d.is_dir() and (d / "manifest.json").exists()]


def _set_cell(workbook: Path, sheet: str, cell: str, value) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(workbook)
    wb[sheet][cell] = value
    wb.save(workbook)


def _training_book(folder: Path) -> Path:
    return sorted((folder / "trainings").glob("*.xlsx"))[0]


def test_hit_returns_an_equal_study_without_reading(folder, reads, store):
    fresh = load_study(folder)
    first = load_study(folder, cache=True)
    assert len(reads) == 2
    assert (store / ".gitignore").exists() and len(_entries(store)) == 1
    assert not (folder / ".tip_eval_cache").exists()  # nothing is written into the study folder
    again = load_study(folder, cache=True)
    assert len(reads) == 2  # neither read nor validated
    assert_same_study(fresh, first)
    assert_same_study(fresh, again)


def test_cache_folder_can_be_given(folder, tmp_path, reads):
    where = tmp_path / "elsewhere"
    load_study(folder, cache=where)
    load_study(folder / "study.toml", cache=str(where))  # the same study named by its study.toml
    assert len(reads) == 1
    assert len(_entries(where)) == 1
    assert not (folder / ".tip_eval_cache").exists()


def test_one_changed_byte_misses(folder):
    before = cache_module.cache_key(folder)
    book = _training_book(folder)
    original = book.read_bytes()
    data = bytearray(original)
    data[len(data) // 2] ^= 0x01
    book.write_bytes(bytes(data))
    assert cache_module.cache_key(folder) != before
    book.write_bytes(original)
    assert cache_module.cache_key(folder) == before  # the same bytes again: the same key
    toml = folder / "study.toml"
    toml.write_bytes(toml.read_bytes().replace(b"# study.toml", b"# Study.toml", 1))
    assert cache_module.cache_key(folder) != before


def test_changed_source_gives_fresh_data(folder, reads):
    load_study(folder, cache=True)
    book = _training_book(folder)
    _set_cell(book, "Participants", "B2", "NGO")  # the first participant's sector
    study = load_study(folder, cache=True)
    assert len(reads) == 2
    first_id = study.participants["participant_id"].sort_values().iloc[0]
    assert study.participants.set_index("participant_id").loc[first_id, "sector"] == "ngo"
    assert_same_study(study, load_study(folder))


def test_changed_config_misses(folder, reads, store):
    a = load_study(folder, cache=True)
    b = load_study(folder, cache=True, config={"min_cell": 11})
    assert len(reads) == 2
    assert (a.min_cell, b.min_cell) == (5, 11)
    c = load_study(folder, cache=True, config={"min_cell": 11})
    d = load_study(folder, cache=True)
    assert len(reads) == 2  # both settings are cached side by side
    assert (c.min_cell, d.min_cell) == (11, 5)
    assert len(_entries(store)) == 2


def test_new_tip_eval_version_misses(folder, reads, monkeypatch):
    load_study(folder, cache=True)
    monkeypatch.setattr(tip_eval, "__version__", "999.0.0")
    load_study(folder, cache=True)
    assert len(reads) == 2


def test_changed_code_misses(folder, reads, monkeypatch):
    load_study(folder, cache=True)
    monkeypatch.setattr(cache_module, "_CODE_FINGERPRINT", "another build of tip_eval")
    load_study(folder, cache=True)
    assert len(reads) == 2


def _damage(entry: Path, how: str) -> None:
    target = entry / "table.responses.parquet"
    if how == "garbage":
        target.write_bytes(b"not parquet at all")
    elif how == "flipped":  # still a readable file: only the digest can tell
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    elif how == "truncated":
        target.write_bytes(target.read_bytes()[:100])
    elif how == "deleted":
        target.unlink()
    else:
        (entry / "manifest.json").write_text('{"format": 1, "key": ', encoding="utf-8")


def test_corrupted_cache_is_silently_rebuilt(folder, reads, store):
    fresh = load_study(folder, cache=True)
    for n, how in enumerate(["garbage", "flipped", "truncated", "deleted", "manifest"], start=2):
        (entry,) = _entries(store)
        _damage(entry, how)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            again = load_study(folder, cache=True)
        assert len(reads) == n, how  # read again from the sources
        assert_same_study(fresh, again)
    load_study(folder, cache=True)  # the entry was rewritten: a hit again
    assert len(reads) == 6


def test_problems_and_quarantine_round_trip(folder, reads):
    book = _training_book(folder)
    _set_cell(book, "Participants", "B3", "astronaut")  # not a sector: kept, with the sector missing
    import openpyxl

    last = openpyxl.load_workbook(book)["Pre-test"].max_column
    _set_cell(book, "Pre-test", f"{openpyxl.utils.get_column_letter(last)}2", 7)  # a number among letters: set aside
    with pytest.raises(ValidationError):
        load_study(folder, cache=True)
    with pytest.raises(ValidationError) as err:
        load_study(folder, cache=True)  # a hit still raises, with the same report
    assert len(reads) == 1
    assert not err.value.report.ok
    fresh = load_study(folder, on_error="quarantine")
    cached = load_study(folder, on_error="quarantine", cache=True)
    assert len(reads) == 2
    assert len(cached.quarantine) > 0
    assert_same_study(fresh, cached)


def test_unwritable_cache_never_breaks_a_load(folder, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.warns(RuntimeWarning, match="could not write its cache"):
        study = load_study(folder, cache=blocker)
    assert len(study.participants) == 16


def test_missing_source_is_reported_not_cached(folder):
    from tip_eval.errors import InputRefused

    load_study(folder, cache=True)
    _training_book(folder).unlink()
    with pytest.raises(InputRefused):
        load_study(folder, cache=True)


def test_entries_are_pruned(folder, monkeypatch, reads, store):
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 2)
    for m in (5, 6, 7):
        load_study(folder, cache=True, config={"min_cell": m})
    assert len(_entries(store)) == 2
    manifests = [json.loads((d / "manifest.json").read_text()) for d in _entries(store)]
    assert sorted(m["min_cell"] for m in manifests) == [6, 7]


def test_another_pseudonym_key_misses(monkeypatch):
    """Studies linked by name: the pseudonyms depend on the secret key, so the key is part of the cache key
    (as a keyed digest; the key itself is never written)."""
    folder = Path(__file__).parent / "ingest" / "corpus" / "prepost_names"
    if not (folder / "study.toml").exists():
        pytest.skip("the ingest corpus has no name-linked study")
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", "a-first-secret-key-of-some-length-0123")
    first = cache_module.cache_key(folder)
    assert first is not None
    assert cache_module.cache_key(folder) == first
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", "another-secret-key-of-some-length-0123")
    assert cache_module.cache_key(folder) != first
    monkeypatch.delenv("TIP_EVAL_HASH_KEY")
    assert cache_module.cache_key(folder) is None  # no key: never cached (the load itself explains)


def test_coded_documents_miss_when_the_key_changes(monkeypatch):
    """Coded documents no documents table maps get IDs keyed with the study's key when one is configured
    (numbered without one): another key, or none, is another cache entry."""
    folder = Path(__file__).parent / "ingest" / "corpus" / "coding"
    monkeypatch.delenv("TIP_EVAL_HASH_KEY", raising=False)
    plain = cache_module.cache_key(folder)
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", "a-first-secret-key-of-some-length-0123")
    first = cache_module.cache_key(folder)
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", "another-secret-key-of-some-length-0123")
    assert len({plain, first, cache_module.cache_key(folder)}) == 3 and plain is not None


# ------------------------------------------------------------------------- authentication


def _only_entry(store: Path) -> Path:
    (entry,) = _entries(store)
    return entry


def test_secret_is_private_and_made_once(folder, store):
    import os
    import stat

    load_study(folder, cache=True)
    secret = store.parent / "secret.key"
    mode = stat.S_IMODE(os.stat(secret).st_mode)
    assert mode == 0o600 and len(secret.read_bytes()) == 32
    first = secret.read_bytes()
    load_study(folder, cache=True)
    assert secret.read_bytes() == first


def test_another_users_entry_is_never_served(folder, reads, store, tmp_path, monkeypatch):
    """An entry made with another secret (copied from elsewhere) does not authenticate here."""
    load_study(folder, cache=True)
    other = tmp_path / "other-user"
    shutil.copytree(store.parent, other)
    (other / "secret.key").unlink()  # the other user's secret is not ours
    monkeypatch.setenv("TIP_EVAL_CACHE_DIR", str(other))
    load_study(folder, cache=True)
    assert len(reads) == 2


def test_crafted_entries_never_crash_and_are_not_pruned(folder, reads, store, monkeypatch):
    """Entries that do not authenticate are ignored (never a crash) and never removed by pruning."""
    load_study(folder, cache=True)
    entry = _only_entry(store)
    for crafted in (b'{"format": 2, "mac": "00", "frames": 7}\xff\xfe', b"[" * 100_000):  # nonsense; too deep to parse
        (entry / "manifest.json").write_bytes(crafted)
        study = load_study(folder, cache=True)
        assert len(study.participants) == 16
    stranger = store / ("0" * 40)
    stranger.mkdir()
    (stranger / "manifest.json").write_text('{"format": 2}', encoding="utf-8")
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 1)
    load_study(folder, cache=True, config={"min_cell": 7})
    assert stranger.is_dir()  # not ours to remove
