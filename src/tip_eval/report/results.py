"""Each analysis of one study computed once, shared by everything published from it.

The brief and the workbook show many of the same results (gains by country, the comparison of
trainings, ...), and the analyses and figures call each other. :class:`Results` holds one store
of results (see :mod:`tip_eval._memo`): every analysis run through it, or run on the
study inside ``with results.active():``, is computed once per distinct set of arguments, and
callers receive copies.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from tip_eval._memo import sharing


class Results:
    """Memoised analyses of ``study``: ``results("gains", by="country")`` is ``te.gains(study, by="country")``.

    Parameters
    ----------
    study : Study
        The study every analysis runs on. Its tables must not change while the object is used.
    """

    def __init__(self, study: Any) -> None:
        self.study = study
        self._memo: dict[tuple, Any] = {}

    def active(self) -> AbstractContextManager[dict]:
        """A block inside which every memoised analysis of the study uses this object's results."""
        return sharing(self.study, self._memo)

    def __call__(self, name: str, **kwargs: Any) -> Any:
        """The analysis ``name`` of the study with ``kwargs``, computed once and remembered."""
        with self.active():
            return _analysis(name)(self.study, **kwargs)

    def function(self, name: str):
        """A stand-in for ``tip_eval.<name>`` with the same call (``data`` first, ignored) that uses the memo."""

        def call(data: Any = None, **kwargs: Any) -> Any:
            return self(name, **kwargs)

        call.__name__ = name
        return call


def _analysis(name: str) -> Any:
    """The public analysis ``tip_eval.<name>``, from the module that defines it."""
    from tip_eval.analysis import (
        attrition,
        compare,
        confidence,
        cost,
        followup,
        gains,
        items,
        planning,
        retention,
        studies,
    )

    for module in (gains, confidence, attrition, items, compare, followup, planning, cost, retention, studies):
        if name in module.__all__:
            return getattr(module, name)
    raise AttributeError(f"tip_eval has no analysis named {name!r}")
