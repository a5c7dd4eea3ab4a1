"""A cache of validated studies: reload unchanged sources without reading or validating them again.

``load_study(path, cache=True)`` keeps what a load produced (the validated canonical tables, the
quarantine, the provenance table, the problems and the row reconciliation, the name and
``min_cell``) as Parquet files in the user's cache folder, and the next ``load_study`` of the same
study with ``cache=True`` returns them directly when nothing that could change the result has
changed.

Where the cache lives
---------------------
In ``studies/`` of the user's cache directory (:func:`cache_root`: the folder the environment
variable ``TIP_EVAL_CACHE_DIR`` names, else the platform's own, from ``platformdirs``: for
example ``~/.cache/tip_eval`` on Linux, ``~/Library/Caches/tip_eval`` on macOS,
``%LOCALAPPDATA%\\tip_eval\\Cache`` on Windows), never in the study folder: a study folder comes
from someone else, and a cache inside it could be forged, or be a link that makes writing the cache
write (and pruning it delete) somewhere else. A folder's own ``.tip_eval_cache`` (written by old
versions) is never read, followed or written. The folders are created readable by their owner only.

What the cache key covers
-------------------------
The key is a SHA-256 over:

- the bytes of ``study.toml`` (when there is one) and of every source file it lists (content, not
  modification times: a file that is copied or touched but unchanged still hits; one changed byte
  misses);
- the effective configuration: the parsed ``[study]`` settings after the ``config=`` overrides,
  the ``[limits]``, and every source's layout and options;
- the version of tip_eval and a fingerprint of its source code (so a new release, or an edited
  installation, never reuses results made by other code), and the versions of pandas, pandera
  and pyarrow;
- the language of the load (problems and reasons are written in it) and a digest of its compiled
  message catalog (a corrected catalog misses);
- for studies that link participants by name, or read coded documents (whose neutral interview IDs
  are keyed when a key is configured), a keyed digest of the pseudonym key (the key itself is never
  written anywhere): another key gives other pseudonyms, so it must miss.

Authentication
--------------
Every entry is authenticated with a secret of the user's own (:func:`user_secret`: 32 random bytes
in ``<cache root>/secret.key``, created on first use, readable by its owner only): the manifest
carries an HMAC-SHA256 over itself, and it records an HMAC-SHA256 of every table file. An entry is
used only when every HMAC matches, so an edited manifest (another ``min_cell``), a replaced table
(even with a recomputed SHA-256) or an entry copied from someone else's cache is never served.

What the cache never does
-------------------------
- Serve stale or forged data: any change above gives a new key, and an entry whose manifest or
  tables do not authenticate is ignored; the study is loaded from its sources again and the entry
  rewritten.
- Fail a load: any problem with the cache (no secret, unwritable folder, a damaged, forged or
  crafted entry, a full disk) falls back to an ordinary load; at worst a warning says the cache
  could not be written.
- Touch anything else: links are never followed (a link where an entry should be is removed as a
  link), pruning removes only entries it can authenticate, and nothing outside the cache folder is
  ever written or removed.

Entries are written to a temporary folder and renamed into place, so a reader never sees half an
entry, and at most :data:`MAX_ENTRIES` authenticated entries are kept (the least recently used
are removed). The cache holds the same pseudonymous data as the study's own files, no more: names
are dropped at ingest, before anything reaches it. ``load_study(..., cache=False)`` (the
``--no-cache`` option of ``tip-eval brief``) neither reads nor writes it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import stat
import time
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from tip_eval.i18n import _, catalog_fingerprint, current_language

__all__ = ["CACHE_ENV", "MAX_ENTRIES", "StudyCache", "cache_key", "cache_root", "default_cache_dir", "user_secret"]

#: Environment variable naming the cache root (tests and shared machines set it).
CACHE_ENV = "TIP_EVAL_CACHE_DIR"
#: Authenticated entries kept (least recently used removed first).
MAX_ENTRIES = 16
#: Bump when the layout of an entry changes.
FORMAT = 2

_MANIFEST = "manifest.json"
_SECRET = "secret.key"
#: layouts that give unmapped documents neutral interview IDs, keyed when the study has a key
DOCUMENT_LAYOUTS = frozenset({"taguette", "qualcoder", "code_matrix"})
_SECRET_BYTES = 32
_MAX_MANIFEST_BYTES = 16 * 1024 * 1024
_REPORT_FRAMES = ("problems", "reconciliation")


# ------------------------------------------------------------------------------- where, secret


def cache_root() -> Path:
    """The user's cache directory of tip_eval: ``$TIP_EVAL_CACHE_DIR``, else the platform's (``platformdirs``)."""
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_path("tip_eval", appauthor=False))


def default_cache_dir(path: str | Path | None = None) -> Path:
    """Where validated studies are cached: ``<cache root>/studies`` (the same for every study)."""
    return cache_root() / "studies"


def _private_dir(folder: Path) -> None:
    """Create ``folder`` (and its parents) readable by its owner only; refuse a link."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.is_symlink() or not folder.is_dir():
        raise OSError(f"{folder} is not a folder")


