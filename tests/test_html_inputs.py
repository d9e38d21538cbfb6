"""Web pages in: the article's text and date, never its cookie banner, menu or related links.

The pages in tests/data/pages are written for these tests like real news pages: a cookie
banner, a navigation menu, a "related articles" list whose headlines read like events,
a footer, and the publication date only in metadata (``article:published_time``, JSON-LD,
or the URL).
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from flashpoint.readers import ColumnMapping, read_inputs
from flashpoint.scoring import score_archive
from flashpoint.sentences import split_sentences

PAGES = Path(__file__).parent / "data" / "pages"
URL_WITH_DATE = "https://news.example.org/2023/06/21/flood-maiduguri"
# (file, URL it is served from, article sentences, boilerplate lines, publication date)
CASES = [
    ("div_article.html", "https://sahel.example.org/news/gao-attack",
     ["Gunmen attacked a police post near Gao on Sunday", "No group has claimed responsibility"],
     ["cookies", "Accept all", "Home", "Conflict tracker", "Subscribe", "Related articles",
      "Rebels blew up a bridge in the north of Niger", "Police fired tear gas at protesters in Bamako",
      "Armed men kidnapped six traders near Djibo", "Copyright", "Privacy"], "2025-01-03"),
    ("jsonld_article.html", "https://world.example.org/idlib-market",
     ["Warplanes struck a crowded market in the town of Sarmada", "The strike came a day after shelling"],
     ["cookies", "privacy notice", "Middle East", "More stories", "Troops clashed with militants in Deir ez-Zor",
      "A car bomb exploded outside a checkpoint in Azaz", "newsletter"], "2024-11-18"),
    ("url_date_article.html", URL_WITH_DATE,
     ["Floodwater from a collapsed dam swept through parts of Maiduguri", "Officials said the water level"],
     ["Front page", "Sports", "Most read", "Gunmen abducted students in Kaduna",
      "Soldiers repelled an attack on a base in Borno"], "2023-06-21"),
]
CRAWL_DATE = "2025-06-30T12:00:00Z"


def _warc(path: Path, pages: list[tuple[str, bytes]]) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, html in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html),
                                                          http_headers=headers,
                                                          warc_headers_dict={"WARC-Date": CRAWL_DATE}))
    return path


def _pages_warc(tmp_path: Path) -> Path:
    undated = b"<html><body><article><p>" + b"Rebels shelled the outskirts of the town overnight, residents said. " * 3 \
        + b"</p></article></body></html>"
    return _warc(tmp_path / "pages.warc.gz", [(url, (PAGES / name).read_bytes()) for name, url, *_ in CASES]
                 + [("https://example.org/undated", undated)])


def test_warc_pages_give_the_article_text_and_date_and_no_boilerplate(tmp_path):
    records = list(read_inputs([_pages_warc(tmp_path)]))
    assert [r.id for r in records] == [url for _, url, *_ in CASES] + ["https://example.org/undated"]
    for record, (name, _, article, boilerplate, date) in zip(records, CASES):
        assert record.error is None, record.error
        for sentence in article:
            assert sentence in record.text, (name, sentence)
        for line in boilerplate:
            assert line not in record.text, (name, line)
        assert (record.date, record.date_source) == (date, "page"), name
    assert (records[-1].date, records[-1].date_source) == ("2025-06-30", "crawl")  # no date in the page: the capture's


def test_saved_html_files_and_folders_are_read_as_pages(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "story.html").write_bytes((PAGES / "div_article.html").read_bytes())
    (folder / "note.txt").write_text("Troops shelled a village near Kherson.")
    records = list(read_inputs([PAGES / "jsonld_article.html", folder]))
    assert [(r.id, r.date, r.date_source) for r in records] == [
        ("jsonld_article.html", "2024-11-18", "page"), ("note.txt", None, None), ("story.html", "2025-01-03", "page")]
    assert "Related articles" not in records[2].text and "Gunmen attacked a police post" in records[2].text


def test_no_event_comes_from_the_boilerplate(tiny_model, extractor, tmp_path):
    # The control: each boilerplate headline, were it in a document, gives this model an event.
    headlines = [line for *_, boilerplate, _ in CASES for line in boilerplate if len(line.split()) > 4]
    assert len(headlines) == 7
    assert all(extractor.extract(line, lang="en").events for line in headlines)
    output = tmp_path / "out.jsonl"
    score_archive([_pages_warc(tmp_path)], output, tiny_model, progress=False)
    documents = [json.loads(line) for line in output.read_text().splitlines()]
    assert [d["status"] for d in documents] == ["ok"] * 4
    for document, (name, _, article, boilerplate, date) in zip(documents, CASES):
        assert document["events"], name
        assert (document["date"], document["date_source"]) == (date, "page")
        text = (PAGES / name).read_text()
        for event in document["events"]:
            assert not any(line in event["sentence"] for line in boilerplate), (name, event["sentence"])
            assert event["sentence"] in text, event["sentence"]  # a sentence of the page's own text
    assert documents[-1]["date_source"] == "crawl"


def _jsonl_with_html(tmp_path: Path) -> Path:
    path = tmp_path / "feed.jsonl"
    lines = [{"id": "page", "text": (PAGES / "div_article.html").read_text()},
             {"id": "plain", "text": "Police arrested three men in Kano on Friday.", "date": "2025-02-01"},
             {"id": "fragment", "text": "<p>Rebels shelled the town of Kidal.</p><p>Two <b>civilians</b> died.</p>"}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_html_in_jsonl_is_cleaned_when_asked(tmp_path):
    records = list(read_inputs([_jsonl_with_html(tmp_path)], ColumnMapping(html=True)))
    assert records[0].text.startswith("Gunmen attacked a police post") and "cookies" not in records[0].text
    assert (records[0].date, records[0].date_source) == ("2025-01-03", "page")
    assert records[1].text == "Police arrested three men in Kano on Friday." and records[1].date == "2025-02-01"
    assert records[2].text == "Rebels shelled the town of Kidal.\n\nTwo civilians died."


def test_html_in_jsonl_is_detected_with_a_warning_or_kept_with_no_html(tmp_path, caplog):
    path = _jsonl_with_html(tmp_path)
    with caplog.at_level(logging.WARNING, logger="flashpoint.readers"):
        detected = list(read_inputs([path]))
    assert [r.text for r in detected] == [r.text for r in read_inputs([path], ColumnMapping(html=True))]
    assert any("feed.jsonl:1: the text is HTML" in m and "--html" in m for m in caplog.messages)
    assert any("2 records held HTML and were cleaned" in m for m in caplog.messages)
    kept = list(read_inputs([path], ColumnMapping(html=False)))
    assert kept[0].text.startswith("<!DOCTYPE html>") and kept[2].text.startswith("<p>")


def test_html_in_csv_is_cleaned_and_a_page_without_article_is_an_error(tmp_path):
    import csv

    path = tmp_path / "pages.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerow(["a", (PAGES / "jsonld_article.html").read_text()])
        writer.writerow(["b", "<html><body><script>var gallery = 1;</script><img src='a.jpg'></body></html>"])
    records = list(read_inputs([path], ColumnMapping(html=True)))
    assert records[0].error is None and records[0].text.startswith("Air strike hits market in Idlib\n\nWarplanes struck")
    first_row_lines = (PAGES / "jsonld_article.html").read_text().count("\n") + 1
    assert records[1].error == f"{path}:{2 + first_row_lines}: no article text found in the HTML"  # its first line


def test_dates_in_pages_are_validated_like_any_date(tmp_path):
    page = (PAGES / "div_article.html").read_text()
    path = tmp_path / "dated.jsonl"
    path.write_text(json.dumps({"id": "given", "text": page, "date": "2025-02-30"}) + "\n"
                    + json.dumps({"id": "iso", "text": page, "date": "2025-01-09T10:00:00Z"}) + "\n")
    records = list(read_inputs([path], ColumnMapping(html=True)))
    assert "is not a real calendar date" in records[0].error  # a date given is checked, never replaced by the page's
    assert (records[1].date, records[1].date_source) == ("2025-01-09", None)


def test_page_sentences_keep_their_paragraphs():
    records = list(read_inputs([PAGES / "div_article.html"]))
    sentences = [s.text for s in split_sentences(records[0].text, "en")]
    assert sentences[0] == "Gunmen attacked a police post near Gao on Sunday, killing four officers, local officials said."
    assert len(sentences) == 4


def test_flat_outputs_carry_where_the_date_came_from():
    from flashpoint.writers import FLAT_COLUMNS, flat_rows

    document = {"id": "p", "status": "ok", "lang": "en", "date": "2025-06-30", "date_source": "crawl", "events": []}
    (row,) = flat_rows(document)
    assert (row["date"], row["date_source"]) == ("2025-06-30", "crawl")
    assert FLAT_COLUMNS.index("date_source") == FLAT_COLUMNS.index("date") + 1
    assert flat_rows({**document, "date": None, "date_source": None})[0]["date_source"] is None
