"""The methods the brief states under "How these numbers were made": a term and its definition each.

Kept apart from :mod:`tip_eval.report.brief` (which builds and renders the brief) since it is text, marked
for translation and read by the brief in the reader's language.
"""

from __future__ import annotations

from tip_eval.i18n import N_

#: (term, definition) pairs, in the order the brief lists them; both marked for translation, translated when shown
METHODS = [
    (
        N_("Matched pairs"),
        N_(
            "Gains use people who took both the pre- and post-test, matched by participant ID (never by row order). "
            "Before and after means are those of the same matched people, so that after minus before is the gain "
            "shown beside them; the means of everyone tested in each phase are in the workbook, labelled "
            "as such."
        ),
    ),
    (N_("Knowledge score"), N_("Percent of the maximum score (0-100), so tests of different lengths compare.")),
    (
        N_("Mean gain and its interval"),
        N_("Mean of post minus pre; interval mean ± t(0.975, n-1)·sd/√n (paired t-test, two-sided)."),
    ),
    (
        N_("Effect size"),
        N_(
            "Cohen's dz = mean gain / sd of gains; Hedges' gz = J·dz with Hedges' exact J = Γ(m/2)/(√(m/2)·Γ((m-1)/2)), m = n - 1; "
            "dz's interval from the noncentral t distribution (Lakens 2013)."
        ),
    ),
    (
        N_("Normalised gain"),
        N_("Hake (1998): (post mean - pre mean)/(100 - pre mean), the share of the possible gain achieved."),
    ),
    (
        N_("Reliable change"),
        N_(
            "Jacobson & Truax (1991): a change larger than 1.96 × √2 × SEM, SEM = sd(pre)·√(1 - reliability), "
            "with the test's own pre-test KR-20 as reliability."
        ),
    ),
    (N_("Multiple comparisons"), N_("p-values in a table are adjusted across its rows with Holm's method.")),
    (
        N_("Confidence ratings"),
        N_(
            "Ordinal 1-5 ratings: medians, share agreeing (4-5), Wilcoxon signed-rank test (zeros dropped, "
            "normal approximation with tie and continuity correction when needed, as R's wilcox.test) "
            "and the matched-pairs rank-biserial correlation (Kerby 2014); a proportional-odds "
            "(cumulative logit) model of rating on phase gives the odds ratio of rating higher after "
            "training, with standard errors robust to each person rating twice."
        ),
    ),
    (
        N_("Comparing trainings"),
        N_(
            "Each training is compared with the typical training: its post-test mean adjusted for the "
            "pre-test (ANCOVA) minus the median of the other trainings' adjusted means, so one very good "
            "or very poor training cannot make ordinary ones look different. Intervals and the verdict come "
            "from a parametric bootstrap of the adjusted means; a training is above or below the typical "
            "training only when its familywise interval (all trainings at once, single-step max-t as in "
            "multcomp) excludes 0. A linear mixed model gain ~ 1 + (1 | training) gives the ICC and "
            "shrunken gains (Raudenbush & Bryk 2002), with FAB intervals (Yu & Hoff 2018) that cover "
            "each training's true gain about 95% of the time. Calibrated by simulation: false verdicts "
            "in at most 4% of simulated studies, each training's intervals covering 92-97% "
            "(benchmarks/CALIBRATION.md)."
        ),
    ),
    (
        N_("Item analysis"),
        N_(
            "Difficulty = share correct; discrimination = corrected item-total point-biserial correlation; "
            "learning disaggregation per item (wrong→right, right→wrong, right→right, wrong→wrong)."
        ),
    ),
    (
        N_("Follow-up interviews"),
        N_(
            "Prevalence per person (not per mention) with Wilson intervals; coder agreement by Cohen's kappa "
            "(Landis & Koch 1977 wording) and Krippendorff's alpha (2011); co-occurrence c = n12/(n1 + n2 - n12)."
        ),
    ),
    (
        N_("Drop-out"),
        N_(
            "Pre-test of completers vs drop-outs as a standardised mean difference; missing post-tests multiply imputed "
            "from the pre-test and group (Rubin's rules) as a sensitivity analysis beside the complete-case gain."
        ),
    ),
    (
        N_("Does it last?"),
        N_(
            "People who took the pre-test, the post-test and a delayed post-test (a retention test months "
            "later): retained gain = mean of delayed minus pre, decay = mean of delayed minus post, each with "
            "the paired t interval; share retained = retained gain / gain at the end, with a delta-method "
            "interval; the gain at the end of those re-tested against those not re-tested (Welch)."
        ),
    ),
    (
        N_("Comparing studies"),
        N_(
            "In a programme of several studies, each study is compared with the typical study as trainings "
            "are with the typical training (above), with the trainings of each study as clusters "
            "(cluster-robust standard errors; t on the study's trainings - 1 degrees of freedom for its "
            "gain, on trainings - studies for the differences): people trained "
            "together are not independent. A study with a single training has no interval."
        ),
    ),
    (
        N_("Small groups"),
        N_(
            "No count, share or statistic describes fewer than the minimum number of people, directly or as "
            "the rest of a group: one disclosure plan covers this brief and its workbook, and checks by linear "
            "programming that no hidden count can be narrowed to fewer than that many values from everything "
            "published (tip-eval audit checks it again). A mean or share over people whose number is hidden is "
            "rounded so that it cannot give the number back."
        ),
    ),
    (
        N_("Planning the next training"),
        N_(
            "Paired t-test power from the exact noncentral t (as G*Power, matched pairs), with "
            "the sd of gains within trainings; comparisons of curricula as a two-level design "
            "with trainings as the unit (PowerUp!, Dong & Maynard 2013), using the ICC of the "
            "mixed model; ranges at the ends of the 95% intervals of that sd and the ICC."
        ),
    ),
    (
        N_("Cost"),
        N_(
            "Each training's cost converted at the exchange rates of study.toml and shared equally among the people it "
            "registered; cost per person registered, per person with both tests and per person who reliably improved "
            "(bootstrap interval over people within trainings); mean gain in sds of the pre-test per 100 spent per "
            "participant (J-PAL's cost-effectiveness ratio)."
        ),
    ),
]
