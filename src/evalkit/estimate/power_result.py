"""The result of :func:`evalkit.estimate.power.power`: a small frozen record.

A power analysis has no estimate, standard error or interval, so it is not an
:class:`~evalkit.estimate.results.EffectResult`; it shares that type's surface where it makes
sense: frozen, ``to_frame()`` (one tidy row with fixed columns), ``to_dict()``, ``summary()``,
a zh/en ``sentence()`` and an HTML table in notebooks.
"""

from __future__ import annotations

import html
import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

PowerDesign = Literal["paired", "two_group", "did", "proportions"]

#: columns of :meth:`PowerResult.to_frame`, in order
POWER_COLUMNS = ("design", "solved", "effect", "effect_measure", "delta", "baseline", "target",
                 "n", "n_other", "n_effective", "power", "achieved_power", "alpha", "alternative",
                 "design_effect")

__all__ = ["POWER_COLUMNS", "PowerDesign", "PowerResult"]

_MEASURE = {"paired": "d_z", "two_group": "d", "did": "d", "proportions": "h"}
_DESIGN_TEXT = {
    "en": {"paired": "pre/post on the same people (paired t-test)",
           "two_group": "served vs comparison group (two-sample t-test)",
           "did": "served vs comparison group on change scores (difference-in-differences)",
           "proportions": "served vs comparison group, shares (two-proportion z-test)"},
    "zh": {"paired": "同一批服务对象的前后测（配对t检验）",
           "two_group": "服务组与对照组比较（两独立样本t检验）",
           "did": "服务组与对照组的变化量比较（双重差分）",
           "proportions": "服务组与对照组的比例比较（两比例z检验）"},
}


#: the sentence for each quantity solved for (``str.format`` fields: who, size, pct, alpha)
_SENTENCES = {
    "zh": {"n": "要有{pct}的把握发现{size}的变化，需要{who}（显著性水平{alpha}）。",
           "power": "{who}的样本发现{size}的变化的把握为{pct}（显著性水平{alpha}）。",
           "effect": "{who}的样本能发现的最小变化为{size}（把握{pct}，显著性水平{alpha}）。"},
    "en": {"n": "To detect {size} with {pct} power, the evaluation needs {who} (significance "
                "level {alpha}).",
           "power": "With {who}, the chance of detecting {size} is {pct} (significance level "
                    "{alpha}).",
           "effect": "With {who}, the survey could detect {size} or more ({pct} power, "
                     "significance level {alpha})."},
}


