"""Each analysis of a study computed once while the study is being published.

A brief and its workbook show many of the same results, and the analyses call each other (the
evaluation-chain figure needs the overall gains and the follow-up summary, the module summary
needs the gains of every module, every gains call needs the matched scores). Inside
``with sharing(study):`` every function decorated with :func:`memoised` and called on that study
with the same arguments is computed once; callers receive copies, so one caller changing its
result cannot change another's.

Outside such a block nothing is kept: a Study's tables can be reassigned or edited in a notebook,
and a kept result would then be stale. Publishing code opens the block for as long as it runs and
does not change the study meanwhile.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from tip_eval.i18n import current_language

F = TypeVar("F", bound=Callable[..., Any])

_ATTR = "_shared_results"


def _freeze(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    return value


def _store_of(study: Any) -> dict | None:
    state = getattr(study, "__dict__", None)
    return state.get(_ATTR) if isinstance(state, dict) else None


@contextmanager
def sharing(study: Any, store: dict | None = None) -> Iterator[dict]:
    """Within the block, memoised analyses of ``study`` are computed once per set of arguments.

    Parameters
    ----------
    study : Study
        The study being published; it must not change inside the block.
    store : dict, optional
        Where the results are kept (to share them across several blocks); a new dict by default.
        A block opened inside another on the same study uses the outer block's store.

    Yields
    ------
    dict
        The store.
    """
    state = getattr(study, "__dict__", None)
    if not isinstance(state, dict):  # not an object that can carry results: nothing is shared
        yield {} if store is None else store
        return
    outer = state.get(_ATTR)
    active = outer if outer is not None else (store if store is not None else {})
    state[_ATTR] = active
    try:
        yield active
    finally:
        if outer is None:
            state.pop(_ATTR, None)


def _copy(value: Any) -> Any:
    if isinstance(value, (pd.DataFrame, np.ndarray)):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: getattr(value, f.name).copy()
            for f in dataclasses.fields(value)
            if f.init and isinstance(getattr(value, f.name), (pd.DataFrame, np.ndarray))
        }
        return dataclasses.replace(value, **changes) if changes else value
    return value


def memoised(study_of: Callable[[Any], Any] | None = None, words: bool = False) -> Callable[[F], F]:
    """Decorate an analysis whose first argument is (or leads to) a study: see the module docstring.

    Parameters
    ----------
    study_of : callable, optional
        Maps the first argument to the study whose block is consulted (default: the argument
        itself). Calls whose arguments cannot be hashed are computed without the memo.
    words : bool, default False
        The result holds sentences in the language of the call (:func:`tip_eval.i18n.using`):
        it is kept per language.
    """

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(data: Any, *args: Any, **kwargs: Any) -> Any:
            study = study_of(data) if study_of is not None else data
            store = _store_of(study) if study is not None else None
            if store is None:
                return fn(data, *args, **kwargs)
            try:
                bound = signature.bind(data, *args, **kwargs)
                bound.apply_defaults()  # gains(by="x") and gains(by="x", measure="knowledge") are one result
                key = (
                    fn.__module__,
                    fn.__qualname__,
                    current_language() if words else None,
                    _freeze(list(bound.arguments.items())[1:]),
                )
                hash(key)
            except TypeError:  # an argument that cannot be a key (a frame, a list of frames): compute it
                return fn(data, *args, **kwargs)
            if key not in store:
                store[key] = fn(data, *args, **kwargs)
            return _copy(store[key])

        return wrapper  # type: ignore[return-value]

    return decorate
