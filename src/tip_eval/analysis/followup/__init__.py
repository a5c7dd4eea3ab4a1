"""Follow-up interviews: code prevalence, co-occurrence, coder agreement, and the link to learning gains.

Months after a training, some participants are interviewed and the interviews are coded against a
codebook (``study.codebook``), once or, for a check of the codebook, by two or more coders
(``study.followup_codes``: one row per interview x coder x code, ``present`` True when the coder
applied the code). These functions turn those codings into tidy tables:

- :func:`followup_summary`: how many interviewed people report each code, theme and the level-3
  (behaviour) indicator, with Wilson intervals, per group;
- :func:`code_cooccurrence`: which codes go together in the same interview (c-coefficient);
- :func:`coder_agreement`: whether two coders apply the codebook the same way (percent agreement,
  Cohen's kappa, Krippendorff's alpha);
- :func:`followup_vs_gains`: whether the people who report applying the training are those who
  learned more on the knowledge test, and whether interviewees are like the people not interviewed.

Shared conventions
------------------
Codings of an interview. A coder "coded" an interview when ``followup_codes`` has at least one row
for that interview and coder; a code without a row for a coder who coded the interview counts as
*not applied* by that coder (tools such as Taguette export only the codes applied). Interviews
nobody coded are left out (they say nothing about any code). Duplicate rows count as applied when
any of them says so.

Coder order. The coders of an interview are ordered as listed in ``interviews.coders`` (';'
separated); coders who coded the interview but are not listed follow, in the order their rows
appear. Listed coders without any row did not code it and are skipped. The first in this order is
the *primary* coder.

Consensus rule (``rule=``), used wherever one value per interview is needed (prevalence,
co-occurrence, the link to gains):

``"primary"`` (default)
    the code is present when the primary coder applied it. Double coding is a check of the
    codebook, so the primary coding is the study's coding and double-coded interviews are not
    counted differently from single-coded ones.
``"any"``
    present when at least one coder applied it (a liberal consensus).
``"all"``
    present only when every coder of the interview applied it (a strict consensus).

With single-coded interviews the three rules agree.

Person level. A person counts as having a code when it is present in at least one of their
interviews (people are rarely interviewed twice). Prevalence is always a share of *people*, never
a count of mentions.

Modules
-------
:mod:`~tip_eval.analysis.followup.summary` (prevalence and co-occurrence),
:mod:`~tip_eval.analysis.followup.agreement` (coder agreement) and
:mod:`~tip_eval.analysis.followup.gains_link` (the link to learning gains), with the input handling
they share in ``_codings``. Every public name is re-exported here.
"""

from __future__ import annotations

# the constants of the former single module are re-exported (``X as X``) for code that imports them from here
from tip_eval.analysis.followup._codings import (
    DAYS_PER_MONTH as DAYS_PER_MONTH,
    INDICATOR_LABEL as INDICATOR_LABEL,
    RULES,
)
from tip_eval.analysis.followup.agreement import (
    AGREEMENT_COLUMNS as AGREEMENT_COLUMNS,
    NOT_COMPUTABLE as NOT_COMPUTABLE,
    coder_agreement,
)
from tip_eval.analysis.followup.gains_link import (
    GAINS_COLUMNS as GAINS_COLUMNS,
    POOLED_COLUMNS as POOLED_COLUMNS,
    SELECTION_COLUMNS as SELECTION_COLUMNS,
    FollowupGains,
    followup_vs_gains,
)
from tip_eval.analysis.followup.summary import (
    COOCCURRENCE_COLUMNS as COOCCURRENCE_COLUMNS,
    SUMMARY_COLUMNS as SUMMARY_COLUMNS,
    code_cooccurrence,
    followup_summary,
)

__all__ = [
    "RULES",
    "FollowupGains",
    "followup_summary",
    "code_cooccurrence",
    "coder_agreement",
    "followup_vs_gains",
]
