# Reference values of tests/stats/test_stats_power.py (tip_eval.stats.power).
#
# Run with R 4.x, pwr 1.3.0 and PowerUpR 1.1.0 (CRAN): `Rscript tests/stats/r/power_references.R`.
# The printed values are copied, with the call that made each, into the test module. The tests
# themselves never need R.

library(pwr)
library(PowerUpR)
show <- function(x) print(x, digits = 12)
quiet <- function(expr) { invisible(capture.output(value <- expr)); value }

# --- paired t-test (G*Power "Means: Difference from constant (matched pairs)") --------------------
# pwr.t.test(type = "paired") counts both rejection regions of a two-sided test, as G*Power does.
paired <- function(n, d, ...) pwr.t.test(n = n, d = d, type = "paired", ...)$power
show(paired(34, 0.5))                                                   # 0.807777501279
show(paired(20, 0.4))                                                   # 0.39699382561
show(paired(12, -0.8))                                                  # 0.7136600656
show(paired(50, 0.3, sig.level = 0.01, alternative = "greater"))        # 0.396084301993
# pwr.t.test(d = , power = , type = "paired")$n solves with uniroot's default tolerance (about
# 1e-4); the same power function solved to 1e-12:
solve_n <- function(d, power, ...) uniroot(function(n) paired(n, d, ...) - power, c(2.5, 1000), tol = 1e-12)$root
solve_d <- function(n, power, ...) uniroot(function(d) paired(n, d, ...) - power, c(0.01, 5), tol = 1e-12)$root
show(solve_n(0.5, 0.80))                                                # 33.3671289533
show(solve_n(0.3, 0.80))                                                # 89.1493643536
show(solve_n(0.5, 0.95))                                                # 53.940614297
show(solve_n(0.5, 0.80, alternative = "greater"))                       # 26.137503806
show(solve_n(1.2, 0.90, sig.level = 0.01))                              # 13.7812483758
show(solve_d(34, 0.80))                                                 # 0.495028097973
show(solve_d(191, 0.80))                                                # 0.203747161834
show(solve_d(15, 0.90, sig.level = 0.10, alternative = "greater"))      # 0.682452264301

# --- two-level cluster-randomised design (PowerUp! CRA2, Dong & Maynard 2013) ---------------------
show(quiet(mdes.cra2(rho2 = .17, n = 15, J = 20))$mdes[1])              # 0.629006417691
show(quiet(mdes.cra2(rho2 = .05, n = 25, J = 10))$mdes[1])              # 0.599415181634
show(quiet(mdes.cra2(rho2 = .20, n = 4, J = 20, alpha = .01))$mdes[1])  # 1.05797009455
show(quiet(mdes.cra2(rho2 = .10, n = 30, J = 16, power = .90, two.tailed = FALSE))$mdes[1])  # 0.560003499434
show(quiet(mdes.cra2(rho2 = .10, n = 20, J = 12, p = .25))$mdes[1])     # 0.788790163809
show(quiet(power.cra2(es = .629, rho2 = .17, n = 15, J = 20))$power)    # 0.800070750215
show(quiet(power.cra2(es = .50, rho2 = .20, n = 4, J = 20))$power)      # 0.387426977124
show(quiet(power.cra2(es = .40, rho2 = .05, n = 25, J = 10))$power)     # 0.46641697727
show(quiet(power.cra2(es = .30, rho2 = .10, n = 30, J = 16, two.tailed = FALSE))$power)  # 0.475388433331
show(quiet(mrss.cra2(es = .629, rho2 = .17, n = 15))$J)                 # 20
show(quiet(mrss.cra2(es = .50, rho2 = .05, n = 25))$J)                  # 13
show(quiet(mrss.cra2(es = .25, rho2 = .10, n = 20))$J)                  # 75
show(quiet(mrss.cra2(es = .30, rho2 = .02, n = 30, power = .90))$J)     # 27
# the smallest J whose exact power (power.cra2) reaches the target, with the power at J - 1 and J
cra2_power <- function(J, ...) quiet(do.call(power.cra2, c(list(J = J), list(...))))$power
smallest <- function(target, ...) { J <- 4; while (cra2_power(J, ...) < target) J <- J + 1
  c(J = J, below = cra2_power(J - 1, ...), at = cra2_power(J, ...)) }
show(smallest(.80, es = .629, rho2 = .17, n = 15))   # 20, 0.776902450913, 0.800070750215
show(smallest(.80, es = .50, rho2 = .05, n = 25))    # 14, 0.789783578049, 0.824678786028
show(smallest(.80, es = .25, rho2 = .10, n = 20))    # 75, 0.795609293268, 0.801034493793
show(smallest(.90, es = .30, rho2 = .02, n = 30))    # 27, 0.891923311864, 0.903755273148
