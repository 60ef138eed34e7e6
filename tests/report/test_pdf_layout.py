"""Page layout of the PDF reports, measured on the rendered pages with pdfplumber.

* no page is more than two-thirds empty, except the cover, the contents and the last page of
  a chapter (the next page starts a chapter, or it is the last page);
* no table row's cells land on two pages: WeasyPrint's laid-out pages hold each body row
  (``<tr>`` outside ``<thead>``, whose header rows repeat on purpose) on one page only;
* no heading is left alone at the foot of a page.

The PDF measured is the one WeasyPrint writes from the same layout (``Document.write_pdf``).
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from typing import Any

import pytest

pdfplumber = pytest.importorskip("pdfplumber", reason='pip install "evalkit[test]"')
pytest.importorskip("weasyprint", reason='WeasyPrint is not installed (pip install "evalkit[pdf]")')

HEADER, FOOTER = 55.0, 45.0  # points: running header and page number bands (A4 842 pt)
MAX_EMPTY = 2 / 3
#: the demo's reports, and a linkage example's (sites tables over several pages)
NAMES = ["evaluation_zh.pdf", "acceptance_zh.pdf", "evaluation_en.pdf",
         "zhongshan_evaluation_zh.pdf"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pages(path: Path) -> list[dict[str, Any]]:
    """Per page: body text lines, the share of the body height in use, and flat text."""
    out = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            height = float(page.height)
            words = [w for w in page.extract_words(keep_blank_chars=False,
                                                    extra_attrs=["size", "fontname"])
                     if w["top"] > HEADER and w["bottom"] < height - FOOTER]
            shapes = [o for o in page.rects + page.lines + page.curves + page.images
                      if o["top"] > HEADER and o["bottom"] < height - FOOTER
                      and o["bottom"] - o["top"] < 0.8 * height]
            bottom = max([w["bottom"] for w in words] + [o["bottom"] for o in shapes] + [0])
            lines: dict[int, list[str]] = {}
            heading_like: dict[int, bool] = {}
            for w in words:
                key = round(w["top"] / 3)
                lines.setdefault(key, []).append(w["text"])
                # a heading is set bold at body size or larger (a wrapped table cell is not)
                big_bold = float(w["size"]) >= 10.4 and "bold" in str(w["fontname"]).lower()
                heading_like[key] = heading_like.get(key, True) and big_bold
            out.append({
                "fill": max(0.0, bottom - HEADER) / (height - HEADER - FOOTER),
                "lines": [" ".join(v) for _, v in sorted(lines.items())],
                "heading_like": [heading_like[k] for k, _ in sorted(lines.items())],
                "flat": _squash(" ".join(w["text"] for w in words)),
            })
    return out


def _titles(html: str, level: str) -> list[str]:
    found = re.findall(rf"<{level}[^>]*>(.*?)</{level}>", html, flags=re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", h)).strip() for h in found]


def _split_rows(document: Any) -> list[tuple[str, list[int]]]:
    """Body table rows laid out on more than one page: (their text, the pages)."""
    from weasyprint.formatting_structure import boxes

    def rows(box: Any, header: bool = False) -> Any:
        if isinstance(box, boxes.TableRowGroupBox):
            header = header or bool(getattr(box, "is_header", False))
        if isinstance(box, boxes.TableRowBox) and not header:
            yield box
        for child in getattr(box, "children", None) or []:
            yield from rows(child, header)

    pages: dict[int, list[int]] = {}
    text: dict[int, str] = {}
    for number, page in enumerate(document.pages, start=1):
        for row in rows(page._page_box):
            key = id(row.element)
            pages.setdefault(key, [])
            if number not in pages[key]:
                pages[key].append(number)
            text[key] = "".join(row.element.itertext())[:40]
    return [(text[k], v) for k, v in pages.items() if len(v) > 1]


@pytest.fixture(scope="module")
def pdfs(demo_ev: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """name -> the HTML, WeasyPrint's laid-out document and the PDF written from it."""
    import warnings

    import weasyprint

    import evalkit as ek
    from evalkit.report.html import render_html
    from evalkit.report.pdf import _no_fetch

    folder = tmp_path_factory.mktemp("layout")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linkage = ek.evaluate(ek.load_project(ek.datasets.path("zhongshan_linkage") /
                                              "project.yaml"))
    out = {}
    for ev, report, lang in ((demo_ev, "evaluation", "zh"), (demo_ev, "acceptance", "zh"),
                             (demo_ev, "evaluation", "en"), (linkage, "evaluation", "zh")):
        name = f"{report}_{lang}.pdf" if ev is demo_ev else f"zhongshan_{report}_{lang}.pdf"
        html = render_html(ev, lang=lang, report=report, target="pdf")
        document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_no_fetch).render()
        path = folder / name
        document.write_pdf(path)
        out[name] = {"html": html, "document": document, "path": path, "pages": _pages(path)}
    return out