def _owner_only(info: os.stat_result) -> bool:
    if os.name == "nt":  # permissions are ACLs there; the profile folder is the user's own
        return True
    return info.st_uid == os.getuid() and not info.st_mode & 0o077


def user_secret(create: bool = True) -> bytes | None:
    """The user's cache secret (32 random bytes), created on first use with owner-only permissions.

    Returns None when there is none and ``create`` is False, or when it cannot be read or made;
    a secret file that others may read, or that is not the user's own plain file, is replaced.
    """
    root = cache_root()
    path = root / _SECRET
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, os.O_RDONLY | nofollow)
        try:
            info = os.fstat(fd)
            data = os.read(fd, _SECRET_BYTES + 1) if stat.S_ISREG(info.st_mode) else b""
        finally:
            os.close(fd)
        if len(data) == _SECRET_BYTES and stat.S_ISREG(info.st_mode) and _owner_only(info):
            return data
        if not create:
            return None
        path.unlink()  # not a secret we can trust: a new one (every entry is then rebuilt)
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        if not create:
            return None
        try:
            path.unlink()
        except OSError:
            return None
    try:
        _private_dir(root)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow, 0o600)
    except FileExistsError:  # another process made it meanwhile
        return user_secret(create=False)
    except OSError:
        return None
    try:
        os.write(fd, secrets.token_bytes(_SECRET_BYTES))
    finally:
        os.close(fd)
    return user_secret(create=False)


def _mac(secret: bytes, data: bytes) -> str:
    return hmac.new(secret, data, hashlib.sha256).hexdigest()


