"""Reference data and published / R values for the statistics tests.

Each value carries, in the comment above it, where it comes from: the R call, or the publication
and the table or page. The tests assert them at the precision printed there.
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------------------------------------
# R's `sleep` data (Student 1908; datasets::sleep): extra hours of sleep of 10 patients under
# drug 1 (group 1, rows 1-10) and drug 2 (group 2, rows 11-20), paired by patient (ID).
SLEEP_GROUP1 = np.array([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0])
SLEEP_GROUP2 = np.array([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])

# R 4.x:
# > t.test(extra ~ group, data = sleep, paired = TRUE)
# t = -4.0621, df = 9, p-value = 0.002833
# 95 percent confidence interval:
#  -2.4598858 -0.7001142
# sample estimates:
# mean difference
#           -1.58
# (the difference is group 1 - group 2)
SLEEP_T = -4.0621
SLEEP_DF = 9
SLEEP_P = 0.002833
SLEEP_CI = (-2.4598858, -0.7001142)
SLEEP_MEAN_DIFF = -1.58

# R 4.x:
# > wilcox.test(sleep$extra[1:10], sleep$extra[11:20], paired = TRUE)
# Wilcoxon signed rank test with continuity correction
# V = 0, p-value = 0.009091
# Warning messages: cannot compute exact p-value with ties; ... with zeroes
SLEEP_WILCOX_V = 0.0
SLEEP_WILCOX_P = 0.009091

# ---------------------------------------------------------------------------------------------
# R, package MOTE, tests/testthat/test-d_dep_t_diff_t.R:
# > d_dep_t_diff_t(t_value = 1.43, n = 7, a = .05)
# d = 0.5404892, dlow = -0.2770679, dhigh = 1.320576   (noncentral-t interval for d_z)
MOTE_T = 1.43
MOTE_N = 7
MOTE_D = 0.5404892
MOTE_DLOW = -0.2770679
MOTE_DHIGH = 1.320576

# ---------------------------------------------------------------------------------------------
# R's `mtcars` (Henderson & Velleman 1981), columns cyl, gear, carb, hp of the 32 cars in the
# order of the data set.
MTCARS_CYL = [6, 6, 4, 6, 8, 6, 8, 4, 4, 6, 6, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 8, 8, 8, 8, 4, 4, 4, 8, 6, 8, 4]
MTCARS_GEAR = [4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 4, 4, 4, 3, 3, 3, 3, 3, 4, 5, 5, 5, 5, 5, 4]
MTCARS_CARB = [4, 4, 1, 1, 2, 1, 4, 2, 2, 4, 4, 3, 3, 3, 4, 4, 4, 1, 2, 1, 1, 2, 2, 4, 2, 1, 2, 2, 4, 6, 8, 2]
MTCARS_HP = [
    110, 110, 93, 110, 175, 105, 245, 62, 95, 123, 123, 180, 180, 180, 205, 215,
    230, 66, 52, 65, 97, 150, 150, 245, 175, 66, 91, 113, 264, 175, 335, 109,
]  # fmt: skip
# R, package performance, tests/testthat/test-cronbachs_alpha.R:
# > cronbachs_alpha(mtcars[, c("cyl", "gear", "carb", "hp")])
# 0.09463206
MTCARS_ALPHA = 0.09463206

# ---------------------------------------------------------------------------------------------
# Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability, section C (also
# Krippendorff 2019, Content Analysis, 4th ed., ch. 12, p. 290): 4 observers (rows here are
# the 12 units, columns the observers A-D), NaN = not coded.
KRIPP_2011_C = np.array(
    [
        [1, 1, np.nan, 1],
        [2, 2, 3, 2],
        [3, 3, 3, 3],
        [3, 3, 3, 3],
        [2, 2, 2, 2],
        [1, 2, 3, 4],
        [4, 4, 4, 4],
        [1, 1, 2, 1],
        [2, 2, 2, 2],
        [np.nan, 5, 5, 5],
        [np.nan, np.nan, 1, 1],
        [np.nan, 3, np.nan, np.nan],
    ]
)
# Krippendorff (2011), sections C-F: alpha_nominal = 0.743, alpha_ordinal = 0.815,
# alpha_interval = 0.849, alpha_ratio = 0.797
KRIPP_2011_C_NOMINAL = 0.743
KRIPP_2011_C_ORDINAL = 0.815
KRIPP_2011_C_INTERVAL = 0.849
KRIPP_2011_C_RATIO = 0.797

# Krippendorff (2011), section A: binary data, two observers, no missing data (10 units).
KRIPP_2011_A = np.array([[0, 1], [1, 1], [0, 1], [0, 0], [0, 0], [0, 1], [0, 0], [0, 0], [1, 0], [0, 0]], dtype=float)
# Krippendorff (2011), section A: alpha = 0.095
KRIPP_2011_A_NOMINAL = 0.095

# Wikipedia, "Krippendorff's alpha", "A computational example": 3 coders, 15 units
# (rows here are units, columns coders), NaN = not coded.
KRIPP_WIKI = np.array(
    [
        [np.nan, np.nan, np.nan, np.nan, np.nan, 3, 4, 1, 2, 1, 1, 3, 3, np.nan, 3],
        [1, np.nan, 2, 1, 3, 3, 4, 3, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
        [np.nan, np.nan, 2, 1, 3, 4, 4, np.nan, 2, 1, 1, 3, 3, np.nan, 4],
    ]
).T
# Values of that example as asserted (6 decimals) in the `krippendorff` Python package's tests
# (pln-fing-udelar/fast-krippendorff, tests/test_krippendorff.py): nominal 0.691358 and
# interval 0.810845 (Wikipedia prints 0.691 and 0.811).
KRIPP_WIKI_NOMINAL = 0.691358
KRIPP_WIKI_INTERVAL = 0.810845

# ---------------------------------------------------------------------------------------------
# Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion: comparison
# of seven methods. Statistics in Medicine 17, 857-872, Table I, method 3 (Wilson score
# interval without continuity correction), 95%:
NEWCOMBE_WILSON = [
    # (x, n, lower, upper)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]
