#!/usr/bin/env python3
"""Independent reference values for server/modules/experiments/statistics.ts.

Python 3 standard library only. Deliberately NOT a port of the TypeScript:
- the normal comes from statistics.NormalDist (erfc-based CDF, AS241 quantile);
- the Student t CDF is a composite Simpson integral of the t density, the t
  quantile a bisection on that integral;
- chi-square survival uses closed forms (df 1: erfc; even df: Poisson sum;
  odd df: erfc plus a finite series);
- revenue and CTR cases are generated as per-user rows from a seeded RNG, and
  variances / covariances are taken from those rows in two passes, while the
  fixtures carry only the sums the TypeScript sees.

The sequential cases (sequential.ts) compute the mixture likelihood ratio by
Simpson quadrature of the Gaussian likelihood ratio over the N(0, tau^2)
mixture, not by its closed form, and find the confidence-sequence interval by
bisection on that integral.

The CUPED cases (cuped.ts) carry per-user rows; theta comes from the normal
equations in exact rational arithmetic (fractions.Fraction) over every user,
the adjusted arm means and variances likewise, and the sequential interval
from the same quadrature as above.

Usage: python3 scripts/eval/stats_reference.py   (writes the fixtures file)
"""
import json
import math
import os
import random
from statistics import NormalDist

N = NormalDist()
ALPHA = 0.05
Z = N.inv_cdf(1 - ALPHA / 2)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'server', 'modules', 'experiments', 'statistics.fixtures.json')
CUPED_OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'server', 'modules', 'experiments', 'cuped.fixtures.json')


# ----------------------------------------------------------------- t by quadrature
def t_pdf(x, df):
    return math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
                    - (df + 1) / 2 * math.log1p(x * x / df))


def simpson(f, a, b, n):
    if n % 2:
        n += 1
    h = (b - a) / n
    s = f(a) + f(b)
    for i in range(1, n):
        s += (4 if i % 2 else 2) * f(a + i * h)
    return s * h / 3


def tail_limit(df):
    # limit of t_pdf(1/u)/u^2 as u -> 0: C * df^((df+1)/2) * u^(df-1), i.e. finite only for df = 1
    if df > 1:
        return 0.0
    return math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi) + (df + 1) / 2 * math.log(df))


def t_cdf(x, df):
    """P(T <= x). For |x| <= 8 integrate 0..|x|; beyond, integrate the tail
    after the substitution u = 1/t (density t_pdf(1/u)/u^2 on (0, 1/|x|]),
    which has a finite range and a smooth integrand."""
    ax = abs(x)
    if ax <= 8:
        upper_tail = 0.5 - simpson(lambda s: t_pdf(s, df), 0.0, ax, 20000)
    else:
        upper_tail = simpson(lambda u: t_pdf(1 / u, df) / (u * u) if u > 0 else tail_limit(df), 0.0, 1 / ax, 20000)
    return 1 - upper_tail if x > 0 else upper_tail


def t_quantile(p, df):
    if p > 0.5:
        return -t_quantile(1 - p, df)
    lo, hi = -1.0, 0.0
    while t_cdf(lo, df) > p:
        hi, lo = lo, lo * 2
    for _ in range(60):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) > p:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


