"""Exceptions raised by tip_eval.

Data problems are not exceptions: :func:`tip_eval.validate` returns them as a table. Exceptions are
for input that cannot be read at all (:class:`InputRefused`) and for loading a study whose data still
has errors (:class:`ValidationError`, which carries the full report).
"""

from __future__ import annotations

from typing import Any

from tip_eval.i18n import _, ngettext


class TipEvalError(Exception):
    """Base class of every tip_eval error."""


class InputRefused(TipEvalError):
    """A file was refused before or while parsing (unsafe, unreadable or too large).

    Parameters
    ----------
    file : str
        The file, as the user named it.
    reason : str
        What is wrong, in plain words.
    fix : str
        What the user can do about it.
    """

    def __init__(self, file: str, reason: str, fix: str = "") -> None:
        self.file = str(file)
        self.reason = reason
        self.fix = fix
        message = f"{self.file}: {reason}"
        if fix:
            message += " " + _("How to fix: {fix}").format(fix=fix)
        super().__init__(message)


class ValidationError(TipEvalError):
    """The study has data problems of severity ``error``.

    The :class:`~tip_eval.validation.ValidationReport` is in ``.report``; ``report.problems`` lists
    every problem with file, sheet, row and column, and ``report.to_excel(path)`` writes it for Excel.
    Load with ``on_error="quarantine"`` to keep the good rows and set the bad ones aside.
    """

    # ``report`` is a tip_eval.validation.ValidationReport: not imported, errors are below validation
    def __init__(self, report: Any, message: Any = None) -> None:
        self.report = report
        n = int((report.problems["severity"] == "error").sum()) if len(report.problems) else 0
        text = message or (
            ngettext(
                "{n} data problem must be fixed before the study can be loaded.",
                "{n} data problems must be fixed before the study can be loaded.",
                n,
            ).format(n=n)
            + " "
            + _(
                "See .report.problems (or report.to_excel('problems.xlsx')); "
                "or load with on_error='quarantine' to set the bad rows aside."
            )
        )
        super().__init__(text)
