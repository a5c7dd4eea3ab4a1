"""Hostile study folders, opened as an M&E officer would open one received from anyone.

Each case of ``make_hostile.py`` must end with its exit code (2: refused, with one plain message
naming what is wrong and what to do), never a traceback, in bounded time and memory, and without
reading, writing or deleting anything outside the study folder, ``--out`` and the cache folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _make_hostile():
    spec = importlib.util.spec_from_file_location("make_hostile", HERE / "make_hostile.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_hostile"] = module
    spec.loader.exec_module(module)
    return module


mh = _make_hostile()


def _run(*argv: str) -> tuple[int, str, str]:
    """``tip-eval argv`` in this process: (exit code, stdout, stderr)."""
    from tip_eval.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _snapshot(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, tuple]:
    """Every path under ``root`` (links not followed) with its kind, size, time and link target."""
    seen = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d not in skip]
        for name in dirnames + filenames:
            p = here / name
            st = os.lstat(p)
            target = os.readlink(p) if p.is_symlink() else None
            seen[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, target)
    return seen


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    return root, mh.build(root)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("TIP_EVAL_CACHE_DIR", str(folder))
    return folder


def test_every_hostile_folder_is_refused_with_one_plain_message(corpus, cache_dir):
    root, cases = corpus
    before = _snapshot(root)
    failures = []
    for case in cases:
        if case.name.startswith("bomb_"):
            continue  # under a memory limit, below
        code, out, err = _run("validate", str(root / case.name))
        said = out + err
        lines = [line for line in err.splitlines() if line.strip()]
        if code != case.code or case.says.lower() not in said.lower() or "Traceback" in said or len(lines) != 1:
            failures.append(f"{case.name} ({case.why}): exit {code}, said {said.strip()[:300]!r}")
    assert not failures, "\n".join(failures)
    # nothing outside was read into a message, and nothing anywhere was written, moved or deleted
    assert _snapshot(root) == before
    assert not (cache_dir / "studies").exists()


def test_officers_files_never_reach_a_message(corpus):
    """The HR export next to the studies: its names are never quoted, whatever the study names."""
    root, cases = corpus
    for case in cases:
        if case.name.startswith("bomb_"):
            continue
        _, out, err = _run("validate", str(root / case.name))
        assert "Somchai" not in out + err and "private notes" not in out + err, case.name


def test_bombs_are_refused_fast_under_a_memory_limit(corpus, tmp_path):
    """The amplification bombs, opened in a child process that may use at most 1 GB of memory."""
    root, cases = corpus
    bombs = [str(root / c.name) for c in cases if c.name.startswith("bomb_")]
    assert len(bombs) == len(mh.BOMBS)
    child = textwrap.dedent("""
        import contextlib, io, json, resource, sys, time
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from tip_eval.cli import main
        import tip_eval.study, tip_eval.io.load  # imported before the clock starts
        for folder in sys.argv[1:]:
            out, err = io.StringIO(), io.StringIO()
            start = time.perf_counter()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["validate", folder])
            print(json.dumps({"case": folder, "code": code, "seconds": time.perf_counter() - start,
                              "said": out.getvalue() + err.getvalue()}), flush=True)
    """)
    env = {**os.environ, "TIP_EVAL_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", child, *bombs], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]  # a bomb that got through would abort the child
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["case"] for r in results] == bombs
    for r in results:
        name = Path(r["case"]).name
        assert r["code"] == 2 and "Traceback" not in r["said"], (name, r["said"])
        case = next(c for c in cases if c.name == name)
        assert case.says in r["said"], (name, r["said"])
        assert r["seconds"] < 1.0, (name, r["seconds"])


# ----------------------------------------------------------------------------- usage


def test_bad_usage_is_exit_2_with_one_sentence(corpus, tmp_path, cache_dir):
    root, _ = corpus
    study = root / "dotdot"  # never read: usage is checked first
    blocked = root / "outside" / "secret.txt" / "out"  # a folder inside a file cannot be made
    for argv, says in (
        (["brief", str(study), "--out", str(tmp_path / "o"), "--min-cell", "0"], "at least 3"),
        (["brief", str(study), "--out", str(tmp_path / "o"), "--min-cell", "two"], "whole number"),
        (["brief", str(study), "--out", str(tmp_path / "o"), "--by", "nonexistent"], "no such column"),
        (["brief", str(study), "--out", str(blocked)], "Cannot write"),
        (["validate", str(study), "--report", str(blocked / "problems.xlsx")], "Cannot write"),
        (["validate", str(tmp_path / "nowhere")], "does not exist"),
        (["validate"], "required"),
        (["no-such-command"], "invalid choice"),
    ):
        code, out, err = _run(*argv)
        assert code == 2 and says in err and "Traceback" not in out + err, (argv, out, err)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_internal_error_is_exit_3_with_a_log(monkeypatch, cache_dir, corpus):
    import tip_eval.study

    root, _ = corpus

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(tip_eval.study, "load_study", broken)
    code, out, err = _run("validate", str(root / "dotdot"))
    assert code == 3 and "Traceback" not in out + err and "internal error" in err
    (log,) = (cache_dir / "logs").glob("tip-eval-*.log")
    assert str(log) in err and "RuntimeError: a bug" in log.read_text(encoding="utf-8")
    code, out, err = _run("validate", str(root / "dotdot"), "--debug")
    assert code == 3 and "Traceback" in err  # the details when asked for


def test_validate_api_never_raises_on_refused_input(corpus):
    import tip_eval as te

    root, cases = corpus
    for case in cases[:12]:
        report = te.validate(root / case.name)
        assert not report.ok and (report.problems["severity"] == "error").any(), case.name


# ------------------------------------------------------------------- hostile content


@pytest.fixture(scope="module")
def content(corpus, tmp_path_factory):
    """A valid study whose text is hostile, and its brief written once (the cache in use)."""
    from tip_eval.datasets import make_study
    from tip_eval.io.template import write_study_folder

    root, _ = corpus
    study, _ = make_study(seed=3, n_trainings=2, participants_per_training=12, n_items=6)
    base = tmp_path_factory.mktemp("base") / "study"
    write_study_folder(study, base)
    folder = mh.content(root, base)
    cache = tmp_path_factory.mktemp("user-cache")
    out = root / "out"
    before = _snapshot(root)
    old = os.environ.get("TIP_EVAL_CACHE_DIR")
    os.environ["TIP_EVAL_CACHE_DIR"] = str(cache)
    try:
        code, said_out, said_err = _run(
            "brief", str(folder), "--out", str(out), "--by", "province", "organisation", "role"
        )
    finally:
        os.environ["TIP_EVAL_CACHE_DIR"] = old or ""
        if old is None:
            del os.environ["TIP_EVAL_CACHE_DIR"]
    return {
        "root": root,
        "folder": folder,
        "out": out,
        "cache": cache,
        "code": code,
        "said": said_out + said_err,
        "before": before,
    }


def test_hostile_text_gives_a_clean_brief(content):
    assert content["code"] == 0 and "Traceback" not in content["said"], content["said"]


def test_nothing_is_written_outside_out_and_the_cache(content):
    """The study's .tip_eval_cache is a link to the officer's folder: it is never read, followed or written."""
    root = content["root"]
    after = _snapshot(root, skip=(content["out"],))
    assert after == {k: v for k, v in content["before"].items() if k != "out" and not k.startswith("out" + os.sep)}
    assert sorted(p.name for p in (root / "outside" / "sentinel").iterdir()) == ["keep.txt"]
    assert any((content["cache"] / "studies").iterdir())


def _figure_strings(html: str) -> list[str]:
    calls = re.findall(
        r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{"displaylogo', html, flags=re.DOTALL
    )
    # two trainings of 12: the disclosure plan leaves out the figures whose every value it hides (here the
    # calibration figure); the others carry the hostile labels
    assert len(calls) >= 7
    found: list[str] = []

    def walk(x):
        if isinstance(x, str):
            found.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for data, layout in calls:
        walk(json.loads(data))
        walk(json.loads(layout))
    return found


def test_figure_labels_are_plain_text(content):
    html = (content["out"] / "brief.html").read_text(encoding="utf-8")
    strings = _figure_strings(html)
    labels = [s for s in strings if "evil.example" in s]
    assert labels, "the hostile province and organisation are drawn (grouped by them)"
    tag = re.compile(r"<\s*(a|img|span|script|iframe|svg)\b", re.IGNORECASE)
    assert not [s for s in strings if tag.search(s)]
    assert any("&lt;a href=" in s for s in labels)  # shown as the text it is
    for bad in ('<a href="http://evil', '<img src="http://evil', "<script>alert"):
        assert bad not in html
    assert "\ufffe" not in html and "\uffff" not in html


@pytest.mark.parametrize("book", ["tables.xlsx", "problems.xlsx"])
def test_workbooks_open_whatever_the_input_held(content, book):
    """Every XML part parses and openpyxl opens the workbook; formulas from the data stay text."""
    import defusedxml.ElementTree as ET
    import openpyxl

    path = content["out"] / book
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(z.read(name))
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.value for c in cells if re.search("[\ufffe\uffff\x00-\x08]", c.value)]
    if book == "tables.xlsx":
        role = [c for c in cells if c.value.startswith("=HYPERLINK")]
        assert role and all(c.data_type == "s" for c in role)
    else:
        assert any(c.value == "Pirates" for c in cells)  # the unknown sector, quoted without U+FFFF


def test_forged_cache_is_never_served(content, monkeypatch):
    """The brief's cache entry, forged as someone with the files but not the secret could: never used."""
    import hashlib

    from tip_eval.study import load_study

    monkeypatch.setenv("TIP_EVAL_CACHE_DIR", str(content["cache"]))
    (entry,) = [d for d in (content["cache"] / "studies").iterdir() if (d / "manifest.json").exists()]
    manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
    manifest["min_cell"] = 1  # suppression off
    table = entry / "table.scores.parquet"
    table.write_bytes(table.read_bytes()[:-64] + b"\0" * 64)
    manifest["frames"]["table.scores"]["hmac"] = hashlib.sha256(table.read_bytes()).hexdigest()
    (entry / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    study = load_study(content["folder"], on_error="quarantine", cache=True)
    assert study.min_cell == 5
    assert study.equals(load_study(content["folder"], on_error="quarantine"))
