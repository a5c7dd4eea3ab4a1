"""Linking a person's pre- and post-test, and replacing names by a keyed pseudonym.

Policy (see also ``data_schemas/README.md``):

By participant ID
    IDs are compared after the cell normaliser, without spaces and in upper case; leading zeros
    are kept as written (``007`` and ``7`` are different IDs: type IDs as text in Excel).

By name, where a partner has only names (``name_column`` in the source of study.toml)
    Names are compared within one training only, after :func:`normalize_name` (Unicode NFKC,
    digits, case, punctuation and spacing ignored; common titles such as Mr, Ibu, นาย, លោក
    removed). Each list of names (one sheet, or one phase of a sheet) is one set of people; the
    lists are linked in the order of study.toml:

    * the same normalised name in two lists is the same person, spacing ignored (``Lim Srey Pov`` and
      ``Lim Sreypov``; ``สมชาย ใจดี`` and ``สมชายใจดี``);
    * otherwise a name is linked to its most similar unlinked person of the other lists when
      their similarity (rapidfuzz ``token_sort_ratio``, 0-100, so word order does not matter)
      is at least ``name_match`` (study.toml ``[study]``, default 90) and no other candidate comes
      as close; every such link is listed as a warning for review;
    * a pair scoring from ``name_review`` (default 75) up to the threshold, or an ambiguous pair,
      is never merged: the two stay different people and the pair is listed as a warning, with
      both locations (never the names), for someone to check;
    * within one list two nearly identical names are listed as a warning (a person entered twice?).

    Where a linked person has a participant ID in any list, that ID is used. Otherwise the person's
    ID is ``<training_id>-N`` followed by 12 hex digits of HMAC-SHA256(key, training and name): the
    same name and key always give the same pseudonym, and without the key nobody can tell whose it
    is. Then the names are dropped; they are in no table, problem or output.

The key
    from the file named by ``hash_key_file`` in ``[study]`` (relative to study.toml, or absolute)
    when given, else from the environment variable named by ``hash_key_env`` (default
    ``TIP_EVAL_HASH_KEY``). At least 32 bytes: make one with
    ``python -c "import secrets; print(secrets.token_hex(32))"``. It is never stored in a table,
    setting, cache or output. Keep it outside every study folder, for example in a file only you
    can read in your home folder (``chmod 600`` on Linux and macOS), and keep it: the same key gives
    the same pseudonyms next time. A key file inside the study folder is refused (whoever has the
    folder could undo the pseudonyms), and so is a key file that is not a plain file of at most
    4 KB holding one line, the key: a study from someone else cannot make an unrelated file of the
    officer's serve as the key. ``hash_key_env`` may only name a variable starting with
    ``TIP_EVAL_``. Without a key, loading a study that must hash names is refused with a clear
    message.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tip_eval.errors import InputRefused
from tip_eval.i18n import _, format_integer, format_percent
from tip_eval.io import clean

DEFAULT_KEY_ENV = "TIP_EVAL_HASH_KEY"
#: Shortest key accepted, in bytes (256 bits: a key from secrets.token_hex(32) has 64).
MIN_KEY_BYTES = 32
#: Largest key file read, in bytes.
MAX_KEY_FILE_BYTES = 4096
_MAKE_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'
NAME_MATCH = 90.0
NAME_REVIEW = 75.0

#: Columns a layout adds to a frame whose participants are known by name only.
LINK_COLUMNS = ("_name", "_list", "_namecol")

_LATIN_TITLES = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "bapak",
        "bpk",
        "pak",
        "ibu",
        "bu",
        "sdr",
        "sdri",
        "saudara",
        "saudari",
        "lok",
        "neak",
        "khun",
    }
)
_PREFIX_TITLES = ("นางสาว", "นาง", "นาย", "น.ส.", "ด.ช.", "ด.ญ.", "คุณ", "លោកស្រី", "លោក", "កញ្ញា", "អ្នកស្រី", "អ្នកនាង")


def normalize_name(value: Any) -> str | None:
    """The comparison form of a person's name (None when there is no name).

    Unicode NFKC and digits as the cell normaliser does; case folded; punctuation and symbols
    become spaces (combining marks, such as Thai and Khmer vowels, are kept); leading titles
    (Mr, Mrs, Ms, Dr, Bapak, Ibu, Pak, Bu, Lok, Neak, นาย, นาง, นางสาว, คุณ, លោក, លោកស្រី, កញ្ញា ...) removed.

    >>> normalize_name("  Ibu  Siti  Rahmah, S.H. ")
    'siti rahmah s h'
    >>> normalize_name("นายสมชาย ใจดี")
    'สมชาย ใจดี'
    """
    text = clean.normalize_text(value if isinstance(value, str) else (None if value is None else str(value)))
    if text is None:
        return None
    text = text.casefold()
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in text)
    tokens = text.split()
    while tokens and tokens[0].rstrip(".") in _LATIN_TITLES and len(tokens) > 1:
        tokens.pop(0)
    if tokens:
        for t in _PREFIX_TITLES:
            t = t.replace(".", "")
            if tokens[0].startswith(t) and len(tokens[0]) > len(t):
                tokens[0] = tokens[0][len(t) :]
                break
            if tokens[0] == t and len(tokens) > 1:
                tokens.pop(0)
                break
    return " ".join(tokens) or None


def hash_key(settings: Mapping[str, Any], root: Path, file: str = "study.toml") -> tuple[bytes, list[str]]:
    """Return (key, warnings): the secret key for pseudonyms, from the key file or the environment.

    Raises
    ------
    tip_eval.InputRefused
        No key is available; the key file cannot be read, lies inside the study folder or is not
        a plain file of at most 4 KB; or the key is shorter than 32 bytes.
    """
    env = str(settings.get("hash_key_env") or DEFAULT_KEY_ENV)
    key_file = settings.get("hash_key_file")
    keep = _(
        "Keep the key in a file outside every study folder (for example in your home folder, readable only by "
        "you), and name that file as hash_key_file in the study section of study.toml, or set the environment "
        "variable {env}."
    ).format(env=env)
    if key_file:
        key = _read_key_file(str(key_file), root, file, keep)
        source = _("the key file '{file}'").format(file=key_file)
    else:
        value = os.environ.get(env)
        if not value:
            raise InputRefused(
                file,
                _(
                    "links participants by name (name_column), and names must be replaced by a keyed pseudonym, "
                    "but no secret key was found (environment variable {env}, or hash_key_file in the study section "
                    "of study.toml)."
                ).format(env=env),
                _(
                    "Set the environment variable {env} to a long random secret (at least {n} characters; "
                    "for example the output of: {command}), or write it to a file outside the study folder and name "
                    "that file as hash_key_file in the study section of study.toml. Keep the key: the same key gives "
                    "the same pseudonyms next time. Never put it in the study folder or share it with the data."
                ).format(env=env, n=MIN_KEY_BYTES, command=_MAKE_KEY),
            )
        key = value.strip().encode("utf-8")
        source = _("the environment variable {env}").format(env=env)
    if len(key) < MIN_KEY_BYTES:
        raise InputRefused(
            file,
            _("the secret key in {source} is too short ({length} bytes; at least {n} are needed).").format(
                source=source, length=len(key), n=MIN_KEY_BYTES
            ),
            _(
                "Use a random secret of at least {n} characters, for example the output of: {command}. "
                "A new key gives new pseudonyms."
            ).format(n=MIN_KEY_BYTES, command=_MAKE_KEY),
        )
    return key, []


def configured_key(settings: Mapping[str, Any], root: Path, file: str = "study.toml") -> bytes | None:
    """The study's pseudonym key when one is configured (``hash_key_file``, or the environment variable
    ``hash_key_env``, default ``TIP_EVAL_HASH_KEY``), else None.

    A key that is configured but cannot be used (too short, inside the study folder) is refused as
    by :func:`hash_key`.
    """
    env = str(settings.get("hash_key_env") or DEFAULT_KEY_ENV)
    if not settings.get("hash_key_file") and not os.environ.get(env):
        return None
    return hash_key(settings, root, file)[0]


def _read_key_file(key_file: str, root: Path, file: str, keep: str) -> bytes:
    """The key in ``key_file`` (relative to ``root``): outside the study folder, a plain small file."""
    path = Path(os.path.expanduser(key_file))
    if not path.is_absolute():
        path = root / path
    try:
        inside = path.resolve().is_relative_to(root.resolve()) or Path(os.path.abspath(path)).is_relative_to(
            Path(os.path.abspath(root))
        )
    except (OSError, RuntimeError):
        inside = False
    if inside:
        raise InputRefused(
            file,
            _(
                "names the key file '{file}' (hash_key_file), which is inside the study folder: "
                "anyone who has the folder could undo the pseudonyms, so it is not used."
            ).format(file=key_file),
            keep,
        )
    try:
        info = path.stat()
    except OSError:
        raise InputRefused(
            file,
            _("names the key file '{file}' (hash_key_file), which cannot be read.").format(file=key_file),
            _("Check hash_key_file in the study section of study.toml; a relative path is relative to study.toml."),
        ) from None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_KEY_FILE_BYTES:
        raise InputRefused(
            file,
            _(
                "names the key file '{file}' (hash_key_file), which is not a plain file of at most "
                "{n} bytes, so it cannot be a key."
            ).format(file=key_file, n=format_integer(MAX_KEY_FILE_BYTES)),
            keep,
        )
    try:
        with open(path, "rb") as fh:
            key = fh.read(MAX_KEY_FILE_BYTES + 1).strip()
    except OSError:
        raise InputRefused(
            file,
            _("names the key file '{file}' (hash_key_file), which cannot be read.").format(file=key_file),
            _("Check that the file exists and that you may read it."),
        ) from None
    # a key file holds one line, the key: any other file (a private key, a settings file) is not read
    # as one, so that a study cannot make tip_eval use an unrelated file of the officer's as its key
    if b"\n" in key or b"\r" in key or (len(key) >= MIN_KEY_BYTES and len(set(key)) < 10):
        raise InputRefused(
            file,
            _(
                "names the key file '{file}' (hash_key_file), which does not hold a key "
                "(one line of at least {n} random characters)."
            ).format(file=key_file, n=MIN_KEY_BYTES),
            _("Write a key made with {command} into a file of its own.").format(command=_MAKE_KEY) + " " + keep,
        )
    return key


def pseudonym(key: bytes, training_id: str, name: str) -> str:
    """The participant ID standing for ``name`` in ``training_id``: ``<training_id>-N`` + 12 hex digits."""
    digest = hmac.new(key, f"{training_id}\x1f{name}".encode(), hashlib.sha256).hexdigest()
    return f"{training_id}-N{digest[:12].upper()}"


@dataclass
class _Person:
    names: list[str]
    lists: set[str] = field(default_factory=set)
    ids: list[str] = field(default_factory=list)


@dataclass
class LinkResult:
    """What linking found: ``ids`` maps (training, list, normalised name) -> participant ID."""

    ids: dict[tuple[str, str, str], str]
    notes: list[tuple[tuple, str, str]]  # (location, problem, fix) warnings
    errors: list[tuple[tuple, str, str]]


def link_records(
    records: pd.DataFrame, key: bytes, match: float = NAME_MATCH, review: float = NAME_REVIEW
) -> LinkResult:
    """Link name records into people and give each a participant ID.

    Parameters
    ----------
    records : DataFrame
        One row per (training ``tid``, list ``list``, normalised name ``norm``) with ``pid`` (an
        explicit participant ID or None) and ``loc`` (file, sheet, row, column) of its first row.
        Lists are linked in the order they first appear.
    key : bytes
        Secret key of :func:`pseudonym`.
    """
    from rapidfuzz import fuzz, process

    ids: dict[tuple[str, str, str], str] = {}
    notes: list = []
    errors: list = []

    def where(loc: tuple) -> str:
        f, sh, r = loc[:3]
        parts = (
            [str(f)]
            + ([_("sheet '{name}'").format(name=sh)] if sh else [])
            + ([_("row {row}").format(row=r)] if r is not None else [])
        )
        return ", ".join(parts)

    for tid, group in records.groupby("tid", sort=False):
        people: list[_Person] = []
        member: dict[tuple[str, str], int] = {}
        locs: dict[tuple[str, str], tuple] = {}
        for lst, names in group.groupby("list", sort=False):
            units = names.drop_duplicates("norm")
            for _i, u in units.iterrows():
                locs[(lst, u["norm"])] = u["loc"]
            pending: list[str] = []
            # the same name as a person already known (not yet in this list)
            for norm in units["norm"]:
                spaceless = _spaceless(norm)
                hit = next(
                    (
                        i
                        for i, p in enumerate(people)
                        if spaceless in {_spaceless(n) for n in p.names} and lst not in p.lists
                    ),
                    None,
                )
                if hit is None:
                    pending.append(norm)
                else:
                    people[hit].lists.add(lst)
                    member[(lst, norm)] = hit
            # near-duplicates within this list
            ulist = list(units["norm"])
            if len(ulist) > 1:
                sim = process.cdist(ulist, ulist, scorer=fuzz.token_sort_ratio)
                for a in range(len(ulist)):
                    for b in range(a + 1, len(ulist)):
                        if _spaceless(ulist[a]) == _spaceless(ulist[b]):
                            notes.append(
                                (
                                    locs[(lst, ulist[b])],
                                    _(
                                        "this name differs only in spacing from the name in {where} of the same "
                                        "list: kept as two different people"
                                    ).format(where=where(locs[(lst, ulist[a])])),
                                    _("If it is the same person entered twice, remove one row; if not, nothing to do."),
                                )
                            )
                        elif sim[a, b] >= match:
                            notes.append(
                                (
                                    locs[(lst, ulist[b])],
                                    _(
                                        "this name is {similarity} similar to the name in {where} of the same list: "
                                        "kept as two different people"
                                    ).format(
                                        similarity=format_percent(sim[a, b] / 100), where=where(locs[(lst, ulist[a])])
                                    ),
                                    _("If it is the same person entered twice, remove one row; if not, nothing to do."),
                                )
                            )
            # close names of people not yet in this list
            free = [i for i, p in enumerate(people) if lst not in p.lists]
            assigned: dict[str, int] = {}
            uncertain: dict[str, tuple[float, int]] = {}
            if pending and free:
                flat, owner = [], []
                for i in free:
                    for nm in people[i].names:
                        flat.append(nm)
                        owner.append(i)
                sim = process.cdist(pending, flat, scorer=fuzz.token_sort_ratio)
                best = np.zeros((len(pending), len(free)))
                col_of = {i: j for j, i in enumerate(free)}
                for j, i in enumerate(owner):
                    best[:, col_of[i]] = np.maximum(best[:, col_of[i]], sim[:, j])
                order = sorted(
                    ((best[a, b], a, b) for a in range(len(pending)) for b in range(len(free)) if best[a, b] >= review),
                    reverse=True,
                )
                used_a: set[int] = set()
                used_b: set[int] = set()
                for score, a, b in order:
                    if a in used_a or b in used_b:
                        continue
                    rivals = [best[a, c] for c in range(len(free)) if c != b and c not in used_b] + [
                        best[c, b] for c in range(len(pending)) if c != a and c not in used_a
                    ]
                    ambiguous = any(r >= score - 3 and r >= review for r in rivals)
                    if score >= match and not ambiguous:
                        assigned[pending[a]] = free[b]
                        used_a.add(a)
                        used_b.add(b)
                        notes.append(
                            (
                                locs[(lst, pending[a])],
                                _(
                                    "linked by a close name match ({similarity} similar) to the person in {where}"
                                ).format(
                                    similarity=format_percent(score / 100),
                                    where=where(_first_loc(people[free[b]], locs)),
                                ),
                                _(
                                    "Check that this is the same person; if not, write the names differently or add "
                                    "participant IDs."
                                ),
                            )
                        )
                    elif pending[a] not in uncertain:
                        uncertain[pending[a]] = (score, free[b])
            for norm in pending:
                if norm in assigned:
                    i = assigned[norm]
                    people[i].names.append(norm)
                else:
                    if norm in uncertain:
                        score, i = uncertain[norm]
                        why = (
                            _("another name is as close")
                            if score >= match
                            else _("below the {needed} needed to link them").format(needed=format_percent(match / 100))
                        )
                        notes.append(
                            (
                                locs[(lst, norm)],
                                _(
                                    "this name is {similarity} similar to the person in {where} ({why}): kept as two "
                                    "different people, not merged"
                                ).format(
                                    similarity=format_percent(score / 100),
                                    where=where(_first_loc(people[i], locs)),
                                    why=why,
                                ),
                                _(
                                    "If they are the same person, write the name the same way in both places (or "
                                    "add participant IDs) and load again; if not, nothing to do."
                                ),
                            )
                        )
                    people.append(_Person(names=[norm]))
                    i = len(people) - 1
                people[i].lists.add(lst)
                member[(lst, norm)] = i
        # explicit IDs
        explicit: dict[tuple[str, str], str] = {}
        for _i, r in group.iterrows():
            if r["pid"] is not None and (r["list"], r["norm"]) not in explicit:
                explicit[(r["list"], r["norm"])] = r["pid"]
        for (lst, norm), i in member.items():
            if (lst, norm) in explicit and explicit[(lst, norm)] not in people[i].ids:
                people[i].ids.append(explicit[(lst, norm)])
        for (lst, norm), i in member.items():
            p = people[i]
            if (lst, norm) in explicit:
                pid = explicit[(lst, norm)]
            elif len(p.ids) == 1:
                pid = p.ids[0]
            else:
                if len(p.ids) > 1:
                    errors.append(
                        (
                            locs[(lst, norm)],
                            _("the same person has different participant IDs in other lists ({ids})").format(
                                ids=", ".join(p.ids)
                            ),
                            _("Give the person one participant ID everywhere."),
                        )
                    )
                pid = pseudonym(key, str(tid), p.names[0])
            ids[(str(tid), lst, norm)] = pid
    return LinkResult(ids=ids, notes=notes, errors=errors)


def _spaceless(name: str) -> str:
    """The comparison key of a normalised name: spacing ignored ("Lim Srey Pov" = "Lim Sreypov"; a
    Thai name with or without the space between given and family name).
    """
    return name.replace(" ", "")


def _first_loc(person: _Person, locs: Mapping[tuple[str, str], tuple]) -> tuple:
    for (lst, norm), loc in locs.items():
        if norm in person.names and lst in person.lists:
            return loc
    return (None, None, None, None)


def link_names(mapped: list, ctx, settings: Mapping[str, Any], root: Path, upper: bool = True) -> None:
    """Give participant IDs to every row known by name only, in place; then drop the names.

    ``mapped`` is the list of :class:`~tip_eval.io.layouts.Mapped` of all sources; frames whose rows
    are known by name carry ``_name`` (the name as written), ``_list`` and ``_namecol``.
    """
    from tip_eval.io.coerce import normalize_id

    frames = [m for m in mapped if "_name" in m.frame.columns]
    if not frames:
        return
    key, warns = hash_key(settings, root)
    for w in warns:
        ctx.problem("study.toml", None, None, "hash_key_file", None, w, _("Keep the key outside the data."), "warning")
    parts = []
    for k, m in enumerate(frames):
        f = m.frame
        norm_cache: dict[Any, str | None] = {}
        norm = [norm_cache.setdefault(v, normalize_name(v)) if isinstance(v, str) else None for v in f["_name"]]
        tid = [normalize_id(v) for v in f["training_id"]] if "training_id" in f else [None] * len(f)
        pid = [normalize_id(v, upper=upper) for v in f["participant_id"]] if "participant_id" in f else [None] * len(f)
        parts.append(
            pd.DataFrame(
                {
                    "k": k,
                    "i": np.arange(len(f)),
                    "tid": tid,
                    "list": f["_list"].astype(str).to_numpy(),
                    "norm": norm,
                    "pid": pid,
                    "_file": f["_file"].to_numpy(),
                    "_sheet": f["_sheet"].to_numpy(),
                    "_row": f["_row"].to_numpy(dtype=object),
                    "_namecol": f["_namecol"].to_numpy(),
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    named = rows[rows["norm"].notna() & rows["tid"].notna()]
    recs = named.drop_duplicates(["tid", "list", "norm"]).copy()
    recs["loc"] = list(
        zip(recs["_file"], recs["_sheet"], [None if pd.isna(r) else int(r) for r in recs["_row"]], recs["_namecol"])
    )
    # an explicit ID on any row of the unit counts
    pid_first = (
        named.dropna(subset=["pid"]).drop_duplicates(["tid", "list", "norm"]).set_index(["tid", "list", "norm"])["pid"]
    )
    recs["pid"] = [pid_first.get((t, lst, n)) for t, lst, n in zip(recs["tid"], recs["list"], recs["norm"])]
    result = link_records(
        recs[["tid", "list", "norm", "pid", "loc"]],
        key,
        float(settings.get("name_match", NAME_MATCH)),
        float(settings.get("name_review", NAME_REVIEW)),
    )
    for (f, sh, r, col), problem, fix in result.notes:
        ctx.problem(f, sh, r, col, None, problem, fix, "warning")
    for (f, sh, r, col), problem, fix in result.errors:
        ctx.problem(f, sh, r, col, None, problem, fix, "error")
    for k, m in enumerate(frames):
        sub = rows[rows["k"] == k]
        new = [
            result.ids.get((t, lst, n)) if n is not None and t is not None else p
            for t, lst, n, p in zip(sub["tid"], sub["list"], sub["norm"], sub["pid"])
        ]
        old = m.frame["participant_id"] if "participant_id" in m.frame else pd.Series([None] * len(m.frame))
        m.frame["participant_id"] = [
            n if n is not None else (o if isinstance(o, str) else None) for n, o in zip(new, old)
        ]
        m.frame = m.frame.drop(columns=[c for c in LINK_COLUMNS if c in m.frame.columns])


__all__ = [
    "DEFAULT_KEY_ENV",
    "LinkResult",
    "configured_key",
    "hash_key",
    "link_names",
    "link_records",
    "normalize_name",
    "pseudonym",
]
