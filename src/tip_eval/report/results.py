"""Each analysis of one study computed once, shared by everything published from it.

The brief and the workbook show many of the same results (gains by country, the comparison of
trainings, ...). :class:`Results` runs each public analysis function once per distinct set of
arguments and hands out copies, so publishing a study does not compute anything twice.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def _freeze(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


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

    def __call__(self, name: str, **kwargs: Any) -> Any:
        import tip_eval

        import inspect

        fn = getattr(tip_eval, name)
        bound = inspect.signature(fn).bind(self.study, **kwargs)
        bound.apply_defaults()  # gains(by="x") and gains(by="x", measure="knowledge") are one result
        args = dict(list(bound.arguments.items())[1:])
        key = (name, _freeze(args))
        if key not in self._memo:
            self._memo[key] = fn(self.study, **kwargs)
        value = self._memo[key]
        return value.copy() if isinstance(value, pd.DataFrame) else value

    def function(self, name: str):
        """A stand-in for ``tip_eval.<name>`` with the same call (``data`` first, ignored) that uses the memo."""
        def call(data: Any = None, **kwargs: Any) -> Any:
            return self(name, **kwargs)
        call.__name__ = name
        return call
