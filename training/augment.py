"""Noisy variants of training records, with their span offsets remapped by code.

Real archives are not the clean prose our writers produce: Indian press archives are
almost entirely lower case, agency headlines often all upper case, scraped pages carry
mojibake ("â€™" for "’", "Ã©" for "é"), and feeds lose punctuation. Such variants are made here from our own records (never from
evaluation text) and the trainer swaps a record for one of them with the probabilities of
``data.augment``, a fresh draw each epoch.

Every transform rewrites the text one character at a time (each character becomes zero,
one or several characters), so an offset maps through the cumulative lengths exactly.
"""

from __future__ import annotations

import random
from collections.abc import Callable

# Languages written in Latin script, where UTF-8 read as Windows-1252 is the common garbling.
_MOJIBAKE_LANGUAGES = frozenset({"en", "fr", "es", "tr", "de", "pt", "it"})
_DROPPED_PUNCTUATION = frozenset(",;:")


def rewrite(record: dict, replace: Callable[[int, str], str]) -> dict:
    """A copy of ``record`` whose text has each character ``c`` at ``i`` replaced by
    ``replace(i, c)``, with every argument and trigger offset moved to match."""
    text = record["text"]
    pieces: list[str] = []
    position = [0] * (len(text) + 1)
    length = 0
    for index, char in enumerate(text):
        position[index] = length
        piece = replace(index, char)
        pieces.append(piece)
        length += len(piece)
    position[len(text)] = length
    new_text = "".join(pieces)

    def moved(span: dict) -> dict | None:
        start, end = position[span["start"]], position[span["end"]]
        while start < end and new_text[start].isspace():
            start += 1
        while end > start and new_text[end - 1].isspace():
            end -= 1
        return {**span, "start": start, "end": end} if end > start else None

    events = []
    for event in record["events"]:
        arguments = [a for a in (moved(arg) for arg in event["arguments"]) if a is not None]
        trigger = moved(event["trigger"]) if event.get("trigger") else None
        events.append({**event, "arguments": arguments, "trigger": trigger})
    return {**record, "text": new_text, "events": events}


def lowercased(record: dict) -> dict:
    """Lower case, character by character (a character whose lower case is longer, like
    Turkish "İ", keeps its own so that offsets stay one to one)."""
    return rewrite(record, lambda _, c: c.lower() if len(c.lower()) == 1 else c)


def uppercased(record: dict) -> dict:
    """Upper case, as wire headlines and some agency feeds come ("REBELS SEIZE TOWN"); a
    character whose upper case is longer, like "ß", keeps its own so offsets stay one to one."""
    return rewrite(record, lambda _, c: c.upper() if len(c.upper()) == 1 else c)


def mojibake(record: dict) -> dict:
    """UTF-8 bytes read as Windows-1252: "é" becomes "Ã©", "’" becomes "â€™"."""
    def garble(_: int, char: str) -> str:
        if char.isascii():
            return char
        try:
            return char.encode("utf-8").decode("cp1252")
        except UnicodeDecodeError:
            return char
    return rewrite(record, garble)


def unpunctuated(record: dict) -> dict:
    """Commas, semicolons, colons and the final full stop dropped, as in some feeds and
    transcripts."""
    last = len(record["text"]) - 1
    return rewrite(record, lambda i, c: "" if c in _DROPPED_PUNCTUATION or (i == last and c == ".") else c)


def noisy_variant(record: dict, rng: random.Random) -> dict:
    """One garbled variant: mojibake (Latin-script languages with non-ASCII text) or lost
    punctuation, lower-cased half of the time as well."""
    transforms = [unpunctuated]
    if record.get("lang") in _MOJIBAKE_LANGUAGES and not record["text"].isascii():
        transforms.append(mojibake)
    variant = rng.choice(transforms)(record)
    return lowercased(variant) if rng.random() < 0.5 else variant
