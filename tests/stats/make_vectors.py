#!/usr/bin/python3
"""Makes the statistics test vectors with independent implementations: scipy 1.10
(ttest_rel, wilcoxon, binom, bootstrap, permutation_test), statsmodels 0.13 (mcnemar, OLS with
cluster-robust errors, multipletests, NormalIndPower). Run with Debian's /usr/bin/python3 (needs
python3-scipy and python3-statsmodels); writes tests/stats/vectors.json.

Closed forms are compared to 1e-9. Resampling methods (bootstrap intervals, paired bootstrap,
approximate randomization) cannot agree digit for digit with another generator: for each case
the script runs scipy SEEDS times with different seeds at the same number of resamples and
records the spread of its answers; the C test allows 5 such standard deviations (plus 1/R for
p-values).
"""
import json
import os

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower

HERE = os.path.dirname(os.path.abspath(__file__))
RESAMPLES = 4000
SEEDS = 8
rng = np.random.default_rng(20231129)


def floats(a):
    return [float(x) for x in a]


def paired_cases():
    cases = []
    # small, no ties, no zeros: the exact Wilcoxon distribution
    for n in (6, 13, 30, 50):
        a = rng.normal(0.6, 0.2, n)
        b = a - rng.normal(0.05, 0.1, n)
        cases.append((a, b))
    # larger, with ties and zeros (per-item VQA accuracies are multiples of 0.1)
    for n in (51, 200, 1000):
        a = np.round(rng.choice([0, 0.3, 0.6, 0.9, 1.0], n), 1)
        b = np.where(rng.random(n) < 0.8, a, np.round(rng.choice([0, 0.3, 0.6, 0.9, 1.0], n), 1))
        cases.append((a, b))
    out = []
    for a, b in cases:
        t = stats.ttest_rel(a, b)
        w = stats.wilcoxon(a, b)
        out.append({"a": floats(a), "b": floats(b), "t": float(t.statistic), "t_p": float(t.pvalue),
                    "wilcoxon_statistic": float(w.statistic), "wilcoxon_p": float(w.pvalue)})
    return out


def mcnemar_cases():
    out = []
    for b, c in [(0, 0), (0, 3), (5, 5), (12, 3), (40, 61), (300, 270), (1, 0)]:
        r = mcnemar([[10, b], [c, 10]], exact=True)
        out.append({"b": b, "c": c, "p": float(r.pvalue)})
    return out


def cluster_cases():
    out = []
    for n, clusters in ((30, 10), (400, 80), (1000, 1000)):
        g = np.sort(rng.integers(0, clusters, n))
        effect = rng.normal(0, 0.3, clusters)
        x = np.clip(0.5 + effect[g] + rng.normal(0, 0.2, n), 0, 1)
        fit = sm.OLS(x, np.ones(n)).fit(cov_type="cluster", cov_kwds={"groups": g, "use_correction": False})
        out.append({"x": floats(x), "cluster": [int(v) for v in g], "mean": float(x.mean()),
                    "se": float(x.std(ddof=1) / np.sqrt(n)), "clustered_se": float(fit.bse[0])})
    return out


def multiplicity_cases():
    out = []
    for p in ([0.01, 0.04, 0.03, 0.005, 0.2], list(rng.random(12) ** 3), [0.05, 0.05, 0.01, 0.5]):
        out.append({"p": floats(p), "holm": floats(multipletests(p, method="holm")[1]),
                    "bh": floats(multipletests(p, method="fdr_bh")[1])})
    return out


def power_cases():
    out = []
    for delta, sd, rho, alpha, power in [(0.03, 0.5, 0.5, 0.05, 0.8), (0.01, 0.5, 0.5, 0.05, 0.8),
                                          (0.05, 0.3, 0.2, 0.01, 0.9), (2.0, 10.0, 0.7, 0.05, 0.8)]:
        omega = np.sqrt(2 * sd * sd * (1 - rho))
        n = NormalIndPower().solve_power(effect_size=delta / omega, alpha=alpha, power=power, ratio=0)
        # solve_power's own root finder stops at ~1e-6 relative for the effect size: solve
        # statsmodels' power function with a tight brentq instead
        back = optimize.brentq(lambda e: NormalIndPower().power(effect_size=e, nobs1=n, alpha=alpha, ratio=0) - power,
                               1e-9, 100, xtol=1e-15, rtol=1e-15) * omega
        out.append({"delta": delta, "sd": sd, "rho": rho, "alpha": alpha, "power": power,
                    "items": float(n), "delta_for_items": float(back)})
    return out


