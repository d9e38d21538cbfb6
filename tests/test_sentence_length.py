"""Sentence splitting stays linear in document length: pysbd (whose time grows with the square
of its input) is only ever given windows of bounded size, and the windows change nothing."""

from __future__ import annotations

import random

import pytest

from flashpoint import sentences
from flashpoint.sentences import split_sentences

PARTS = ["Gunmen attacked a police post near Gao on Sunday, officials said.", "Dr. Smith arrived at 3 p.m. with U.S. aid.",
         "M. Dupont a dit : « Les forces ont quitté la ville. »", "The U.N. said 12.5 million people need help!",
         "Is it over? No.", "Mr. J. R. R. Tolkien wrote (in 1954) that the war was over...",
         "See e.g. the report, i.e. the one from Jan. 5.", "Sr. García llegó a las 3 p. m. al pueblo."]


def _paragraph(characters: int, seed: int = 13) -> str:
    chooser = random.Random(seed)
    words: list[str] = []
    while sum(map(len, words)) + len(words) < characters:
        words.append(chooser.choice(PARTS))
    return " ".join(words)


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ru"])
def test_windows_give_the_sentences_pysbd_gives_the_whole_paragraph(lang):
    text = _paragraph(30_000)
    whole = [text[start:end].strip() for start, end in sentences._pysbd_spans(text, lang)]
    assert [s.text for s in split_sentences(text, lang)] == [s for s in whole if s]


def test_pysbd_never_gets_more_than_a_window(monkeypatch):
    given: list[int] = []
    real = sentences._pysbd_spans

    def measured(text: str, lang: str):
        given.append(len(text))
        return real(text, lang)

    monkeypatch.setattr(sentences, "_pysbd_spans", measured)
    text = _paragraph(200_000)  # one paragraph, as long as the size limit allows
    found = split_sentences(text, "en")
    assert max(given) <= sentences._PYSBD_WINDOW
    assert sum(given) < 1.2 * len(text) * sentences._PYSBD_WINDOW / (sentences._PYSBD_WINDOW - sentences._PYSBD_MARGIN)
    assert found[-1].end == len(text.rstrip())


def test_a_sentence_longer_than_a_window_is_cut_at_a_space():
    text = ("word " * 3000).strip()  # 14,999 characters without a full stop
    found = split_sentences(text, "en")
    assert [s.text.split(" ")[0] for s in found] == ["word"] * len(found)
    assert " ".join(s.text for s in found) == text and all(len(s.text) <= sentences._PYSBD_WINDOW for s in found)
