"""Kept so that ``tip_eval.analysis._memo`` still imports: the memo lives in :mod:`tip_eval._memo`.

It moved below :mod:`tip_eval.study` because :class:`~tip_eval.study.Study` memoises one of its own
methods with it, and the study layer must not import the analysis layer.
"""

from tip_eval._memo import memoised, sharing

__all__ = ["memoised", "sharing"]
