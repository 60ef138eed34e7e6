"""Outcome specifications: which change is estimated, from which table, with which design."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from evalkit.model.common import Spec, Text

__all__ = ["Comparison", "ITSSpec", "Outcome", "ScaleSpec", "SensitivitySpec", "SynthSpec"]

FilterValue = str | int | float | bool | list[str | int | float | bool]


class Comparison(Spec):
    """Which rows are served and which are the comparison group (pre/post designs)."""

    column: str
    treated: str | int
    control: str | int


class ScaleSpec(Spec):
    """A Likert scale: items, their range, reverse-coded items, minimum answered."""

    items: list[str]
    range: tuple[float, float] = (1, 5)
    reverse: list[str] = Field(default_factory=list)
    min_answered: int | None = None


class ITSSpec(Spec):
    """Interrupted time series (``design: its``): one series, no comparison group needed.

    ``start`` is the first period with the service (a value of the ``time`` column);
    ``season`` a season column or the periods per cycle (12 for months); ``hac_lags`` the
    Newey–West lag (default from the series length); ``control`` an optional 0/1 column
    marking the rows of a comparison series (comparative ITS). See :func:`evalkit.its`.
    """

    start: float
    season: str | int | None = None
    hac_lags: int | None = Field(default=None, ge=0)
    control: str | None = None


class SynthSpec(Spec):
    """Synthetic control / synthetic DiD options (``design: synth``), see :func:`evalkit.synth`."""

    method: Literal["sdid", "sc", "did"] = "sdid"
    se: Literal["placebo", "jackknife", "bootstrap"] | None = "placebo"
    reps: int = Field(default=200, ge=2, le=10_000)
    seed: int = 1


class SensitivitySpec(Spec):
    """How robust a DiD outcome's event study is to a failure of parallel trends
    (``sensitivity:``), see :func:`evalkit.honest_did`."""

    kind: Literal["honest_did"] = "honest_did"
    # smoothness (a fixed-length interval) by default: relative magnitudes invert a test on a
    # grid and take minutes with more than 2 post periods (monthly event studies have 12)
    method: Literal["relative_magnitude", "smoothness"] = "smoothness"
    m: list[float] | None = None

    @model_validator(mode="after")
    def _m_grid(self) -> SensitivitySpec:
        if self.m is not None and (not self.m or any(x < 0 for x in self.m)):
            raise ValueError("m: expected a non-empty list of bounds, each >= 0 "
                             "(e.g. [0, 0.5, 1, 1.5, 2])")
        return self


class Outcome(Spec):
    """One outcome to estimate.

    ``design: prepost`` uses ``unit``, ``time``, ``pre``, ``post`` and either ``outcome`` (a
    column) or ``scale``; ``design: did`` uses ``outcome``, ``group``, ``post`` and optionally
    ``unit``, ``time``, ``cohort`` (for the event study), ``cluster`` and ``sensitivity``
    (honest DiD on the event study); ``design: its`` uses ``outcome``, ``time`` and ``its``
    (rows of one period are averaged); ``design: synth`` uses ``outcome``, ``unit``,
    ``time``, ``group`` (0/1: the pilot unit(s)), ``post`` (0/1: periods with the service)
    and ``synth``.
    """

    id: str
    name: Text
    design: Literal["prepost", "did", "its", "synth"]
    source: str
    unit_label: Text | None = None
    outcome: str | None = None
    scale: ScaleSpec | None = None
    unit: str | None = None
    time: str | None = None
    pre: str | None = None
    post: str | None = None
    group: str | None = None
    cohort: str | None = None
    cluster: str | None = None
    covariates: list[str] = Field(default_factory=list)
    filter: dict[str, FilterValue] = Field(default_factory=dict)
    compare: Comparison | None = None
    test: Literal["t", "wilcoxon", "mcnemar"] = "t"
    main: bool = True
    better: Literal["higher", "lower"] = "higher"
    its: ITSSpec | None = None
    synth: SynthSpec | None = None
    sensitivity: SensitivitySpec | None = None

    @model_validator(mode="after")
    def _complete(self) -> Outcome:
        missing: list[str] = []
        if self.design == "prepost":
            if self.outcome is None and self.scale is None:
                missing.append("outcome or scale")
            missing += [k for k in ("unit", "time", "pre", "post") if getattr(self, k) is None]
        elif self.design == "did":
            missing += [k for k in ("outcome", "group", "post") if getattr(self, k) is None]
        elif self.design == "its":
            missing += [k for k in ("outcome", "time", "its") if getattr(self, k) is None]
        else:
            missing += [k for k in ("outcome", "unit", "time", "group", "post")
                        if getattr(self, k) is None]
        if missing:
            raise ValueError(f"design {self.design!r} needs: {', '.join(missing)}")
        if self.its is not None and self.design != "its":
            raise ValueError(f"its: only for design: its (this outcome's design is "
                             f"{self.design!r}); remove it or set design: its")
        if self.synth is not None and self.design != "synth":
            raise ValueError(f"synth: only for design: synth (this outcome's design is "
                             f"{self.design!r}); remove it or set design: synth")
        if self.sensitivity is not None and not (
                self.design == "did" and self.unit and self.time and self.cohort):
            raise ValueError("sensitivity: needs an event study: design: did with unit, time "
                             "and cohort (the first served period)")
        return self
