"""A cache of validated studies: reload unchanged sources without reading or validating them again.

``load_study(path, cache=True)`` keeps what a load produced (the validated canonical tables, the
quarantine, the provenance table, the problems and the row reconciliation, the name and
``min_cell``) as Parquet files in a cache folder, by default ``<study folder>/.tip_eval_cache/``.
The next ``load_study`` of the same study with ``cache=True`` returns them directly when nothing
that could change the result has changed.

What the cache key covers
-------------------------
The key is a SHA-256 over:

- the bytes of ``study.toml`` (when there is one) and of every source file it lists (content, not
  modification times: a file that is copied or touched but unchanged still hits; one changed byte
  misses);
- the effective configuration: the parsed ``[study]`` settings after the ``config=`` overrides,
  and every source's layout and options;
- the version of tip_eval and a fingerprint of its source code (so a new release, or an edited
  installation, never reuses results made by other code), and the versions of pandas, pandera
  and pyarrow;
- for studies that link participants by name, a keyed digest of the pseudonym key (the key itself
  is never written anywhere): another key gives other pseudonyms, so it must miss.

What the cache never does
-------------------------
- Serve stale data: any change above gives a new key, and a cache entry is used only when every
  file it lists is present and has the SHA-256 recorded when it was written (a damaged or
  edited cache file is detected and the study is silently loaded from its sources again, and the
  entry rewritten).
- Fail a load: any problem with the cache (unwritable folder, damaged files, a full disk) falls
  back to an ordinary load; at worst a warning says the cache could not be written.

Entries are written to a temporary folder and renamed into place, so a reader never sees half an
entry, and at most :data:`MAX_ENTRIES` entries are kept per cache folder (the least recently
used are removed). The cache holds the same pseudonymous data as the study's own files, no more:
names are dropped at ingest, before anything reaches it. It contains a ``.gitignore`` so that it
is never committed by accident.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

__all__ = ["CACHE_DIRNAME", "MAX_ENTRIES", "StudyCache", "cache_key", "default_cache_dir"]

#: Name of the default cache folder, inside the study folder.
CACHE_DIRNAME = ".tip_eval_cache"
#: Entries kept per cache folder (least recently used removed first).
MAX_ENTRIES = 4
#: Bump when the layout of an entry changes.
FORMAT = 1

_MANIFEST = "manifest.json"
_REPORT_FRAMES = ("problems", "reconciliation")


# ------------------------------------------------------------------------------------- the key


def default_cache_dir(path: str | Path) -> Path:
    """``<study folder>/.tip_eval_cache`` for a folder, a ``study.toml`` or a single workbook."""
    p = Path(path)
    return (p if p.is_dir() else p.parent) / CACHE_DIRNAME


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


_CODE_FINGERPRINT: str | None = None


def code_fingerprint() -> str:
    """SHA-256 over tip_eval's own ``.py`` files (path and bytes), computed once per process."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        import tip_eval

        root = Path(tip_eval.__file__).resolve().parent
        h = hashlib.sha256()
        for f in sorted(root.rglob("*.py")):
            h.update(f.relative_to(root).as_posix().encode())
            h.update(b"\0")
            h.update(f.read_bytes())
            h.update(b"\0")
        _CODE_FINGERPRINT = h.hexdigest()
    return _CODE_FINGERPRINT


def _versions() -> dict[str, str]:
    import pandera
    import pyarrow

    import tip_eval

    return {"tip_eval": str(tip_eval.__version__), "pandas": pd.__version__, "pandera": pandera.__version__,
            "pyarrow": pyarrow.__version__}


