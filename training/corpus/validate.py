"""Corpus validation: every problem found, each naming its record.

Checks, in order: the record schema; unique ids; event types and roles known to
the ontology; offsets inside the text and spans without outer whitespace; the
language plausible for the text (script, then py3langid's ranking); exact
duplicates anywhere; near-duplicates across splits (shared word 3-grams with
digits folded, so templates with swapped numbers are caught); and articles
consistent with ``documents.jsonl`` (one split per article, contiguous sentence
order, a date).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from pydantic import ValidationError

from flashpoint.ontology import Ontology
from flashpoint.training.corpus.records import Document, Record

NEAR_DUPLICATE_JACCARD = 0.5
_SHINGLE_MAX_DOCUMENT_FREQUENCY = 60
_SCRIPT_OF_LANGUAGE = {"ar": "ARABIC", "fa": "ARABIC", "ur": "ARABIC", "ru": "CYRILLIC", "uk": "CYRILLIC",
                       "bg": "CYRILLIC", "zh": "CJK", "ja": "CJK", "hi": "DEVANAGARI"}


@dataclass(frozen=True)
class Problem:
    where: str
    record_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.where} [{self.record_id}]: {self.message}"


def _dominant_script(text: str) -> str:
    counts: dict[str, int] = defaultdict(int)
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            script = "CJK" if name.startswith("CJK") else name.split(" ")[0]
            counts[script] += 1
    return max(counts, key=counts.get) if counts else ""


def _language_problem(text: str, lang: str, has_events: bool) -> str | None:
    """A text implausible for ``lang``. Short event-less lines are exempt: bylines, share
    buttons and copyright lines of real pages ("Рияз Ахмад, Associated Press") are mostly
    names and brands, whatever the page's language; so are the checks' blind spots, short
    headlines full of place names, from language identification."""
    if not has_events and len(text.split()) < 20:
        return None
    script = _dominant_script(text)
    expected = _SCRIPT_OF_LANGUAGE.get(lang, "LATIN")
    if script and script != expected:
        return f"text is mostly {script.lower()} script, implausible for lang {lang!r}"
    if expected == "LATIN" and len(text) >= 40 and len(text.split()) >= 8:
        import py3langid

        ranking = [code for code, _ in py3langid.rank(text)[:5]]
        if lang not in ranking:
            return f"text does not read as {lang!r} (language identification ranks {', '.join(ranking[:3])})"
    return None


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", re.sub(r"\d", "0", text.lower()))
    return {" ".join(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def validate_records(records: list[dict], ontology: Ontology, documents: list[dict] | None = None) -> list[Problem]:
    """Return every problem in ``records`` (empty when the corpus is valid)."""
    problems: list[Problem] = []
    valid: list[tuple[dict, Record]] = []
    seen_ids: dict[str, str] = {}
    for raw in records:
        where = raw.get("_source", "?")
        record_id = str(raw.get("id", "?"))
        data = {k: v for k, v in raw.items() if k != "_source"}
        try:
            record = Record.model_validate(data)
        except ValidationError as error:
            for item in error.errors():
                path = ".".join(str(p) for p in item["loc"])
                problems.append(Problem(where, record_id, f"{path}: {item['msg']}"))
            continue
        if record.id in seen_ids:
            problems.append(Problem(where, record.id, f"duplicate id (first at {seen_ids[record.id]})"))
        seen_ids[record.id] = where
        problems.extend(_check_events(record, ontology, where))
        language = _language_problem(record.text, record.lang, bool(record.events))
        if language:
            problems.append(Problem(where, record.id, language))
        valid.append((raw, record))
    problems.extend(_check_duplicates(valid))
    if documents is not None:
        problems.extend(_check_documents([r for _, r in valid], documents, {r.id: raw.get("_source", "?") for raw, r in valid}))
    return problems


def _check_events(record: Record, ontology: Ontology, where: str) -> list[Problem]:
    problems: list[Problem] = []
    text = record.text
    for number, event in enumerate(record.events, start=1):
        if event.type not in ontology.type_index:
            problems.append(Problem(where, record.id, f"event {number}: unknown type {event.type!r}"))
        spans = [("trigger", event.trigger)] if event.trigger else []
        spans += [(argument.role, argument) for argument in event.arguments]
        for role, span in spans:
            if role != "trigger" and role not in ontology.role_index:
                problems.append(Problem(where, record.id, f"event {number}: unknown role {role!r}"))
            if not (0 <= span.start < span.end <= len(text)):
                problems.append(Problem(where, record.id, f"event {number}: {role} offsets {span.start}-{span.end} outside text of length {len(text)}"))
                continue
            phrase = text[span.start : span.end]
            if phrase != phrase.strip():
                problems.append(Problem(where, record.id, f"event {number}: {role} span {phrase!r} has outer whitespace"))
        keys = [(a.role, a.start, a.end) for a in event.arguments]
        if len(keys) != len(set(keys)):
            problems.append(Problem(where, record.id, f"event {number}: the same argument is listed twice"))
    return problems


def _check_duplicates(valid: list[tuple[dict, Record]]) -> list[Problem]:
    problems: list[Problem] = []
    exact: dict[str, tuple[str, str]] = {}
    for raw, record in valid:
        key = " ".join(record.text.lower().split())
        if key in exact:
            first_where, first_id = exact[key]
            problems.append(Problem(raw.get("_source", "?"), record.id, f"duplicate text of {first_id} ({first_where})"))
        else:
            exact[key] = (raw.get("_source", "?"), record.id)
    shingles = [_shingles(record.text) for _, record in valid]
    index: dict[str, list[int]] = defaultdict(list)
    for i, grams in enumerate(shingles):
        for gram in grams:
            index[gram].append(i)
    reported: set[tuple[int, int]] = set()
    for i, grams in enumerate(shingles):
        shared: dict[int, int] = defaultdict(int)
        for gram in grams:
            postings = index[gram]
            if len(postings) > _SHINGLE_MAX_DOCUMENT_FREQUENCY:
                continue
            for j in postings:
                if j > i and valid[j][1].split != valid[i][1].split:
                    shared[j] += 1
        for j, count in shared.items():
            jaccard = count / len(grams | shingles[j])
            if jaccard >= NEAR_DUPLICATE_JACCARD and (i, j) not in reported:
                reported.add((i, j))
                raw_j, record_j = valid[j]
                record_i = valid[i][1]
                problems.append(Problem(
                    raw_j.get("_source", "?"), record_j.id,
                    f"near-duplicate ({jaccard:.2f}) of {record_i.id} across splits {record_i.split}/{record_j.split}",
                ))
    return problems


def _check_documents(records: list[Record], documents: list[dict], sources: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    metadata: dict[str, Document] = {}
    for raw in documents:
        where = raw.get("_source", "?")
        try:
            document = Document.model_validate({k: v for k, v in raw.items() if k != "_source"})
        except ValidationError as error:
            problems.append(Problem(where, str(raw.get("doc_id", "?")), str(error.errors()[0]["msg"])))
            continue
        metadata[document.doc_id] = document
    members: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        if record.doc_id is not None:
            members[record.doc_id].append(record)
    for doc_id, sentences in members.items():
        first = sentences[0]
        where = sources[first.id]
        if doc_id not in metadata:
            problems.append(Problem(where, first.id, f"doc_id {doc_id!r} has no entry in documents.jsonl"))
            continue
        if len({s.split for s in sentences}) > 1 or metadata[doc_id].split != first.split:
            problems.append(Problem(where, first.id, f"article {doc_id!r} spans several splits"))
        # positions in the article, in file order, each once; a gap is a repeated boilerplate
        # line that the build dropped (it prints which)
        order = [s.sentence_index if s.sentence_index is not None else -1 for s in sentences]
        if min(order) < 0 or any(b <= a for a, b in zip(order, order[1:])):
            problems.append(Problem(where, first.id, f"article {doc_id!r} sentence_index is not increasing from 0"))
    return problems