# ----------------------------------------------------------------- chi-square closed forms
def chi2_sf(x, df):
    if x <= 0:
        return 1.0
    if df % 2 == 0:
        k = df // 2
        term, s = 1.0, 1.0
        for i in range(1, k):
            term *= (x / 2) / i
            s += term
        return math.exp(-x / 2) * s
    # odd: Q = erfc(sqrt(x/2)) + exp(-x/2) * sum_{i=1}^{(df-1)/2} (x/2)^{i-1/2} / Gamma(i+1/2)
    s = math.erfc(math.sqrt(x / 2))
    for i in range(1, (df - 1) // 2 + 1):
        s += math.exp(-x / 2 + (i - 0.5) * math.log(x / 2) - math.lgamma(i + 0.5))
    return s


# ----------------------------------------------------------------- metrics
def wilson(x, n):
    p = x / n
    d = 1 + Z * Z / n
    c = (p + Z * Z / (2 * n)) / d
    h = Z / d * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return [max(0.0, c - h), min(1.0, c + h)]


def delta_lift(c, v, var_c, var_v):
    lift = (v - c) / c
    se = math.sqrt(var_v / c ** 2 + v ** 2 * var_c / c ** 4)
    return lift, [lift - Z * se, lift + Z * se]


def two_sided(z):
    return math.erfc(abs(z) / math.sqrt(2))


def conversion(name, nc, xc, nv, xv):
    pc, pv = xc / nc, xv / nv
    pool = (xc + xv) / (nc + nv)
    se0 = math.sqrt(pool * (1 - pool) * (1 / nc + 1 / nv))
    z = (pv - pc) / se0
    vc, vv = pc * (1 - pc) / nc, pv * (1 - pv) / nv
    e = {'controlRate': pc, 'variantRate': pv, 'controlCi': wilson(xc, nc), 'variantCi': wilson(xv, nv),
         'absoluteDifference': pv - pc,
         'absoluteDifferenceCi': [pv - pc - Z * math.sqrt(vc + vv), pv - pc + Z * math.sqrt(vc + vv)],
         'zScore': z, 'pValue': two_sided(z), 'isSignificant': two_sided(z) < ALPHA,
         'lowConfidence': min(nc, nv) < 500}
    if xc > 0:
        e['relativeLift'], e['relativeLiftCi'] = delta_lift(pc, pv, vc, vv)
    else:
        e['relativeLift'], e['relativeLiftCi'] = None, None
    return {'name': name, 'control': {'users': nc, 'conversions': xc}, 'variant': {'users': nv, 'conversions': xv}, 'expected': e}


def two_pass_var(xs):
    m = sum(xs) / len(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def revenue_rows(rng, n, buy_rate, mu, sigma):
    # zero-revenue users included: most users buy nothing
    return [round(rng.lognormvariate(mu, sigma), 2) if rng.random() < buy_rate else 0.0 for _ in range(n)]


def revenue(name, ctrl, var):
    nc, nv = len(ctrl), len(var)
    mc, mv = sum(ctrl) / nc, sum(var) / nv
    vc, vv = two_pass_var(ctrl), two_pass_var(var)
    sc, sv = vc / nc, vv / nv
    se = math.sqrt(sc + sv)
    df = (sc + sv) ** 2 / (sc ** 2 / (nc - 1) + sv ** 2 / (nv - 1))
    t = (mv - mc) / se
    p = 2 * t_cdf(-abs(t), df)
    tq = t_quantile(0.975, df)
    e = {'controlMean': mc, 'variantMean': mv,
         'controlCi': [mc - t_quantile(0.975, nc - 1) * math.sqrt(sc), mc + t_quantile(0.975, nc - 1) * math.sqrt(sc)],
         'variantCi': [mv - t_quantile(0.975, nv - 1) * math.sqrt(sv), mv + t_quantile(0.975, nv - 1) * math.sqrt(sv)],
         'absoluteDifference': mv - mc, 'absoluteDifferenceCi': [mv - mc - tq * se, mv - mc + tq * se],
         'tStatistic': t, 'degreesOfFreedom': df, 'pValue': p, 'isSignificant': p < ALPHA,
         'lowConfidence': min(nc, nv) < 500}
    e['relativeLift'], e['relativeLiftCi'] = delta_lift(mc, mv, sc, sv)
    arm = lambda xs: {'n': len(xs), 'sum': sum(xs), 'sumSq': sum(x * x for x in xs)}
    return {'name': name, 'control': arm(ctrl), 'variant': arm(var), 'expected': e}


def ctr_rows(rng, n, mean_impr, ctr):
    rows = []
    for _ in range(n):
        y = 1 + int(rng.expovariate(1 / mean_impr))
        # user-level heterogeneity: each user has their own propensity around ctr
        q = min(0.95, max(0.0, rng.gauss(ctr, ctr / 2)))
        x = sum(1 for _ in range(y) if rng.random() < q)
        rows.append((x, y))
    return rows


def ctr_arm_stats(rows):
    n = len(rows)
    xs, ys = [r[0] for r in rows], [r[1] for r in rows]
    X, Y = sum(xs), sum(ys)
    r = X / Y
    mx, my = X / n, Y / n
    sxx = sum((x - mx) ** 2 for x in xs) / (n - 1)
    syy = sum((y - my) ** 2 for y in ys) / (n - 1)
    sxy = sum((x - mx) * (y - my) for x, y in rows) / (n - 1)
    var = (sxx - 2 * r * sxy + r * r * syy) / (n * my * my)
    return r, var, {'users': n, 'clicks': X, 'impressions': Y, 'sumClicksSq': sum(x * x for x in xs),
                    'sumImpressionsSq': sum(y * y for y in ys), 'sumClicksImpressions': sum(x * y for x, y in rows)}


def ctr(name, ctrl, var):
    rc, vc, ac = ctr_arm_stats(ctrl)
    rv, vv, av = ctr_arm_stats(var)
    se = math.sqrt(vc + vv)
    z = (rv - rc) / se
    p = two_sided(z)
    e = {'controlRate': rc, 'variantRate': rv,
         'controlCi': [rc - Z * math.sqrt(vc), rc + Z * math.sqrt(vc)],
         'variantCi': [rv - Z * math.sqrt(vv), rv + Z * math.sqrt(vv)],
         'absoluteDifference': rv - rc, 'absoluteDifferenceCi': [rv - rc - Z * se, rv - rc + Z * se],
         'zScore': z, 'pValue': p, 'isSignificant': p < ALPHA, 'lowConfidence': min(len(ctrl), len(var)) < 500}
    e['relativeLift'], e['relativeLiftCi'] = delta_lift(rc, rv, vc, vv)
    return {'name': name, 'control': ac, 'variant': av, 'expected': e}


def srm(name, c, v, share):
    total = c + v
    ev, ec = total * share, total * (1 - share)
    chi = (v - ev) ** 2 / ev + (c - ec) ** 2 / ec
    p = math.erfc(math.sqrt(chi / 2))  # chi-square df 1 survival
    return {'name': name, 'observed': {'control': c, 'variant': v}, 'expectedVariantShare': share,
            'expected': {'chiSquare': chi, 'pValue': p, 'detected': p < 0.001}}


def sample_size(baseline, mde=0.05, alpha=0.05, power=0.8):
    za, zb = N.inv_cdf(1 - alpha / 2), N.inv_cdf(power)
    if 'rate' in baseline:
        p1 = baseline['rate']
        p2 = p1 * (1 + mde)
        pbar = (p1 + p2) / 2
        n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
    else:
        n = 2 * (za + zb) ** 2 * baseline['standardDeviation'] ** 2 / (mde * baseline['mean']) ** 2
    return {'baseline': baseline, 'options': {'relativeMde': mde, 'alpha': alpha, 'power': power},
            'expected': math.ceil(n - 1e-9), 'exact': n}


# ----------------------------------------------------------------- sequential (mixture SPRT / normal-mixture CS)
def log_mixture_lr(estimate, var, tau2, steps=40000):
    """ln of the integral over theta ~ N(0, tau2) of exp((theta * estimate - theta^2 / 2) / var),
    the Gaussian likelihood ratio of 'lift = theta' against 'lift = 0', by Simpson quadrature
    in logs (shifted by the integrand's maximum) over +-12 sd of the posterior-like peak."""
    tau = math.sqrt(tau2)
    g = lambda th: (th * estimate - th * th / 2) / var - th * th / (2 * tau2) - math.log(tau * math.sqrt(2 * math.pi))
    peak = estimate * tau2 / (var + tau2)
    width = math.sqrt(var * tau2 / (var + tau2))
    lo, hi = peak - 12 * width, peak + 12 * width
    top = g(peak)
    return top + math.log(simpson(lambda th: math.exp(g(th) - top), lo, hi, steps))


def mixture_reference(estimate, var, tau2, alpha=ALPHA):
    p = min(1.0, math.exp(-log_mixture_lr(estimate, var, tau2)))
    target = math.log(1 / alpha)
    # the ratio depends on estimate - theta0 only, and grows with its size: bisect for the boundary distance
    lo, hi = 0.0, math.sqrt(var)
    while log_mixture_lr(hi, var, tau2) < target:
        hi *= 2
    for _ in range(80):
        mid = (lo + hi) / 2
        if log_mixture_lr(mid, var, tau2) < target:
            lo = mid
        else:
            hi = mid
    half = (lo + hi) / 2
    return p, [estimate - half, estimate + half]


def sequential_case(name, metric, control, variant, arms, expected_users):
    """arms: ((value, variance of the estimate, users) for control, same for variant), computed
    from the rows above; lift and its delta-method variance; tau^2 = rho^2 * V * n."""
    (c, vc, nc), (v, vv, nv) = arms
    lift = (v - c) / c
    var = vv / c ** 2 + v ** 2 * vc / c ** 4
    ell = -2 * math.log(ALPHA)
    rho2 = (ell + math.log(1 + ell)) / expected_users
    n = 2 / (1 / nc + 1 / nv)
    tau2 = rho2 * var * n
    p, interval = mixture_reference(lift, var, tau2)
    return {'name': name, 'metric': metric, 'control': control, 'variant': variant, 'expectedUsersPerArm': expected_users,
            'expected': {'lift': lift, 'liftVariance': var, 'rho2': rho2, 'mixtureVariance': tau2, 'pValue': p,
                         'liftInterval': interval, 'isSignificant': p < ALPHA}}


def sequential_conversion(name, nc, xc, nv, xv, expected_users):
    pc, pv = xc / nc, xv / nv
    return sequential_case(name, 'conversion_rate', {'users': nc, 'conversions': xc}, {'users': nv, 'conversions': xv},
                           ((pc, pc * (1 - pc) / nc, nc), (pv, pv * (1 - pv) / nv, nv)), expected_users)


def sequential_revenue(name, ctrl, var, expected_users):
    arm = lambda xs: {'n': len(xs), 'sum': sum(xs), 'sumSq': sum(x * x for x in xs)}
    est = lambda xs: (sum(xs) / len(xs), two_pass_var(xs) / len(xs), len(xs))
    return sequential_case(name, 'revenue_per_visitor', arm(ctrl), arm(var), (est(ctrl), est(var)), expected_users)


def sequential_ctr(name, ctrl, var, expected_users):
    rc, vc, ac = ctr_arm_stats(ctrl)
    rv, vv, av = ctr_arm_stats(var)
    return sequential_case(name, 'ctr', ac, av, ((rc, vc, len(ctrl)), (rv, vv, len(var))), expected_users)


# ----------------------------------------------------------------- CUPED
from fractions import Fraction as Fr

ROW_FIELDS = ['impressions', 'clicks', 'conversions', 'revenue', 'preImpressions', 'preClicks', 'preConversions', 'preRevenue', 'hasPre']


def cuped_yx(metric, arms):
    """Per-user (y, x) as Fractions: the metric after exposure and over the 14 days before.
    CTR: the delta method's linearisation, R + (clicks - R impressions) / mean impressions per arm;
    the covariate the same with the pooled pre-exposure CTR."""
    F = lambda v: Fr(v)
    if metric == 'conversion_rate':
        return [[(Fr(int(r[2] > 0)), Fr(int(r[6] > 0))) for r in rows] for rows in arms]
    if metric == 'revenue_per_visitor':
        return [[(F(r[3]), F(r[7])) for r in rows] for rows in arms]
    users = sum(len(rows) for rows in arms)
    pre_c = sum(Fr(r[5]) for rows in arms for r in rows)
    pre_i = sum(Fr(r[4]) for rows in arms for r in rows)
    r0 = pre_c / pre_i if pre_i else Fr(0)
    i0 = pre_i / users
    out = []
    for rows in arms:
        c = sum(Fr(r[1]) for r in rows)
        i = sum(Fr(r[0]) for r in rows)
        rate, mi = c / i, i / len(rows)
        out.append([(rate + (r[1] - rate * r[0]) / mi, (r[5] - r0 * r[4]) / i0 if i0 else Fr(0)) for r in rows])
    return out


def cuped_case(name, metric, analysis, arms, expected_users=35000):
    yx = cuped_yx(metric, arms)
    pts = [p for a in yx for p in a]
    n = len(pts)
    sx, sy = sum(x for _, x in pts), sum(y for y, _ in pts)
    sxx, sxy = sum(x * x for _, x in pts), sum(x * y for y, x in pts)
    theta = (n * sxy - sx * sy) / (n * sxx - sx * sx)   # the least-squares slope
    xbar = sx / n

    def arm(a, th):
        vals = [y - th * (x - xbar) for y, x in a]
        m = sum(vals) / len(vals)
        return m, sum((v - m) ** 2 for v in vals) / (len(vals) - 1) / len(vals), len(vals)

    cases = []
    m_arms = len(arms) - 1
    for k in range(1, len(arms)):
        (c, vc, nc), (t, vt, nt) = arm(yx[0], theta), arm(yx[k], theta)
        (_, rvc, _), (_, rvt, _) = arm(yx[0], Fr(0)), arm(yx[k], Fr(0))
        lift = (t - c) / c
        var = vt / c ** 2 + t ** 2 * vc / c ** 4
        lift, var = float(lift), float(var)
        if analysis == 'sequential':
            ell = -2 * math.log(ALPHA)
            rho2 = (ell + math.log(1 + ell)) / expected_users
            tau2 = rho2 * var * (2 / (1 / nc + 1 / nt))
            p, interval = mixture_reference(lift, var, tau2)
        else:
            se = math.sqrt(var)
            p, interval = 2 * (1 - N.cdf(abs(lift) / se)), [lift - Z * se, lift + Z * se]
        cov_users = sum(int(r[8]) for r in arms[0]) + sum(int(r[8]) for r in arms[k])
        cases.append({'theta': float(theta), 'adjustedLift': lift, 'adjustedInterval': interval, 'pValue': p,
                      'varianceReduction': float(1 - (vc + vt) / (rvc + rvt)), 'covariateUsers': cov_users})
    return {'name': name, 'metric': metric, 'analysis': analysis, 'expectedUsersPerArm': expected_users,
            'fields': ROW_FIELDS, 'arms': arms, 'expected': cases}


def cuped_rows(rng, n, effect):
    """Users whose behaviour after exposure follows the one before it: a per-user click propensity,
    purchase propensity and basket size drive both periods; `effect` scales the arm's propensities."""
    rows = []
    for _ in range(n):
        u = rng.random()
        active = rng.random() < 0.6                      # events in the 14 days before exposure
        click_p, buy_p, basket = 0.02 + 0.2 * u, 0.02 + 0.3 * u ** 2, round(20 + 40 * u, 2)
        pre_i = rng.randint(2, 12) if active else 0
        pre_c = sum(rng.random() < click_p for _ in range(pre_i))
        pre_conv = sum(rng.random() < buy_p for _ in range(3)) if active else 0
        impr = rng.randint(1, 12)
        clicks = sum(rng.random() < min(0.95, click_p * (1 + effect)) for _ in range(impr))
        conv = int(rng.random() < min(0.95, buy_p * (1 + effect)))
        rows.append([impr, clicks, conv, round(conv * basket, 2), pre_i, pre_c, pre_conv, round(pre_conv * basket, 2),
                     active or rng.random() < 0.05])
    return rows


def main():
    rng = random.Random(20261125)
    fx = {}
    # NormalDist.cdf is 0.5 * (1 + erf(x / sqrt 2)), which loses relative precision in the lower
    # tail (Phi(-8) comes out 2 % low); 0.5 * erfc(-x / sqrt 2) keeps it, so the fixtures use that.
    phi = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))
    fx['normalCdf'] = [{'x': x, 'expected': phi(x)} for x in (-30, -12, -8, -7.5, -7, -5, -3.2, -1.959963984540054, -1, -0.1, 0, 0.5, 1.644853626951472, 2.5, 6)]
    fx['normalQuantile'] = [{'p': p, 'expected': N.inv_cdf(p)} for p in (1e-10, 1e-6, 0.001, 0.01, 0.025, 0.02425, 0.1, 0.3, 0.5, 0.8, 0.95, 0.975, 0.995, 0.999999)]
    fx['studentTCdf'] = [{'t': t, 'df': df, 'expected': t_cdf(t, df)} for t, df in
                         ((-2.0, 1), (1.0, 1), (-2.5, 3.5), (2.228, 10), (-1.3, 7.3), (0.4, 30), (-4.0, 12.7), (-12.0, 2), (2.0, 200), (-1.96, 5000), (-3.0, 123456))]
    fx['studentTQuantile'] = [{'p': p, 'df': df, 'expected': t_quantile(p, df)} for p, df in
                              ((0.975, 1), (0.975, 2), (0.975, 9), (0.025, 29), (0.975, 99.5), (0.9, 4.2), (0.975, 100000))]
    fx['chiSquareSf'] = [{'x': x, 'df': df, 'expected': chi2_sf(x, df)} for x, df in
                         ((3.841458820694124, 1), (0.2, 1), (10.83, 1), (30, 1), (5.991, 2), (1.5, 3), (7.81, 3), (9.49, 4), (2.0, 5), (40, 10))]

    fx['conversionRate'] = [
        conversion('textbook 200/1000 vs 250/1000', 1000, 200, 1000, 250),
        conversion('large, 3% baseline, +10% lift, significant', 100000, 3000, 100000, 3300),
        conversion('large, 3% baseline, +2% lift, not significant', 50000, 1500, 50000, 1530),
        conversion('tiny arms, low confidence', 40, 3, 38, 7),
        conversion('unequal split 90/10', 90000, 4500, 10000, 560),
        conversion('negative lift', 20000, 2400, 20000, 2200),
        conversion('zero conversions in control (lift null)', 300, 0, 300, 4),
        conversion('all converted in variant', 200, 150, 210, 210),
    ]
    fx['revenuePerVisitor'] = [
        revenue('large, equal spend distribution (A/A-like)', revenue_rows(rng, 4000, 0.04, 3.5, 1.0), revenue_rows(rng, 4000, 0.04, 3.5, 1.0)),
        revenue('large, variant buys more often', revenue_rows(rng, 6000, 0.04, 3.5, 1.0), revenue_rows(rng, 6000, 0.06, 3.5, 1.0)),
        revenue('unequal variances and sizes', revenue_rows(rng, 3000, 0.05, 3.0, 0.5), revenue_rows(rng, 800, 0.05, 3.6, 1.6)),
        revenue('tiny samples (df small)', revenue_rows(rng, 6, 0.6, 2.0, 0.8), revenue_rows(rng, 4, 0.7, 2.5, 0.8)),
    ]
    fx['clickThroughRate'] = [
        ctr('moderate, similar CTR', ctr_rows(rng, 1500, 6, 0.05), ctr_rows(rng, 1500, 6, 0.05)),
        ctr('large, higher CTR in variant', ctr_rows(rng, 5000, 8, 0.04), ctr_rows(rng, 5000, 8, 0.05)),
        ctr('small arms, low confidence', ctr_rows(rng, 120, 4, 0.1), ctr_rows(rng, 90, 5, 0.08)),
    ]
    fx['sampleRatioMismatch'] = [
        srm('50/50 balanced', 50123, 49877, 0.5),
        srm('50/50 with a visible mismatch', 50800, 49200, 0.5),
        srm('90/10 as configured', 9010, 990, 0.1),
        srm('30% split, mismatch', 6800, 3200, 0.3),
        srm('tiny, no evidence', 7, 3, 0.5),
    ]
    fx['minimumSampleSize'] = [
        sample_size({'rate': 0.03}),
        sample_size({'rate': 0.10}),
        sample_size({'rate': 0.5}),
        sample_size({'rate': 0.5}, mde=0.1),
        sample_size({'rate': 0.05}, mde=0.2, alpha=0.01, power=0.9),
        sample_size({'mean': 2.4, 'standardDeviation': 18.0}),
        sample_size({'mean': 50.0, 'standardDeviation': 25.0}, mde=0.1),
    ]
    srng = random.Random(20261206)
    fx['sequential'] = [
        sequential_conversion('A/A-like at the tuned size', 35000, 3500, 35000, 3540, 35000),
        sequential_conversion('clear lift, significant at any look', 60000, 6000, 60000, 6600, 35000),
        sequential_conversion('fixed p < 0.05 but not sequentially', 20000, 2000, 20000, 2130, 35000),
        sequential_conversion('negative lift, early, tuned small', 3000, 360, 3100, 290, 2000),
        sequential_conversion('unequal split 80/20', 40000, 2000, 10000, 560, 100000),
        sequential_revenue('revenue, variant buys more often', revenue_rows(srng, 6000, 0.04, 3.5, 1.0), revenue_rows(srng, 6000, 0.06, 3.5, 1.0), 35000),
        sequential_revenue('revenue, A/A-like', revenue_rows(srng, 3000, 0.05, 3.0, 0.8), revenue_rows(srng, 3000, 0.05, 3.0, 0.8), 5000),
        sequential_ctr('ctr, higher in variant', ctr_rows(srng, 5000, 8, 0.04), ctr_rows(srng, 5000, 8, 0.05), 10000),
        sequential_ctr('ctr, similar', ctr_rows(srng, 1500, 6, 0.05), ctr_rows(srng, 1500, 6, 0.05), 35000),
    ]
    with open(OUT, 'w') as f:
        json.dump(fx, f, indent=1)
        f.write('\n')
    print(f'wrote {os.path.normpath(OUT)}')
    crng = random.Random(20261207)
    cuped = [
        cuped_case('conversion, two arms, sequential', 'conversion_rate', 'sequential', [cuped_rows(crng, 1500, 0.0), cuped_rows(crng, 1500, 0.3)], 5000),
        cuped_case('revenue, three arms, fixed', 'revenue_per_visitor', 'fixed',
                   [cuped_rows(crng, 1200, 0.0), cuped_rows(crng, 1200, 0.2), cuped_rows(crng, 1200, -0.1)]),
        cuped_case('ctr, two arms, sequential (linearised)', 'ctr', 'sequential', [cuped_rows(crng, 1500, 0.0), cuped_rows(crng, 1500, 0.15)], 10000),
    ]
    # Per-user rows: compact, in their own file.
    with open(CUPED_OUT, 'w') as f:
        json.dump(cuped, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {os.path.normpath(CUPED_OUT)}')


if __name__ == '__main__':
    main()