def _read_plain(path: Path, limit: int) -> bytes:
    """The bytes of a plain file (not a link), at most ``limit`` of them, else OSError."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            raise OSError(f"{path.name} is not a plain file of at most {limit:,} bytes")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "mac"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ------------------------------------------------------------------------------------- the key


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

    return {
        "tip_eval": str(tip_eval.__version__),
        "pandas": pd.__version__,
        "pandera": pandera.__version__,
        "pyarrow": pyarrow.__version__,
    }


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
        "limits": _plain(vars(cfg.limits)) if cfg.limits is not None else None,
        "study_toml": _sha256_file(toml) if toml is not None and toml.is_file() else None,
        "sources": [],
        # problems and reasons are written in the language of the load, with its catalog
        "language": current_language(),
        "catalog": catalog_fingerprint(current_language()),
    }
    try:
        for src in cfg.sources:
            parts["sources"].append(
                {
                    "file": src.name,
                    "layout": src.layout,
                    "options": _plain(dict(src.options)),
                    "sha256": _sha256_file(src.file),
                }
            )
    except OSError:
        return None
    names = any(src.get("name_column") for src in cfg.sources)
    documents = any(src.layout in DOCUMENT_LAYOUTS for src in cfg.sources)
    if names or documents:
        try:
            from tip_eval.io.linking import configured_key, hash_key

            key = hash_key(cfg.settings, cfg.root)[0] if names else configured_key(cfg.settings, cfg.root)
        except Exception:  # noqa: BLE001 - no usable key: the ordinary load explains; never cache
            return None
        if key is not None:
            parts["pseudonym_key"] = hmac.new(key, b"tip_eval cache key", hashlib.sha256).hexdigest()
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


# --------------------------------------------------------------------- frames <-> Parquet files


def _write_frame(frame: pd.DataFrame, path: Path, secret: bytes) -> dict[str, Any]:
    """Write one frame as Parquet; return what is needed to read it back exactly (dtypes, HMAC)."""
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
    return {
        "file": path.name,
        "hmac": _mac(secret, path.read_bytes()),
        "columns": [str(c) for c in frame.columns],
        "dtypes": dtypes,
        "as_text": as_text,
        "rows": len(frame),
    }


def _read_frame(folder: Path, meta: Mapping[str, Any], secret: bytes) -> pd.DataFrame:
    """Read a frame written by :func:`_write_frame`: its HMAC checked first, then its dtypes restored."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    name = str(meta["file"])
    if Path(name).name != name or not name.endswith(".parquet"):
        raise ValueError(f"{name!r} is not a file of the entry")
    data = _read_plain(folder / name, 4 * 1024 * 1024 * 1024)
    if not hmac.compare_digest(_mac(secret, data), str(meta["hmac"])):
        raise ValueError(f"{name} does not match its recorded HMAC")
    table = pq.read_table(io.BytesIO(data))
    # integers read as nullable Int64 so that missing values survive; dtypes are restored below
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    if list(map(str, frame.columns)) != list(meta["columns"]) or len(frame) != meta["rows"]:
        raise ValueError(f"{name} does not hold the recorded columns and rows")
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
    def for_study(
        cls, path: str | Path, config: Mapping[str, Any] | None, cache: bool | str | Path
    ) -> StudyCache | None:
        """The cache entry of a study, or None when caching is off or the key cannot be computed.

        ``cache=True``: the user's cache folder (:func:`default_cache_dir`); a path: that folder.
        """
        if cache is False or cache is None:
            return None
        folder = default_cache_dir() if cache is True else Path(cache)
        key = cache_key(path, config)
        return None if key is None else cls(folder, key)

    # -- reading
    def _manifest(self, entry: Path, secret: bytes) -> dict | None:
        """The entry's manifest if it authenticates, else None (never an exception)."""
        try:
            if entry.is_symlink() or not entry.is_dir():
                return None
            manifest = json.loads(_read_plain(entry / _MANIFEST, _MAX_MANIFEST_BYTES).decode("utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                return None
            if not hmac.compare_digest(str(manifest.get("mac", "")), _mac(secret, _manifest_bytes(manifest))):
                return None
            return manifest
        except Exception:  # noqa: BLE001 - unreadable, not JSON, anything: not an entry of ours
            return None

    def load(self, study_class: type) -> Any:
        """The cached study, or None (absent, from another key, damaged or forged: never an exception).

        ``study_class`` is :class:`tip_eval.study.Study`, passed by :func:`~tip_eval.study.load_study`:
        the cache sits below the study module and does not import it.
        """
        try:
            secret = user_secret(create=False)
            if secret is None:
                return None
            manifest = self._manifest(self.entry, secret)
            if manifest is None or manifest.get("key") != self.key:
                return None
            study = self._build(manifest, study_class, secret)
        except Exception:  # noqa: BLE001 - a damaged entry: the caller loads from the sources and rewrites it
            return None
        try:
            os.utime(self.entry / _MANIFEST, follow_symlinks=False)  # recently used
        except (OSError, NotImplementedError):
            pass
        return study

    def _build(self, manifest: Mapping[str, Any], study_class: type, secret: bytes) -> Any:
        from tip_eval import schemas
        from tip_eval.validation import ValidationReport

        frames = {str(name): _read_frame(self.entry, meta, secret) for name, meta in manifest["frames"].items()}
        tables = {t: frames[f"table.{t}"] for t in schemas.TABLES if f"table.{t}" in frames}
        report = ValidationReport(
            problems=frames["report.problems"],
            reconciliation=frames["report.reconciliation"],
            language=current_language(),
        )
        min_cell = manifest["min_cell"]
        if isinstance(min_cell, bool) or not isinstance(min_cell, int):
            raise TypeError("min_cell is not a whole number")
        study = study_class(name=str(manifest["name"]), min_cell=min_cell, report=report, check=False, **tables)
        for name, frame in frames.items():
            if name.startswith("attr.") and name[5:].isidentifier():
                setattr(study, name[5:], frame)
        return study

    # -- writing
    def save(self, study: Any) -> bool:
        """Write the study's entry; True when written. Problems become a warning, never an error."""
        try:
            self._save(study)
            return True
        except Exception as err:  # noqa: BLE001 - the cache must never break a load
            warnings.warn(
                _("tip_eval could not write its cache in {folder} ({reason}); the study loaded normally.").format(
                    folder=self.folder, reason=err
                ),
                RuntimeWarning,
                stacklevel=3,
            )
            return False

    def _save(self, study: Any) -> None:
        from tip_eval import schemas

        secret = user_secret()
        if secret is None:
            raise OSError(f"no secret to authenticate the cache with in {cache_root()}")
        _private_dir(self.folder)
        for name, text in (
            (".gitignore", "# tip_eval's cache of validated studies: never commit it\n*\n"),
            (
                "CACHEDIR.TAG",
                (
                    "Signature: 8a477f597d28d172789f06886806bc55\n"
                    "# tip_eval's cache of validated studies (https://bford.info/cachedir/)\n"
                ),
            ),
        ):
            target = self.folder / name
            if not target.exists() and not target.is_symlink():
                target.write_text(text, encoding="utf-8")
        tmp = self.folder / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir(mode=0o700)
        try:
            frames: dict[str, Any] = {}
            for t in schemas.TABLES:
                frames[f"table.{t}"] = _write_frame(getattr(study, t), tmp / f"table.{t}.parquet", secret)
            for name in _REPORT_FRAMES:
                frames[f"report.{name}"] = _write_frame(
                    getattr(study.report, name), tmp / f"report.{name}.parquet", secret
                )
            for name, value in vars(study).items():  # quarantine, sources and any other frame a Study carries
                if isinstance(value, pd.DataFrame) and name not in schemas.TABLES:
                    frames[f"attr.{name}"] = _write_frame(value, tmp / f"attr.{name}.parquet", secret)
            manifest = {
                "format": FORMAT,
                "key": self.key,
                "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "versions": _versions(),
                "name": study.name,
                "min_cell": int(study.min_cell),
                "frames": frames,
            }
            manifest["mac"] = _mac(secret, _manifest_bytes(manifest))
            (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
            self._clear_slot(secret)
            try:
                tmp.rename(self.entry)
            except OSError:
                if self._manifest(self.entry, secret) is None:  # another process wrote it meanwhile: keep theirs
                    raise
        finally:
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp, ignore_errors=True)
        self._prune(secret)

    def _clear_slot(self, secret: bytes) -> None:
        """Make room for this key's entry: a link is removed as a link, a damaged entry replaced."""
        entry = self.entry
        if entry.is_symlink() or entry.is_file():
            entry.unlink()
        elif entry.is_dir():
            # the slot of this very key, in the cache folder: an old, damaged or forged entry. rmtree
            # never follows links (shutil.rmtree.avoids_symlink_attacks on this platform, or a plain
            # folder of files that tip_eval wrote)
            shutil.rmtree(entry, ignore_errors=True)

    def _prune(self, secret: bytes) -> None:
        """Keep the :data:`MAX_ENTRIES` most recently used entries; only authenticated ones are removed."""
        entries = []
        for d in self.folder.iterdir():
            if d.name.startswith(".") or d.is_symlink() or not d.is_dir():
                continue
            if self._manifest(d, secret) is None:
                continue
            try:
                entries.append((os.stat(d / _MANIFEST, follow_symlinks=False).st_mtime, d))
            except OSError:
                continue
        for _t, d in sorted(entries, reverse=True)[MAX_ENTRIES:]:
            shutil.rmtree(d, ignore_errors=True)
