"""The article in a web page: its main text (trafilatura) and its publication date (htmldate).

A news page carries far more than its story: menus, cookie banners, "related articles"
link lists, footers. Read as text, each of those lines is a sentence the model scores,
and a related-article headline ("Rebels bomb a bridge") becomes an event the page never
reported. trafilatura keeps the main content (text in ``div``s included) and drops the
boilerplate; htmldate finds the date the article was published from
``article:published_time`` and other meta tags, JSON-LD, the URL and visible dates.

Both libraries import lxml and take ~0.7 s to import, so they are imported on first use.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Markup that plain text almost never holds: an opening or closing tag of a common
# HTML element, or a document type / <html> opening.
_TAG = re.compile(r"</?(?:p|div|br|span|a|li|ul|ol|h[1-6]|html|body|head|table|tr|td|article|section|script|style|"
                  r"strong|em|b|i|img|meta|nav|header|footer)\b[^<>]{0,500}>", re.IGNORECASE)
_DOCUMENT = re.compile(r"^\s*(?:<!doctype\s+html|<html\b)", re.IGNORECASE)
_WHOLE_PAGE = re.compile(r"<(?:html|body)\b", re.IGNORECASE)


class NoArticleText(ValueError):
    """The page holds no text that trafilatura takes for an article."""


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is HTML rather than prose: a document opening, or at least three tags
    (a lone "<b>" or "a < b > c" in prose is not enough)."""
    head = text[:20_000]
    if _DOCUMENT.match(head):
        return True
    return sum(1 for _ in zip(range(3), _TAG.finditer(head))) >= 3


@lru_cache(maxsize=1)
def _libraries():
    import htmldate
    import trafilatura

    return trafilatura, htmldate


def main_text(html: str, url: str | None = None) -> str:
    """The article's text, one paragraph per block separated by blank lines (so headlines
    and list items end their sentence); :class:`NoArticleText` when there is none."""
    trafilatura, _ = _libraries()
    if not _WHOLE_PAGE.search(html[:20_000]):
        html = f"<html><body>{html}</body></html>"  # a fragment (an article body kept as HTML)
    extracted = trafilatura.extract(html, url=url, favor_precision=True, include_comments=False, include_tables=False,
                                    include_links=False, include_images=False, deduplicate=False,
                                    with_metadata=False, output_format="txt")
    blocks = [" ".join(line.split()) for line in (extracted or "").splitlines()]
    text = "\n\n".join(block for block in blocks if block)
    if not text:
        raise NoArticleText("no article text found in the HTML")
    return text


def publication_date(html: str, url: str | None = None) -> str | None:
    """The article's publication date as ``YYYY-MM-DD``, or None when the page does not say."""
    _, htmldate = _libraries()
    found = htmldate.find_date(html, url=url, original_date=True, extensive_search=True,
                               outputformat="%Y-%m-%d")
    return found or None