def _plain(value: Any) -> Any:
    """A JSON-able, order-stable form of a configuration value."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def cache_key(path: str | Path, config: Mapping[str, Any] | None = None) -> str | None:
    """The cache key of a study (see the module docstring), or None when it cannot be computed.

    None means "do not use the cache": the study cannot be read as configured (a missing file, an
    invalid ``study.toml``), and the ordinary load reports why.
    """
    from tip_eval.errors import InputRefused
    from tip_eval.io.config import read_config

    try:
        cfg = read_config(path, config)
    except InputRefused:
        return None
    p = Path(path)
    toml = p / "study.toml" if p.is_dir() else (p if p.suffix.lower() == ".toml" else None)
    parts: dict[str, Any] = {
        "format": FORMAT,
        "versions": _versions(),
        "code": code_fingerprint(),
        "name": cfg.name,
        "min_cell": cfg.min_cell,
        "settings": _plain(dict(cfg.settings)),
        "study_toml": _sha256_file(toml) if toml is not None and toml.is_file() else None,
        "sources": [],
    }
    try:
        for src in cfg.sources:
            parts["sources"].append({"file": src.name, "layout": src.layout, "options": _plain(dict(src.options)),
                                     "sha256": _sha256_file(src.file)})
    except OSError:
        return None
    if any(src.get("name_column") for src in cfg.sources):
        try:
            from tip_eval.io.linking import hash_key

            key, _ = hash_key(cfg.settings, cfg.root)
        except Exception:  # no key: the ordinary load explains; never cache
            return None
        parts["pseudonym_key"] = hmac.new(key, b"tip_eval cache key", hashlib.sha256).hexdigest()
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


# --------------------------------------------------------------------- frames <-> Parquet files


def _write_frame(frame: pd.DataFrame, path: Path) -> dict[str, Any]:
    """Write one frame as Parquet; return what is needed to read it back exactly (dtypes, digest)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = frame.reset_index(drop=True)
    dtypes = {str(c): str(frame[c].dtype) for c in frame.columns}
    as_text: list[str] = []
    out = frame
    for c in frame.columns:
        if frame[c].dtype == object:
            try:
                pa.array(frame[c], from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
                # mixed Python types (text and numbers in a problem's 'value'): keep them as text
                if out is frame:
                    out = frame.copy()
                out[c] = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in frame[c]]
                as_text.append(str(c))
    table = pa.Table.from_pandas(out, preserve_index=False)
    pq.write_table(table, path, compression="zstd")
    return {"file": path.name, "sha256": _sha256_file(path), "columns": [str(c) for c in frame.columns],
            "dtypes": dtypes, "as_text": as_text, "rows": int(len(frame))}