@dataclass(frozen=True, repr=False)
class PowerResult:
    """Result of a power analysis (immutable).

    Attributes
    ----------
    design
        ``"paired" | "two_group" | "did" | "proportions"``.
    solved
        Which quantity was solved for: ``"n"``, ``"power"`` or ``"effect"``.
    effect
        Standardised effect (``effect_measure``: d_z, d or Cohen's h); when solved, the minimum
        detectable effect (signed by the alternative).
    n, n_exact
        Pairs (paired) or people in the served group; when solved, ``n`` is rounded up and
        ``n_exact`` is the fractional answer (design effect included).
    n_other
        People in the comparison group (``ratio · n``), ``None`` for ``paired``.
    power, achieved_power
        The power asked for (or solved), and the power at the reported ``n`` (slightly above
        ``power`` when ``n`` was solved and rounded up; equal otherwise).
    alpha, alternative, ratio
        The significance level, the alternative and the comparison/served size ratio.
    sd, baseline
        The outcome's SD and the comparison group's share when given (they put the effect in
        the outcome's units: :attr:`delta`, :attr:`target`).
    cluster_size, icc, design_effect
        Clustering inputs and ``1 + (m − 1)·ICC`` (1 without clustering).
    engine
        What did the computation: ``evalkit.estimate.power_engine`` and the statsmodels class
        whose results it reproduces, e.g. ``"evalkit.estimate.power_engine (as
        statsmodels.stats.power.TTestPower)"``.
    """

    design: PowerDesign
    solved: Literal["n", "power", "effect"]
    effect: float
    n: float
    n_exact: float
    n_other: float | None
    power: float
    achieved_power: float
    alpha: float
    alternative: str
    ratio: float
    sd: float | None
    baseline: float | None
    cluster_size: float | None
    icc: float | None
    design_effect: float
    engine: str

    # -- derived values -------------------------------------------------------------------
    @property
    def effect_measure(self) -> str:
        """``"d_z"``, ``"d"`` or ``"h"``."""
        return _MEASURE[self.design]

    @property
    def delta(self) -> float | None:
        """The effect in the outcome's units (``effect · sd``), or ``None`` without ``sd``."""
        return None if self.sd is None else self.effect * self.sd

    @property
    def target(self) -> float | None:
        """For proportions with a baseline: the share the effect reaches
        (``sin²(asin√p₁ + h/2)``); ``None`` otherwise or when h leaves [0, 1]."""
        if self.design != "proportions" or self.baseline is None:
            return None
        angle = math.asin(math.sqrt(self.baseline)) + self.effect / 2.0
        if not 0.0 <= angle <= math.pi / 2:
            return None
        return math.sin(angle) ** 2

    @property
    def n_effective(self) -> float:
        """``n / design_effect``: the independent-sample size the clustered ``n`` is worth."""
        return self.n / self.design_effect

    # -- tables ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Every field and derived value as plain Python values."""
        out = asdict(self)
        out.update(effect_measure=self.effect_measure, delta=self.delta, target=self.target,
                   n_effective=self.n_effective)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row with the columns :data:`POWER_COLUMNS` (a new frame on every call)."""
        import pandas as pd

        d = self.to_dict()
        return pd.DataFrame([{c: d[c] for c in POWER_COLUMNS}], columns=list(POWER_COLUMNS))

    # -- text -----------------------------------------------------------------------------
    def summary(self) -> str:
        """Plain-text summary: design, what was solved, every input and the answer."""
        lines = [f"power analysis — {_DESIGN_TEXT['en'][self.design]}",
                 f"solved for: {self.solved}  (engine: {self.engine})"]
        eff = f"effect ({self.effect_measure}): {self.effect:.4g}"
        if self.delta is not None:
            eff += f"  = {self.delta:.4g} in the outcome's units (SD {self.sd:.4g})"
        if self.target is not None:
            eff += f"  = from {self.baseline:.4g} to {self.target:.4g}"
        lines.append(eff)
        n_line = f"n: {_n_text(self.n)}" + (" pairs" if self.design == "paired" else
                                             " served")
        if self.n_other is not None:
            n_line += f", {_n_text(self.n_other)} comparison"
        if self.solved == "n":
            n_line += f"  (exact {self.n_exact:.4g}, rounded up)"
        lines.append(n_line)
        if self.design_effect != 1.0:
            lines.append(f"design effect: {self.design_effect:.4g} (cluster size "
                         f"{self.cluster_size:g}, ICC {self.icc:g}); effective n "
                         f"{self.n_effective:.4g}")
        if self.solved == "n":
            lines.append(f"power at n = {_n_text(self.n)}: {self.achieved_power:.4f}")
        lines.append(f"power: {self.power:.4f}; alpha: {self.alpha:g} ({self.alternative})")
        return "\n".join(lines)

    def sentence(self, lang: str = "en") -> str:
        """One plain sentence (zh or en)."""
        from evalkit._checks import check_lang

        check_lang(lang)
        paired = self.design == "paired"
        if lang == "zh":
            who = (f"{_n_text(self.n)}对" if paired else f"服务组{_n_text(self.n)}人"
                   + ("" if self.n_other is None else f"、对照组{_n_text(self.n_other)}人"))
        else:
            who = (f"{_n_text(self.n)} pairs" if paired else f"{_n_text(self.n)} people served"
                   + ("" if self.n_other is None else
                      f" and {_n_text(self.n_other)} in comparison"))
        return _SENTENCES[lang][self.solved].format(
            who=who, size=_size_text(self, lang), pct=f"{100 * self.power:.0f}%",
            alpha=f"{self.alpha:g}")

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"PowerResult(design={self.design!r}, solved={self.solved!r}, "
                f"effect={self.effect:.6g}, n={_n_text(self.n)}, power={self.power:.4g}, "
                f"alpha={self.alpha:g})")

    def _repr_html_(self) -> str:
        row = self.to_dict()
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(c)}</th>"
            f"<td>{html.escape(_cell(row[c]))}</td></tr>" for c in POWER_COLUMNS)
        return (f"<div class='evalkit-result'><table><caption style='text-align:left'>"
                f"power analysis — {html.escape(_DESIGN_TEXT['en'][self.design])}</caption>"
                f"<tbody>{cells}</tbody></table></div>")


def _n_text(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _size_text(r: PowerResult, lang: str) -> str:
    """The effect in the outcome's units when known, else as a standardised effect."""
    mag = abs(r.effect)
    if r.target is not None and r.baseline is not None:
        a, b = 100 * r.baseline, 100 * r.target
        return (f"比例从{a:.0f}%到{b:.0f}%" if lang == "zh"
                else f"a change in the share from {a:.0f}% to {b:.0f}%")
    if r.delta is not None:
        d = abs(r.delta)
        text = f"{d:.2f}" if d < 10 else f"{d:,.1f}"
        return (f"{text}分" if lang == "zh"
                else f"a change of {text} points")
    measure = {"d_z": "d_z", "d": "d", "h": "h"}[r.effect_measure]
    return (f"标准化效应量{measure} = {mag:.2f}" if lang == "zh"
            else f"a standardised change of {measure} = {mag:.2f}")