@pytest.mark.parametrize("name", NAMES)
def test_no_near_empty_page_inside_a_chapter(pdfs: dict[str, dict[str, Any]],
                                             name: str) -> None:
    html, pages = pdfs[name]["html"], pdfs[name]["pages"]
    chapters = [_squash(t) for t in _titles(html, "h2")]
    bad = []
    for i, page in enumerate(pages[2:-1], start=2):  # cover and contents may be short
        nxt = pages[i + 1]["flat"]
        ends_chapter = any(nxt.startswith(title) for title in chapters)
        if page["fill"] < 1 - MAX_EMPTY and not ends_chapter:
            bad.append((i + 1, round(page["fill"], 2), page["lines"][:2]))
    assert not bad, f"{name}: pages more than two-thirds empty inside a chapter: {bad}"


@pytest.mark.parametrize("name", NAMES)
def test_no_table_row_split_across_pages(pdfs: dict[str, dict[str, Any]], name: str) -> None:
    split = _split_rows(pdfs[name]["document"])
    assert not split, f"{name}: table rows split across pages: {split}"


def test_split_rows_are_detected(pdfs: dict[str, dict[str, Any]]) -> None:
    """The check can fail: without the stylesheet's rule a long row does split."""
    import weasyprint

    rows = "".join(f"<tr><td>{i}</td><td>{'text ' * 330}</td></tr>" for i in range(3))
    html = f"<html><body><table>{rows}</table></body></html>"
    assert _split_rows(weasyprint.HTML(string=html).render())
    kept = html.replace("<html>", "<html><style>tr { break-inside: avoid; }</style>")
    assert _split_rows(weasyprint.HTML(string=kept).render()) == []


@pytest.mark.parametrize("name", NAMES)
def test_no_heading_alone_at_a_page_foot(pdfs: dict[str, dict[str, Any]], name: str) -> None:
    html, pages = pdfs[name]["html"], pdfs[name]["pages"]
    headings = {_squash(t) for level in ("h2", "h3", "h4", "h5") for t in _titles(html, level)}
    stranded = [(i + 1, p["lines"][-1]) for i, p in enumerate(pages)
                if p["lines"] and p["heading_like"][-1] and _squash(p["lines"][-1]) in headings]
    assert not stranded, f"{name}: headings at a page foot: {stranded}"


def _start_pages(document: Any) -> tuple[Any, dict[int, int]]:
    """The root element and, per element (by id), the first page any of its boxes is on."""
    first: dict[int, int] = {}
    root = None

    def walk(box: Any, number: int) -> None:
        element = getattr(box, "element", None)
        if element is not None:
            first.setdefault(id(element), number)
        for child in getattr(box, "children", None) or []:
            walk(child, number)

    for number, page in enumerate(document.pages, start=1):
        if root is None and page._page_box.children:
            root = page._page_box.children[0].element
        walk(page._page_box, number)
    return root, first


def _content_start(element: Any, first: dict[int, int]) -> int | None:
    """Page where ``element``'s content starts: a table's first body row (its caption and
    repeated header are not content), else the element itself."""
    if element.tag == "table":
        rows = [r for part in element if part.tag in ("tbody", "tr")
                for r in ([part] if part.tag == "tr" else list(part)) if r.tag == "tr"]
        if rows:
            return first.get(id(rows[0]))
    return first.get(id(element))


def stranded_headings(document: Any) -> list[tuple[str, int, int]]:
    """Headings (h2-h4) not on the page where what they introduce starts: the next element,
    or, when the next is a lead paragraph, the element after it (a table, a list, the next
    paragraph). (heading text, its page, the page that content starts on)."""
    root, first = _start_pages(document)
    out = []
    for parent in root.iter():
        children = [c for c in parent if isinstance(c.tag, str)]
        for i, child in enumerate(children):
            if child.tag not in ("h2", "h3", "h4") or id(child) not in first:
                continue
            following = children[i + 1:i + 3]
            if not following:
                continue
            target = following[1] if following[0].tag == "p" and len(following) > 1 \
                else following[0]
            page, start = first[id(child)], _content_start(target, first)
            if start is not None and start != page:
                out.append(("".join(child.itertext()).strip(), page, start))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_heading_kept_with_its_intro_and_what_follows(pdfs: dict[str, dict[str, Any]],
                                                      name: str) -> None:
    """A heading, its lead paragraph and the start of the table or text they introduce are
    on one page (in the demo's zh evaluation report 五、服务成效 and its intro line used to
    end page 8, the effects table starting on page 9)."""
    stranded = stranded_headings(pdfs[name]["document"])
    assert not stranded, f"{name}: headings parted from what they introduce: {stranded}"


def test_stranded_headings_are_detected() -> None:
    """The check can fail: a heading and its intro pushed to a page foot by a tall block."""
    import weasyprint

    page = "<style>@page { size: A4; margin: 0 } body { margin: 0 }</style>"
    filler = "<div style='height: 255mm'></div>"
    rows = "".join(f"<tr><td style='height: 30mm'>{i}</td></tr>" for i in range(3))
    html = (f"<html>{page}<body>{filler}<section><h2>Chapter</h2><p>Intro line.</p>"
            f"<table><tbody>{rows}</tbody></table></section></body></html>")
    assert stranded_headings(weasyprint.HTML(string=html).render())
    kept = html.replace("<html>", "<html><style>h2, h2 + p { break-after: avoid; }</style>")
    assert stranded_headings(weasyprint.HTML(string=kept).render()) == []