def _read_frame(folder: Path, meta: Mapping[str, Any]) -> pd.DataFrame:
    """Read a frame written by :func:`_write_frame`, checking its digest and restoring its dtypes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / meta["file"]
    if _sha256_file(path) != meta["sha256"]:
        raise ValueError(f"{path.name} does not match its recorded digest")
    table = pq.read_table(path)
    # integers read as nullable Int64 so that missing values survive; dtypes are restored below
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    if list(map(str, frame.columns)) != list(meta["columns"]) or len(frame) != meta["rows"]:
        raise ValueError(f"{path.name} does not hold the recorded columns and rows")
    for c, dtype in meta["dtypes"].items():
        col = frame[c]
        if dtype == "object":
            values = col.astype(object)
            frame[c] = values.where(col.notna(), None)
        elif str(col.dtype) != dtype:
            frame[c] = col.astype(dtype)
    return frame


# ---------------------------------------------------------------------------------- the cache


class StudyCache:
    """One study's entry in a cache folder: ``load()`` a hit (or None), ``save(study)``."""

    def __init__(self, folder: str | Path, key: str) -> None:
        self.folder = Path(folder)
        self.key = key
        self.entry = self.folder / key[:40]

    @classmethod
    def for_study(cls, path: str | Path, config: Mapping[str, Any] | None, cache: bool | str | Path) -> "StudyCache | None":
        """The cache entry of a study, or None when caching is off or the key cannot be computed."""
        if cache is False or cache is None:
            return None
        folder = default_cache_dir(path) if cache is True else Path(cache)
        key = cache_key(path, config)
        return None if key is None else cls(folder, key)

    # -- reading
    def load(self, study_class: type) -> Any:
        """The cached study, or None (absent, from another key, damaged: never an exception).

        ``study_class`` is :class:`tip_eval.study.Study`, passed by :func:`~tip_eval.study.load_study`:
        the cache sits below the study module and does not import it.
        """
        try:
            manifest = json.loads((self.entry / _MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        try:
            if manifest.get("format") != FORMAT or manifest.get("key") != self.key:
                return None
            study = self._build(manifest, study_class)
        except Exception:  # a damaged entry: remove it; the caller loads from the sources
            shutil.rmtree(self.entry, ignore_errors=True)
            return None
        try:
            os.utime(self.entry / _MANIFEST)  # recently used
        except OSError:
            pass
        return study

    def _build(self, manifest: Mapping[str, Any], study_class: type) -> Any:
        from tip_eval import schemas
        from tip_eval.validation import ValidationReport

        frames = {name: _read_frame(self.entry, meta) for name, meta in manifest["frames"].items()}
        tables = {t: frames[f"table.{t}"] for t in schemas.TABLES if f"table.{t}" in frames}
        report = ValidationReport(problems=frames["report.problems"], reconciliation=frames["report.reconciliation"])
        study = study_class(name=manifest["name"], min_cell=manifest["min_cell"], report=report, check=False, **tables)
        for name, frame in frames.items():
            if name.startswith("attr."):
                setattr(study, name[5:], frame)
        return study

    # -- writing
    def save(self, study: Any) -> bool:
        """Write the study's entry; True when written. Problems become a warning, never an error."""
        try:
            self._save(study)
            return True
        except Exception as err:  # noqa: BLE001 - the cache must never break a load
            warnings.warn(f"tip_eval could not write its cache in {self.folder} ({err}); the study loaded normally.",
                          RuntimeWarning, stacklevel=3)
            return False

    def _save(self, study: Any) -> None:
        from tip_eval import schemas

        self.folder.mkdir(parents=True, exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# tip_eval's cache of validated studies: never commit it\n*\n", encoding="utf-8")
        tmp = self.folder / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            frames: dict[str, Any] = {}
            for t in schemas.TABLES:
                frames[f"table.{t}"] = _write_frame(getattr(study, t), tmp / f"table.{t}.parquet")
            for name in _REPORT_FRAMES:
                frames[f"report.{name}"] = _write_frame(getattr(study.report, name), tmp / f"report.{name}.parquet")
            for name, value in vars(study).items():  # quarantine, sources and any other frame a Study carries
                if isinstance(value, pd.DataFrame) and name not in schemas.TABLES:
                    frames[f"attr.{name}"] = _write_frame(value, tmp / f"attr.{name}.parquet")
            manifest = {"format": FORMAT, "key": self.key, "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
                        "versions": _versions(), "name": study.name, "min_cell": int(study.min_cell), "frames": frames}
            (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
            if self.entry.exists():
                shutil.rmtree(self.entry, ignore_errors=True)
            try:
                tmp.rename(self.entry)
            except OSError:
                if not (self.entry / _MANIFEST).exists():  # another process wrote it meanwhile: keep theirs
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self._prune()

    def _prune(self) -> None:
        entries = []
        for d in self.folder.iterdir():
            if d.name.startswith(".tmp-") and d.is_dir():
                try:
                    if time.time() - d.stat().st_mtime > 3600:  # left behind by a process that died
                        shutil.rmtree(d, ignore_errors=True)
                except OSError:
                    pass
                continue
            m = d / _MANIFEST
            if d.is_dir() and m.exists():
                entries.append((m.stat().st_mtime, d))
        for _, d in sorted(entries, reverse=True)[MAX_ENTRIES:]:
            shutil.rmtree(d, ignore_errors=True)
