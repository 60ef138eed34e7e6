"""Two-group, two-period building blocks of Callaway–Sant'Anna: ATT and influence function.

Each function returns ``(att, influence)`` with the influence function on the subsample it was
given (length n); the caller rescales it by N/n to the full sample, as R ``did`` does. The
formulas are those of R ``DRDID`` (Sant'Anna & Zhao 2020), which R ``did::att_gt`` calls:
``reg_did_panel``, ``std_ipw_did_panel``, ``drdid_panel`` (panel) and ``reg_did_rc``,
``std_ipw_did_rc``, ``drdid_rc`` (repeated cross-sections, locally efficient DR). For panels
``att_gt`` uses ``drdid_panel`` (Sant'Anna & Zhao's doubly robust estimator with a logit
propensity score and OLS outcome model), not ``drdid_imp_panel``; evalkit follows ``att_gt`` so
that its numbers equal R ``did``'s. Propensity
scores are a logit fitted by Newton–Raphson, clipped to [1e-6, 1 - 1e-6]; comparison units with
a score of 0.995 or more are trimmed (``DRDID``'s ``trim.level``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from evalkit.errors import DataError, EstimationError
from evalkit.estimate.notes import note
from evalkit.estimate.staggered_aggregate import Cells

if TYPE_CHECKING:
    from evalkit.estimate.cohorts import CohortPanel

__all__ = ["att_gt_cells", "check_covariates", "logit", "panel_2x2", "rc_2x2"]

FloatArray = npt.NDArray[np.float64]
TRIM = 0.995


def logit(X: FloatArray, d: FloatArray, where: str = "propensity score",
          iw: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    """Logit of ``d`` on ``X`` (weighted by ``iw``): fitted probabilities (clipped) and
    ``n (X'WX)^{-1}`` (R ``glm(..., weights = iw)``'s ``vcov() * n``)."""
    n, k = X.shape
    iw = np.ones(n) if iw is None else iw
    beta = np.zeros(k)
    p1 = float(d.mean())
    beta[0] = np.log(p1 / (1 - p1)) if 0 < p1 < 1 else 0.0
    for _ in range(100):
        eta = X @ beta
        p = 1.0 / (1.0 + np.exp(-eta))
        w = iw * p * (1 - p)
        H = X.T @ (X * w[:, None])
        g = X.T @ (iw * (d - p))
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError as exc:
            raise EstimationError(
                f"{where}: the covariates are collinear within a cohort comparison",
                hint="drop covariates that repeat each other or do not vary") from exc
        beta = beta + step
        if float(np.max(np.abs(step))) < 1e-12 * (1 + float(np.max(np.abs(beta)))):
            break
    else:
        raise EstimationError(
            f"{where}: the propensity-score logit did not converge (perfect separation?)",
            hint="the covariates predict treatment perfectly; drop or coarsen covariates")
    p = 1.0 / (1.0 + np.exp(-(X @ beta)))
    w = iw * p * (1 - p)
    hess_inv = np.linalg.inv(X.T @ (X * w[:, None])) * n
    return np.clip(p, 1e-6, 1 - 1e-6), hess_inv


def _ols(X: FloatArray, y: FloatArray, mask: npt.NDArray[np.bool_], where: str,
         iw: FloatArray | None = None) -> FloatArray:
    Xs = X[mask]
    ys = y[mask]
    if iw is not None:  # weighted least squares
        sw = np.sqrt(iw[mask])
        Xs, ys = Xs * sw[:, None], ys * sw
    if Xs.shape[0] < X.shape[1] or np.linalg.matrix_rank(Xs) < X.shape[1]:
        raise EstimationError(
            f"{where}: the outcome regression has collinear covariates or too few comparison "
            "units", hint="drop covariates that repeat each other or do not vary")
    return np.asarray(np.linalg.lstsq(Xs, ys, rcond=None)[0], dtype=np.float64)


def _alr_ols(X: FloatArray, w: FloatArray, resid: FloatArray) -> FloatArray:
    """Asymptotic linear representation of weighted OLS: (w e X) (X'wX/n)^{-1}."""
    n = len(w)
    xpx = (X * w[:, None]).T @ X / n
    return (X * (w * resid)[:, None]) @ np.linalg.inv(xpx)


def panel_2x2(dy: FloatArray, D: FloatArray, X: FloatArray, method: str,
              where: str = "staggered_did", iw: FloatArray | None = None,
              ) -> tuple[float, FloatArray]:
    """ATT and influence function for panel data (``dy = y_t - y_base``, X with intercept).

    ``iw``: unit sampling weights (``DRDID``'s ``i.weights``), or None for equal weights.
    """
    n = len(dy)
    iw = np.ones(n) if iw is None else iw
    if method == "reg":
        beta = _ols(X, dy, D == 0, where, iw)
        out = X @ beta
        wd = iw * D
        md = wd.mean()
        eta_t = (wd * dy).mean() / md
        eta_c = (wd * out).mean() / md
        alr = _alr_ols(X, iw * (1 - D), dy - out)
        inf_treat = (wd * dy - wd * eta_t) / md
        inf_cont = (wd * out - wd * eta_c + alr @ (wd[:, None] * X).mean(axis=0)) / md
        return float(eta_t - eta_c), inf_treat - inf_cont
    ps, hess = logit(X, D, where, iw)
    trim = np.ones(n)
    trim[D == 0] = ps[D == 0] < TRIM
    trim = trim * iw
    w_t = trim * D
    w_c = trim * ps * (1 - D) / (1 - ps)
    alr_ps = ((iw * (D - ps))[:, None] * X) @ hess
    if method == "ipw":
        eta_t = (w_t * dy).mean() / w_t.mean()
        eta_c = (w_c * dy).mean() / w_c.mean()
        inf_treat = (w_t * dy - w_t * eta_t) / w_t.mean()
        m2 = ((w_c * (dy - eta_c))[:, None] * X).mean(axis=0)
        inf_cont = (w_c * dy - w_c * eta_c + alr_ps @ m2) / w_c.mean()
        return float(eta_t - eta_c), inf_treat - inf_cont
    beta = _ols(X, dy, D == 0, where, iw)
    out = X @ beta
    r = dy - out
    eta_t = (w_t * r).mean() / w_t.mean()
    eta_c = (w_c * r).mean() / w_c.mean()
    alr = _alr_ols(X, iw * (1 - D), r)
    inf_treat = (w_t * r - w_t * eta_t - alr @ (w_t[:, None] * X).mean(axis=0)) / w_t.mean()
    m2 = ((w_c * (r - eta_c))[:, None] * X).mean(axis=0)
    m3 = (w_c[:, None] * X).mean(axis=0)
    inf_cont = (w_c * r - w_c * eta_c + alr_ps @ m2 - alr @ m3) / w_c.mean()
    return float(eta_t - eta_c), inf_treat - inf_cont


def rc_2x2(y: FloatArray, post: FloatArray, D: FloatArray, X: FloatArray, method: str,
           where: str = "staggered_did", iw: FloatArray | None = None,
           ) -> tuple[float, FloatArray]:
    """ATT and influence function for repeated cross-sections (rows of two periods).

    ``iw``: row sampling weights (``DRDID``'s ``i.weights``), or None for equal weights.
    """
    n = len(y)
    iw = np.ones(n) if iw is None else iw
    cpre = (D == 0) & (post == 0)
    cpost = (D == 0) & (post == 1)
    if method == "reg":
        o_pre = X @ _ols(X, y, cpre, where, iw)
        o_post = X @ _ols(X, y, cpost, where, iw)
        w_tpre, w_tpost, w_c = iw * D * (1 - post), iw * D * post, iw * D
        e_tpre = (w_tpre * y).mean() / w_tpre.mean()
        e_tpost = (w_tpost * y).mean() / w_tpost.mean()
        e_c = (w_c * (o_post - o_pre)).mean() / w_c.mean()
        a_pre = _alr_ols(X, iw * (1 - D) * (1 - post), y - o_pre)
        a_post = _alr_ols(X, iw * (1 - D) * post, y - o_post)
        inf_treat = ((w_tpost * y - w_tpost * e_tpost) / w_tpost.mean()
                     - (w_tpre * y - w_tpre * e_tpre) / w_tpre.mean())
        deriv = (w_c[:, None] * X).mean(axis=0)
        inf_cont = (w_c * (o_post - o_pre) - w_c * e_c + a_post @ deriv - a_pre @ deriv) / w_c.mean()
        return float(e_tpost - e_tpre - e_c), inf_treat - inf_cont
    ps, hess = logit(X, D, where, iw)
    trim = np.ones(n)
    trim[D == 0] = ps[D == 0] < TRIM
    trim = trim * iw
    w_tpre = trim * D * (1 - post)
    w_tpost = trim * D * post
    w_cpre = trim * ps * (1 - D) * (1 - post) / (1 - ps)
    w_cpost = trim * ps * (1 - D) * post / (1 - ps)
    alr_ps = ((iw * (D - ps))[:, None] * X) @ hess

    def _eta(w: FloatArray, v: FloatArray) -> tuple[FloatArray, float]:
        e = np.asarray(w * v / w.mean(), dtype=np.float64)
        return e, float(e.mean())

    def _inf(e: FloatArray, w: FloatArray, a: float) -> FloatArray:
        return np.asarray(e - w * a / w.mean(), dtype=np.float64)

    if method == "ipw":
        e1, a1 = _eta(w_tpre, y)
        e2, a2 = _eta(w_tpost, y)
        e3, a3 = _eta(w_cpre, y)
        e4, a4 = _eta(w_cpost, y)
        m_pre = ((w_cpre * (y - a3))[:, None] * X).mean(axis=0) / w_cpre.mean()
        m_post = ((w_cpost * (y - a4))[:, None] * X).mean(axis=0) / w_cpost.mean()
        inf_treat = _inf(e2, w_tpost, a2) - _inf(e1, w_tpre, a1)
        inf_cont = _inf(e4, w_cpost, a4) - _inf(e3, w_cpre, a3) + alr_ps @ (m_post - m_pre)
        return float((a2 - a1) - (a4 - a3)), inf_treat - inf_cont
    tpre = (D == 1) & (post == 0)
    tpost = (D == 1) & (post == 1)
    b_cpre, b_cpost = _ols(X, y, cpre, where, iw), _ols(X, y, cpost, where, iw)
    b_tpre, b_tpost = _ols(X, y, tpre, where, iw), _ols(X, y, tpost, where, iw)
    o_cpre, o_cpost, o_tpre, o_tpost = X @ b_cpre, X @ b_cpost, X @ b_tpre, X @ b_tpost
    o_c = post * o_cpost + (1 - post) * o_cpre
    w_d = trim * D
    w_dt1 = trim * D * post
    w_dt0 = trim * D * (1 - post)
    r = y - o_c
    e_tpre, a_tpre = _eta(w_tpre, r)
    e_tpost, a_tpost = _eta(w_tpost, r)
    e_cpre, a_cpre = _eta(w_cpre, r)
    e_cpost, a_cpost = _eta(w_cpost, r)
    e_dpost, a_dpost = _eta(w_d, o_tpost - o_cpost)
    e_dt1, a_dt1 = _eta(w_dt1, o_tpost - o_cpost)
    e_dpre, a_dpre = _eta(w_d, o_tpre - o_cpre)
    e_dt0, a_dt0 = _eta(w_dt0, o_tpre - o_cpre)
    att = ((a_tpost - a_tpre) - (a_cpost - a_cpre) + (a_dpost - a_dt1) - (a_dpre - a_dt0))
    al_cpre = _alr_ols(X, iw * (1 - D) * (1 - post), y - o_cpre)
    al_cpost = _alr_ols(X, iw * (1 - D) * post, y - o_cpost)
    al_tpre = _alr_ols(X, iw * D * (1 - post), y - o_tpre)
    al_tpost = _alr_ols(X, iw * D * post, y - o_tpost)

    def _mom(w: FloatArray, v: FloatArray) -> FloatArray:
        out: FloatArray = (v[:, None] * X).mean(axis=0) / w.mean()
        return out

    inf_treat = (_inf(e_tpost, w_tpost, a_tpost) - _inf(e_tpre, w_tpre, a_tpre)
                 + al_cpost @ _mom(w_tpost, -w_tpost * post)
                 + al_cpre @ _mom(w_tpre, -w_tpre * (1 - post)))
    inf_cont = (_inf(e_cpost, w_cpost, a_cpost) - _inf(e_cpre, w_cpre, a_cpre)
                + alr_ps @ (_mom(w_cpost, w_cpost * (r - a_cpost))
                            - _mom(w_cpre, w_cpre * (r - a_cpre)))
                + al_cpost @ _mom(w_cpost, -w_cpost * post)
                + al_cpre @ _mom(w_cpre, -w_cpre * (1 - post)))
    inf_eff = (_inf(e_dpost, w_d, a_dpost) - _inf(e_dt1, w_dt1, a_dt1)
               - (_inf(e_dpre, w_d, a_dpre) - _inf(e_dt0, w_dt0, a_dt0)))
    mom_post = ((w_d / w_d.mean() - w_dt1 / w_dt1.mean())[:, None] * X).mean(axis=0)
    mom_pre = ((w_d / w_d.mean() - w_dt0 / w_dt0.mean())[:, None] * X).mean(axis=0)
    inf_or = (al_tpost - al_cpost) @ mom_post - (al_tpre - al_cpre) @ mom_pre
    return float(att), inf_treat - inf_cont + inf_eff + inf_or


def check_covariates(Z: FloatArray, covs: list[str], where: str) -> None:
    """Raise :class:`EstimationError` naming covariates collinear with the others/intercept."""
    from evalkit.errors import EstimationError

    if not covs:
        return
    from scipy import linalg

    X = np.column_stack([np.ones(len(Z)), Z])
    Xc = X - np.r_[0.0, Z.mean(axis=0)]
    norms = np.sqrt((Xc**2).sum(axis=0))
    _, R, piv = linalg.qr(Xc, mode="economic", pivoting=True)
    d = np.abs(np.diag(R))
    bad = [int(piv[j]) for j in range(len(d)) if d[j] <= 1e-9 * max(norms[piv[j]], 1e-300)]
    bad_names = sorted(covs[j - 1] for j in bad if j > 0)
    if bad_names:
        raise EstimationError(
            f"{where}: covariate(s) {', '.join(map(repr, bad_names))} are collinear with the "
            "other covariates or constant", hint="drop the named covariate(s)")


def att_gt_cells(cp: CohortPanel, Zrow: FloatArray, covs: list[str], control: str, method: str,
           panel: bool, where: str, w_unit: FloatArray | None = None,
           ) -> tuple[Cells, list[dict[str, Any]], list[str]]:
    """Estimate every ATT(g,t) with the varying base period (R did's default).

    ``w_unit``: one sampling weight per unit (R did's ``weightsname``), or None.
    """
    periods = cp.periods
    T = len(periods)
    g_unit = cp.g_unit
    n = cp.n_units
    cohorts = np.unique(g_unit[np.isfinite(g_unit)])
    notes: list[str] = []
    k = Zrow.shape[1]
    if panel:
        Y = np.full((n, T), np.nan, order="F")
        Y[cp.u, cp.t] = cp.y
        if covs:
            Zw = np.full((n, T, k), np.nan)
            Zw[cp.u, cp.t, :] = Zrow
    never = ~np.isfinite(g_unit)
    wu = np.ones(n) if w_unit is None else w_unit
    inf_all = np.zeros((n, len(cohorts) * (T - 1)), order="F")
    dy_cache: dict[tuple[int, int], FloatArray] = {}
    groups: list[float] = []
    times: list[float] = []
    atts: list[float] = []
    info: list[dict[str, Any]] = []
    for g in cohorts:
        treated_u = g_unit == g
        n_t = int(treated_u.sum())
        for tc in range(1, T):
            now = periods[tc]
            post = g <= now
            base = int(np.flatnonzero(periods < g)[-1]) if post else tc - 1
            ctrl_u = never if control == "never" else never | ((g_unit > now) & (g_unit != g))
            n_c = int(ctrl_u.sum())
            if n_c == 0:
                notes.append(note("staggered.no_comparison", g=f"{g:g}", t=f"{now:g}"))
                continue
            full = inf_all[:, len(atts)]
            if panel:
                if (tc, base) not in dy_cache:
                    dy_cache[(tc, base)] = Y[:, tc] - Y[:, base]
                dy = dy_cache[(tc, base)]
                if not covs:
                    y1, w1 = dy[treated_u], wu[treated_u]
                    y0, w0 = dy[ctrl_u], wu[ctrl_u]
                    s1, s0 = float(w1.sum()), float(w0.sum())
                    m1 = float(w1 @ y1) / s1
                    m0 = float(w0 @ y0) / s0
                    att = m1 - m0
                    full[treated_u] = (n / s1) * w1 * (y1 - m1)
                    full[ctrl_u] = (-n / s0) * w0 * (y0 - m0)
                else:
                    sub = treated_u | ctrl_u
                    X = np.column_stack([np.ones(int(sub.sum())), Zw[sub, base, :]])
                    att, inf = panel_2x2(dy[sub], treated_u[sub].astype(float), X, method,
                                         where, None if w_unit is None else w_unit[sub])
                    full[sub] = n / sub.sum() * inf
            else:
                rows = ((cp.t == tc) | (cp.t == base)) & (treated_u | ctrl_u)[cp.u]
                D = treated_u[cp.u[rows]].astype(float)
                postv = (cp.t[rows] == tc).astype(float)
                if min(int((D * postv).sum()), int((D * (1 - postv)).sum()),
                       int(((1 - D) * postv).sum()), int(((1 - D) * (1 - postv)).sum())) == 0:
                    notes.append(note("staggered.empty_cell", g=f"{g:g}", t=f"{now:g}"))
                    continue
                X = np.column_stack([np.ones(int(rows.sum())), Zrow[rows]])
                att, inf = rc_2x2(cp.y[rows], postv, D, X, method, where,
                                  None if w_unit is None else w_unit[cp.u[rows]])
                full[:] = np.bincount(cp.u[rows], weights=n / rows.sum() * inf, minlength=n)
            groups.append(g)
            times.append(now)
            atts.append(att)
            info.append({"group": g, "time": now, "base_period": periods[base],
                         "post": bool(post), "n_treated": n_t, "n_control": n_c})
    if not atts:
        raise DataError(f"{where}: no ATT(g,t) could be estimated",
                        hint="check that cohorts have comparison units in the same periods")
    cells = Cells(group=np.array(groups), time=np.array(times), att=np.array(atts),
                  inf=inf_all[:, :len(atts)], g_unit=g_unit, w_unit=w_unit)
    return cells, info, notes