def bootstrap_cases():
    out = []
    for kind, n in (("mean", 60), ("mean", 500), ("ratio", 300)):
        if kind == "mean":
            x = rng.beta(2, 5, n)
            data, stat = (x,), (lambda x, axis=-1: np.mean(x, axis=axis))
            case = {"kind": kind, "x": floats(x)}
        else:  # a corpus statistic: sum of matches / sum of guesses, as BLEU's precisions
            m = rng.integers(0, 12, n).astype(float)
            g = m + rng.integers(0, 8, n)
            data = (m, g)
            stat = lambda m, g, axis=-1: np.sum(m, axis=axis) / np.sum(g, axis=axis)
            case = {"kind": kind, "m": floats(m), "g": floats(g)}
        for method in ("percentile", "BCa"):
            ends = []
            for s in range(SEEDS):
                r = stats.bootstrap(data, stat, n_resamples=RESAMPLES, confidence_level=0.95,
                                    method=method, paired=True, vectorized=True, random_state=1000 + s)
                ends.append([r.confidence_interval.low, r.confidence_interval.high])
            e = np.array(ends)
            case[method] = {"mean": floats(e.mean(axis=0)), "sd": floats(e.std(axis=0, ddof=1))}
        out.append(case)
    return out


def paired_resampling_cases():
    out = []
    for n, shift in ((200, 0.0), (200, 0.08), (800, 0.02)):
        a = rng.beta(2, 3, n)
        b = np.clip(a - shift + rng.normal(0, 0.1, n), 0, 1)
        diff = lambda a, b, axis=-1: np.mean(a, axis=axis) - np.mean(b, axis=axis)
        ci, pb, ar = [], [], []
        for s in range(SEEDS):
            r = stats.bootstrap((a, b), diff, n_resamples=RESAMPLES, method="percentile", paired=True,
                                vectorized=True, random_state=2000 + s)
            d = r.bootstrap_distribution
            ci.append([r.confidence_interval.low, r.confidence_interval.high])
            pb.append(min(1.0, 2 * min(np.mean(d <= 0), np.mean(d >= 0))))
            pt = stats.permutation_test((a, b), lambda a, b, axis=-1: np.abs(diff(a, b, axis)),
                                        permutation_type="samples", n_resamples=RESAMPLES,
                                        alternative="greater", vectorized=True, random_state=3000 + s)
            ar.append(pt.pvalue)
        ci = np.array(ci)
        out.append({"a": floats(a), "b": floats(b), "diff": float(diff(a, b)),
                    "interval": {"mean": floats(ci.mean(axis=0)), "sd": floats(ci.std(axis=0, ddof=1))},
                    "bootstrap_p": {"mean": float(np.mean(pb)), "sd": float(np.std(pb, ddof=1))},
                    "randomization_p": {"mean": float(np.mean(ar)), "sd": float(np.std(ar, ddof=1))}})
    return out


def kappa_cases():
    from sklearn.metrics import cohen_kappa_score
    out = []
    for n, agree in ((40, 0.5), (300, 0.8), (25, 0.2)):
        a = rng.integers(0, 4, n)
        b = np.where(rng.random(n) < agree, a, np.clip(a + rng.integers(-2, 3, n), 0, 3))
        out.append({"a": [int(x) for x in a], "b": [int(x) for x in b],
                    **{w or "none": float(cohen_kappa_score(a, b, labels=list(range(4)), weights=w))
                       for w in (None, "linear", "quadratic")}})
    return out


def fleiss_cases():
    from statsmodels.stats.inter_rater import fleiss_kappa
    out = []
    for n, raters in ((20, 3), (60, 5)):
        truth = rng.integers(0, 4, n)
        table = np.zeros((n, 4))
        for i in range(n):
            for _ in range(raters):
                table[i, truth[i] if rng.random() < 0.7 else rng.integers(0, 4)] += 1
        out.append({"counts": [floats(r) for r in table], "kappa": float(fleiss_kappa(table, method="fleiss"))})
    return out


