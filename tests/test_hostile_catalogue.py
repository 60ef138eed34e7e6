"""A catalogue of hostile inputs (issue 10), each applied to a copy of the bundled example.

Every case edits project.yaml or a data file and states the outcome: either a clear
:class:`~evalkit.errors.EvalkitError` of a given type whose message contains a fragment
naming the field (YAML path, file, column), or an evaluation that still runs and gives the
right answer. Nothing else may happen: no raw exception, no silently different verdict.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import evalkit as ek
from evalkit.errors import DataError, EvalkitError, SpecError

Edit = tuple[str, str, str]  # (file, old text, new text); old "" = append, "*" = whole file


@dataclass(frozen=True)
class Case:
    id: str
    edits: list[Edit]
    error: type[EvalkitError] | None = None  # None: the evaluation must succeed
    fragment: str = ""  # must appear in the error message
    check: Callable[[ek.Evaluation, ek.Evaluation], bool] | None = None  # (new, clean)
    evaluate: bool = True  # run ek.evaluate too (spec errors stop at load_project)


Y = "project.yaml"
C2 = '      operator: ">="\n      target: 90'
C3W = "      weight: 2\n      evidence: [{type: visit"
I1T = "    target: 24\n    targets"
I6T = "    baseline: 80\n    target: 90"
D11 = "      D1.1: 8"
PERIOD = "period: {start: 2025-01-01, end: 2025-12-31}"
AMOUNT = "  amount: 300000\n"
THRESH = "  disclosure_threshold: 5"
CAD_MIN = ("    per: week                        # Monday-Sunday; partial first/last weeks "
           "prorated\n    min: 2")
RATERS = "raters: {purchaser: 0.4, third_party: 0.4, community: 0.2}"
BUDGET_B3 = "Materials and publicity,materials,18000,17350"
SAT_ROW = "W0192,2025-12-12,4,1,志愿者很热情"
PART_ROW = "W0001,pre,service,E09,孙芳娜,13926483088,440364533317919113,male,54,2025-01-15,3,3,3,3,2,4"
LOG_ROW = "2025-01-02,enterprise_visit,E14,5,0,1.5"
LEGAL_ROW = "2025-01-09,legal_consultation,E13,3,0,3.0"  # summed by indicator I3
PANEL_ROW = "E01,2024-01,1,1,13,0,430,3.13"
EV_ROW = "C3,visit_record,110,evidence/C3_visit_records.xlsx,yes,"


def y(old: str, new: str) -> list[Edit]:
    return [(Y, old, new)]


def spec(cid: str, edits: list[Edit], fragment: str, error: type[EvalkitError] = SpecError
         ) -> Case:
    return Case(cid, edits, error, fragment, evaluate=False)


def data(cid: str, file: str, old: str, new: str, fragment: str,
         error: type[EvalkitError] = DataError) -> Case:
    return Case(cid, [(f"data/{file}", old, new)], error, fragment)


def same_verdict(new: ek.Evaluation, clean: ek.Evaluation) -> bool:
    assert new.acceptance is not None and clean.acceptance is not None
    assert new.scorecard is not None and clean.scorecard is not None
    return (new.acceptance.verdict == clean.acceptance.verdict
            and abs(new.scorecard.total - clean.scorecard.total) < 1e-9)


def ok(cid: str, edits: list[Edit],
       check: Callable[[ek.Evaluation, ek.Evaluation], bool] = same_verdict) -> Case:
    return Case(cid, edits, None, "", check)


CASES: list[Case] = [
    # ---- non-finite numbers in project.yaml ---------------------------------------------
    spec("criterion target nan", y(C2, C2.replace("90", ".nan")), "contract.criteria[1].target"),
    spec("criterion target inf", y(C2, C2.replace("90", ".inf")), "contract.criteria[1].target"),
    spec("criterion target -inf", y(C2, C2.replace("90", "-.inf")), "contract.criteria[1].target"),
    spec("indicator target nan", y(I1T, I1T.replace("24", ".nan")), "indicators[0].target"),
    spec("indicator target NaN spelled", y(I1T, I1T.replace("24", ".NaN")), "indicators[0].target"),
    spec("period target nan", y("{2025-Q1: 6,", "{2025-Q1: .nan,"), "indicators[0].targets"),
    spec("baseline inf", y("    baseline: 3.2", "    baseline: .inf"), "indicators[7].baseline"),
    spec("contract amount nan", y(AMOUNT, "  amount: .nan\n"), "contract.amount"),
    spec("budget line amount nan", y("amount: 168000", "amount: .nan"),
         "contract.budget_lines[0].amount"),
    spec("weight inf", y(C3W, C3W.replace("2", ".inf", 1)), "contract.criteria[2].weight"),
    spec("weight nan", y(C3W, C3W.replace("2", ".nan", 1)), "contract.criteria[2].weight"),
    spec("partial band nan", y("partial_band: 0.8", "partial_band: .nan"),
         "contract.rules.partial_band"),
    spec("cadence min nan", y(CAD_MIN, "    per: week\n    min: .nan"), "cadence[0].min"),
    spec("cadence min inf", y(CAD_MIN, "    per: week\n    min: .inf"), "cadence[0].min"),
    spec("rater weight nan", y(RATERS, RATERS.replace("0.4", ".nan", 1)), "scorecard.raters"),
    spec("node points nan", y("      points: 20\n", "      points: .nan\n"),
         "scorecard.nodes[0].points"),
    spec("fee band nan", y("fee_band: [0.10, 0.20]", "fee_band: [0.10, .nan]"), "value.fee_band"),
    spec("discount rate nan", y("discount_rate: 0.035", "discount_rate: .nan"),
         "value.sroi.discount_rate"),
    spec("proxy value inf", y("proxy: {value: 800,", "proxy: {value: .inf,"),
         "value.sroi.outcomes[0].proxy.value"),
    spec("outcome scale nan", y("- {effect: wellbeing, scale: 300,",
                                "- {effect: wellbeing, scale: .nan,"), "value.outcomes[0].scale"),
    spec("renewal max cost nan", y("max_cost_per_unit: 800", "max_cost_per_unit: .nan"),
         "renewal.outcomes[1].max_cost_per_unit"),
    spec("alternative cost inf", y("    cost: 200000", "    cost: .inf"), "value.alternative.cost"),
    spec("nan in extensions", y("renewal:\n", "extensions: {x: [1, .nan]}\nrenewal:\n"),
         "extensions.x[1]"),
    spec("nan in report options", y("renewal:\n", "report: {limit: .nan}\nrenewal:\n"),
         "report.limit"),
    # ---- booleans and text where numbers belong --------------------------------------------
    spec("indicator target true", y(I1T, I1T.replace("24", "true")), "indicators[0].target"),
    spec("criterion target false", y(C2, C2.replace("90", "false")), "contract.criteria[1].target"),
    spec("contract amount true", y(AMOUNT, "  amount: true\n"), "contract.amount"),
    spec("threshold true", y(THRESH, "  disclosure_threshold: true"),
         "privacy.disclosure_threshold"),
    spec("max not met true", y("max_not_met: 0", "max_not_met: true"), "contract.rules.max_not_met"),
    spec("rater weight true", y(RATERS, RATERS.replace("0.4", "true", 1)), "scorecard.raters"),
    spec("column range true", y("range: [1, 5], description: {zh: 我对目前",
                                "range: [true, 5], description: {zh: 我对目前"),
         "data.participants.columns.wb1.range"),
    spec("period target true", y("{2025-Q1: 6,", "{2025-Q1: true,"), "indicators[0].targets"),
    spec("target as text", y(I1T, I1T.replace("24", "about 24")), "indicators[0].target"),
    spec("target as list", y(I1T, I1T.replace("24", "[24]")), "indicators[0].target"),
    spec("target as mapping", y(I1T, I1T.replace("24", "{n: 24}")), "indicators[0].target"),
    # ---- out-of-range numbers ---------------------------------------------------------------
    spec("huge target", y(I1T, I1T.replace("24", "1.0e+300")), "indicators[0].target"),
    spec("huge integer target", y(I1T, I1T.replace("24", "1" + "0" * 400)), "indicators[0].target"),
    spec("huge amount", y(AMOUNT, "  amount: 1.0e+308\n"), "contract.amount"),
    spec("negative target", y(I1T, I1T.replace("24", "-5")), "indicators[0].target"),
    spec("negative amount", y(AMOUNT, "  amount: -1\n"), "contract.amount"),
    spec("negative weight", y(C3W, C3W.replace("2", "-1", 1)), "contract.criteria[2].weight"),
    spec("partial band above 1", y("partial_band: 0.8", "partial_band: 1.5"),
         "contract.rules.partial_band"),
    spec("threshold zero", y(THRESH, "  disclosure_threshold: 0"), "privacy.disclosure_threshold"),
    spec("threshold fraction", y(THRESH, "  disclosure_threshold: 2.5"),
         "privacy.disclosure_threshold"),
    spec("percentage target 900", y(I6T, I6T.replace("90", "900")), "indicators[5].target"),
    spec("percentage baseline 800", y(I6T, I6T.replace("80", "800")), "indicators[5].baseline"),
    spec("percentage criterion 900", y(C2, C2.replace("90", "900")), "contract.criteria[1].target"),
    spec("rater weights not summing", y(RATERS, RATERS.replace("0.4", "0.9", 1)),
         "scorecard.raters"),
    spec("cadence min negative", y(CAD_MIN, "    per: week\n    min: -1"), "cadence[0].min"),
    # ---- ratings ----------------------------------------------------------------------------
    spec("rating nan", y(D11, "      D1.1: .nan"), "scorecard.ratings.purchaser.D1.1"),
    spec("rating 500", y(D11, "      D1.1: 500"), "scorecard.ratings.purchaser.D1.1"),
    spec("rating negative", y(D11, "      D1.1: -1"), "scorecard.ratings.purchaser.D1.1"),
    spec("rating as text", y(D11, "      D1.1: eight"), "scorecard.ratings.purchaser.D1.1"),
    spec("rating true on a direct item", y(D11, "      D1.1: true"),
         "scorecard.ratings.purchaser.D1.1"),
    spec("rating in mapping 50", y("      C1.2: 4.5", "      C1.2: {value: 50}"),
         "scorecard.ratings.community.C1.2"),
    spec("rating mapping without value", y("      C1.2: 4.5", "      C1.2: {reason: x}"),
         "scorecard.ratings.community.C1.2"),
    spec("rating of an unknown node", y(D11, D11 + "\n      Z9: 3"), "scorecard.ratings.purchaser.Z9"),
    spec("rating by an unknown role", y("    community:\n", "    auditor: {D1.1: 3}\n    community:\n"),
         "scorecard.ratings.auditor"),
    spec("additive rating not a list", y("      A1.2: [ledger, receipts]", "      A1.2: 4"),
         "scorecard.ratings.purchaser.A1.2"),
    # ---- dates ------------------------------------------------------------------------------
    spec("year typo end", y(PERIOD, PERIOD.replace("2025-12-31", "2925-12-31")), "project.period.end"),
    spec("year typo start", y(PERIOD, PERIOD.replace("2025-01-01", "1025-01-01")),
         "project.period.start"),
    spec("impossible day", y(PERIOD, PERIOD.replace("2025-12-31", "2025-02-30")),
         "project.period.end"),
    spec("impossible month", y(PERIOD, PERIOD.replace("2025-12-31", "2025-13-01")),
         "project.period.end"),
    spec("end before start", y(PERIOD, PERIOD.replace("2025-12-31", "2024-12-31")),
         "project.period"),
    spec("period of 15 years", y(PERIOD, PERIOD.replace("2025-12-31", "2040-12-31")),
         "project.period"),
    spec("date as text", y(PERIOD, PERIOD.replace("2025-01-01", "soon")), "project.period.start"),
    spec("date as number", y(PERIOD, PERIOD.replace("2025-01-01", "20250101")),
         "project.period.start"),
    spec("deadline year typo", y("    deadline_days: 30", "    deadline: 3025-01-31"),
         "contract.rules.deadline"),
    spec("datetime far away", y(PERIOD, PERIOD.replace("2025-12-31", "2925-12-31T10:00:00")),
         "project.period.end"),
    # ---- YAML structure ---------------------------------------------------------------------
    spec("duplicate indicators key", [(Y, "", "\nindicators: []\n")], "duplicate key 'indicators'"),
    spec("duplicate nested key", y("  currency: CNY\n", "  currency: CNY\n  currency: USD\n"),
         "duplicate key 'currency'"),
    spec("duplicate rating key", y(D11, D11 + "\n      D1.1: 2"), "duplicate key 'D1.1'"),
    spec("duplicate criterion field", y("      kind: deliverable\n",
                                        "      kind: deliverable\n      kind: quality\n"),
         "duplicate key 'kind'"),
    spec("duplicate key in flow mapping", y(PERIOD, PERIOD.replace("}", ", end: 2025-06-30}")),
         "duplicate key 'end'"),
    spec("tab indentation", y("  currency: CNY\n", "\tcurrency: CNY\n"), "project.yaml"),
    spec("top level is a list", [(Y, "*", "- a\n- b\n")], "expected a mapping"),
    spec("empty file", [(Y, "*", "")], "expected a mapping"),
    spec("not UTF-8", [(Y, "*", "project: {id: \udcff}\n")], "UTF-8"),
    spec("python object tag", [(Y, "", "\nx: !!python/object/apply:os.system ['true']\n")],
         "project.yaml"),
    spec("deep nesting", [(Y, "", "\nextensions: " + "[" * 5000 + "]" * 5000 + "\n")],
         "project.yaml"),
    spec("recursive alias", [(Y, "", "\nextensions: &a {x: [*a]}\n")], "extensions"),
    spec("unknown top-level key", y("\nindicators:\n", "\nindicator:\n"), "indicator"),
    spec("unknown field typo", y("    target: 24\n    targets", "    tagret: 24\n    targets"),
         "indicators[0].tagret"),
    spec("NUL in a data path", y("file: data/budget.csv", 'file: "data/bud\\0get.csv"'),
         "data.budget.file"),
    spec("control character in a name", y("    en: Workers' Home service project",
                                           '    en: "Workers\\a Home"'), "project.name"),
    spec("escape sequence in text", y("    en: Workers' Home service project",
                                      '    en: "\\e[31mred"'), "project.name"),
    spec("unknown indicator in a criterion", y("      indicator: I3\n", "      indicator: I99\n"),
         "contract.criteria[3].indicator"),
    spec("duplicate indicator id", y("  - id: I2\n", "  - id: I1\n"), "indicators"),
    spec("unknown operator", y(C2, C2.replace('">="', '"=>"')), "contract.criteria[1].operator"),
    spec("unknown measure", y("    measure: mean\n", "    measure: median\n"),
         "indicators[7].measure"),
    spec("grade boundary nan", y("  grades: shenzhen ",
                                 "  grades: [{grade: A, min: .nan}, {grade: B, min: 0}] "),
         "scorecard.grades"),
    spec("factor zero", y("    measure: percentage\n    source: satisfaction\n    numerator: "
                          "{filter: {would_recommend: 1}",
                          "    measure: percentage\n    factor: 0\n    source: satisfaction\n"
                          "    numerator: {filter: {would_recommend: 1}"), "indicators[6].factor"),
    spec("column type unknown", y("spent: {type: number,", "spent: {type: money,"),
         "data.budget.columns.spent.type"),
    spec("key not a list", y("    key: [line_id]", "    key: line_id"), "data.budget.key"),
    spec("cadence per unknown", y("    per: month\n", "    per: fortnight\n"), "cadence[1].per"),
    spec("scorecard total nan", y("  grades: shenzhen ", "  total: .nan\n  grades: shenzhen "),
         "scorecard.total"),
    spec("personal columns not a list", y("  personal_columns: [name, phone, id_number]",
                                          "  personal_columns: {name: 1}"),
         "privacy.personal_columns"),
    spec("bool as a file name", y("file: data/budget.csv", "file: true"), "data.budget.file"),
    # ---- data values ------------------------------------------------------------------------
    data("spending NaN", "budget.csv", BUDGET_B3, BUDGET_B3.replace("17350", "NaN"), "spent"),
    data("spending blank", "budget.csv", BUDGET_B3, BUDGET_B3.replace("17350", ""), "spent"),
    data("spending text", "budget.csv", BUDGET_B3, BUDGET_B3.replace("17350", "lots"), "spent"),
    data("spending inf", "budget.csv", BUDGET_B3, BUDGET_B3.replace("17350", "inf"), "spent"),
    data("spending 1e308", "budget.csv", BUDGET_B3, BUDGET_B3.replace("17350", "1e308"), "spent"),
    data("spending negative", "budget.csv", BUDGET_B3, BUDGET_B3.replace("17350", "-100"),
         "negative"),
    data("spending formula", "budget.csv", BUDGET_B3, BUDGET_B3.replace("17350", "=1+1"), "spent"),
    data("budget 1e308", "budget.csv", BUDGET_B3, BUDGET_B3.replace("18000", "1e308"), "budget"),
    data("duplicate budget line", "budget.csv", BUDGET_B3,
         BUDGET_B3 + "\nB3,物资,Materials,materials,18000,1", "B3"),
    data("item outside its range", "participants.csv", PART_ROW, PART_ROW[:-1] + "9", "wb6"),
    data("item as text", "participants.csv", PART_ROW, PART_ROW[:-1] + "four", "wb6"),
    data("item inf", "participants.csv", PART_ROW, PART_ROW[:-1] + "inf", "wb6"),
    data("satisfaction formula", "satisfaction.csv", SAT_ROW,
         SAT_ROW.replace(",4,1,", ",=cmd|' /C calc'!A0,1,"), "overall"),
    data("satisfaction outside range", "satisfaction.csv", SAT_ROW,
         SAT_ROW.replace(",4,1,", ",7,1,"), "overall"),
    data("recommend 2", "satisfaction.csv", SAT_ROW, SAT_ROW.replace(",4,1,", ",4,2,"),
         "would_recommend"),
    data("impossible date in the log", "service_log.csv", LOG_ROW,
         LOG_ROW.replace("2025-01-02", "2025-02-30"), "date"),
    data("duplicate survey key", "participants.csv", PART_ROW, PART_ROW + "\n" + PART_ROW,
         "worker_id"),
    data("disputes inf", "panel.csv", PANEL_ROW, PANEL_ROW.replace("3.13", "inf"),
         "disputes_per_100"),
    data("served 2", "panel.csv", PANEL_ROW, PANEL_ROW.replace(",1,1,13,", ",1,2,13,"), "served"),
    data("hours text", "service_log.csv", LOG_ROW, LOG_ROW.replace("1.5", "long"), "hours"),
    data("count 1e300 in the log", "service_log.csv", LEGAL_ROW,
         LEGAL_ROW.replace(",3,0,", ",1e300,0,"), "participants"),
    data("disputes 1e20 in the panel", "panel.csv", PANEL_ROW,
         PANEL_ROW.replace("3.13", "1e20"), "disputes_per_100"),
    Case("missing data file", [("data/budget.csv", "*", None)], DataError, "budget.csv"),  # type: ignore[arg-type]
    data("declared column missing", "satisfaction.csv", "respondent_id,date,overall",
         "respondent_id,day,overall", "date"),
    # ---- inputs that must still give the right answer ---------------------------------------
    ok("bidi override in a comment", [("data/satisfaction.csv", SAT_ROW,
                                       SAT_ROW.replace("志愿者很热情", "\u202egnp.exe"))]),
    ok("formula in a comment", [("data/satisfaction.csv", SAT_ROW,
                                 SAT_ROW.replace("志愿者很热情", "=HYPERLINK(\"x\")"))]),
    ok("script in a comment", [("data/satisfaction.csv", SAT_ROW,
                                SAT_ROW.replace("志愿者很热情", "<script>alert(1)</script>"))]),
    ok("template syntax in a comment", [("data/satisfaction.csv", SAT_ROW,
                                         SAT_ROW.replace("志愿者很热情", "{{ 7*7 }}{% raw %}"))]),
    ok("extra undeclared column", [
        ("data/evidence.csv", "item,evidence_type,count,file,verified,note",
         "item,evidence_type,count,file,verified,note,extra"),
        ("data/evidence.csv", EV_ROW, EV_ROW + ",x")]),
    ok("byte order mark", [("data/budget.csv", "line_id,", "\ufeffline_id,")]),
    ok("comments and blank lines in YAML", y("  currency: CNY\n",
                                             "  # a comment\n\n  currency: CNY   # CNY\n")),
    ok("YAML anchors and aliases", [*y("  currency: CNY\n", "  currency: &c CNY\n"),
                                    *y("\nrenewal:\n", "\nextensions: {again: *c}\nrenewal:\n")]),
    ok("declared percentage above 100", y(I6T, I6T.replace("90", "90\n    allow_over_100: true"))),
    ok("quoted number target", y(I1T, I1T.replace("24", '"24"'))),
    ok("large but sane amount", y(AMOUNT, "  amount: 300000.0\n")),
    ok("dates at the edges", y(PERIOD, PERIOD.replace("2025-01-01", "2025-01-01"))),
    Case("rating at its maximum", y(D11, "      D1.1: 10"), None, "",
         lambda new, clean: (new.scorecard is not None and clean.scorecard is not None
                             and new.scorecard.total > clean.scorecard.total)),
    Case("spending zero", [("data/budget.csv", BUDGET_B3, BUDGET_B3.replace("17350", "0"))],
         None, "", lambda new, clean: (new.value is not None
                                       and new.value.spent == clean.value.spent - 17350)),
]


def _apply(folder: Path, edits: list[Edit]) -> None:
    for file, old, new in edits:
        path = folder / file
        if new is None:
            path.unlink()
            continue
        if old == "*":
            data = new.encode("utf-8", "surrogateescape")
            path.write_bytes(data)
            continue
        text = path.read_text(encoding="utf-8")
        if old == "":
            text += new
        else:
            assert old in text, (file, old)
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")


def test_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def clean_evaluation(example_evaluation: ek.Evaluation) -> ek.Evaluation:
    return example_evaluation


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, example_dir: Path, tmp_path: Path,
                       clean_evaluation: ek.Evaluation) -> None:
    folder = tmp_path / "project"
    shutil.copytree(example_dir, folder)
    _apply(folder, case.edits)
    if case.error is None:
        evaluation = ek.evaluate(ek.load_project(folder / "project.yaml"))
        assert case.check is not None and case.check(evaluation, clean_evaluation)
        return
    with pytest.raises(EvalkitError) as info:
        project = ek.load_project(folder / "project.yaml")
        if case.evaluate:
            ek.evaluate(project)
    assert type(info.value) is case.error, (type(info.value), str(info.value))
    assert case.fragment in str(info.value), str(info.value)
    assert "Traceback" not in str(info.value)