def krippendorff_alpha(data, k, metric):
    """Krippendorff's alpha written from its definition with pairable values (not the coincidence
    matrix lynxeval uses): D_o over pairs within units weighted 1/(m_u - 1), D_e over all pairs."""
    units = [[v for v in col if v is not None] for col in zip(*data)]
    units = [u for u in units if len(u) >= 2]
    values = [v for u in units for v in u]
    n = len(values)
    counts = [values.count(c) for c in range(k)]

    def delta(c, d):
        if metric == "nominal":
            return float(c != d)
        if metric == "interval":
            return float((c - d) ** 2)
        lo, hi = min(c, d), max(c, d)
        return (sum(counts[lo:hi + 1]) - (counts[c] + counts[d]) / 2) ** 2

    d_o = sum(delta(u[x], u[y]) / (len(u) - 1) for u in units for x in range(len(u)) for y in range(len(u)) if x != y) / n
    d_e = sum(delta(values[x], values[y]) for x in range(n) for y in range(n) if x != y) / (n * (n - 1))
    return 1 - d_o / d_e


def alpha_cases():
    out = []
    # Krippendorff (2011)'s worked example: 4 coders, 12 units, values 1..5 (here 0..4)
    published = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
                 [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
                 [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
                 [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    published = [[None if v is None else v - 1 for v in row] for row in published]
    cases = [("published", published, 5)]
    for raters, n in ((3, 30), (4, 80)):
        truth = rng.integers(0, 4, n)
        data = [[None if rng.random() < 0.15 else int(np.clip(t + rng.integers(-1, 2), 0, 3)) for t in truth]
                for _ in range(raters)]
        cases.append(("generated", data, 4))
    for name, data, k in cases:
        out.append({"name": name, "k": k, "ratings": [[-1 if v is None else v for v in row] for row in data],
                    **{m: krippendorff_alpha(data, k, m) for m in ("nominal", "ordinal", "interval")}})
    return out


def bradley_terry_cases():
    out = []
    for m, n in ((3, 60), (5, 400)):
        true = rng.normal(0, 1, m)
        prefs = []
        for _ in range(n):
            i, j = rng.choice(m, 2, replace=False)
            p = 1 / (1 + np.exp(true[j] - true[i]))
            u = rng.random()
            outcome = 0.5 if abs(u - p) < 0.05 else float(u < p)
            prefs.append((int(i), int(j), outcome))
        # Bradley-Terry as a binomial GLM on x = e_i - e_j (the last system as the reference)
        X = np.zeros((n, m))
        for r, (i, j, _) in enumerate(prefs):
            X[r, i], X[r, j] = 1, -1
        y = np.array([o for _, _, o in prefs])
        fit = sm.GLM(y, X[:, :-1], family=sm.families.Binomial()).fit(tol=1e-14, maxiter=500)
        beta = np.append(fit.params, 0.0)
        beta -= beta.mean()
        out.append({"m": m, "preferences": [[i, j, o] for i, j, o in prefs], "log_strength": floats(beta)})
    return out


def main():
    vectors = {
        "about": f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}, numpy {np.__version__}; "
                 f"resampling cases: {RESAMPLES} resamples, {SEEDS} seeds",
        "resamples": RESAMPLES,
        "paired": paired_cases(),
        "mcnemar": mcnemar_cases(),
        "clustered": cluster_cases(),
        "multiplicity": multiplicity_cases(),
        "power": power_cases(),
        "bootstrap": bootstrap_cases(),
        "paired_resampling": paired_resampling_cases(),
        "cohen": kappa_cases(),
        "fleiss": fleiss_cases(),
        "krippendorff": alpha_cases(),
        "bradley_terry": bradley_terry_cases(),
    }
    with open(os.path.join(HERE, "vectors.json"), "w") as f:
        json.dump(vectors, f)
        f.write("\n")
    print("wrote", os.path.join(HERE, "vectors.json"))


if __name__ == "__main__":
    main()
