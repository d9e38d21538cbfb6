"""Tokenisation windows, role tags and sentence splitting: the shared pre/post-processing."""

from __future__ import annotations

import numpy as np
import pytest

from flashpoint.sentences import split_sentences
from flashpoint.spans import BEGIN, IGNORE, INSIDE, N_TAGS, OUTSIDE, decode_role_tags, encode_role_tags
from flashpoint.tokenization import WindowTokenizer
from flashpoint.training.base_encoder import ensure_base_encoder

ROLES = ["actor", "target", "location", "time", "fatalities"]


@pytest.fixture(scope="module")
def tokenizer():
    return WindowTokenizer(ensure_base_encoder() / "tokenizer.json", max_length=16, stride=4)


def test_long_text_is_windowed_not_truncated(tokenizer):
    text = " ".join(f"word{i}" for i in range(60))
    windows = tokenizer.encode([text])[0]
    assert len(windows) > 1
    assert all(len(w.ids) <= 16 for w in windows)
    covered = set()
    for w in windows:
        covered |= {tuple(o) for o in w.offsets.tolist() if o[0] >= 0}
    full = tokenizer.tokenizer.encode(text, add_special_tokens=False)
    assert len(covered) == len(full.ids)
    assert windows[0].offsets[-2][1] > windows[1].offsets[1][0]  # consecutive windows overlap


def test_offsets_skip_the_space_of_sentencepiece_tokens(tokenizer):
    text = "Jets struck  Idlib."
    window = tokenizer.encode([text])[0][0]
    for start, end in window.offsets.tolist():
        if start >= 0 and end > start:
            assert not text[start].isspace()


def _one_hot(tags: np.ndarray) -> np.ndarray:
    probabilities = np.zeros(tags.shape + (N_TAGS,), dtype=np.float32)
    for index in np.ndindex(tags.shape):
        probabilities[index + (max(tags[index], 0),)] = 1.0
    return probabilities


def test_role_tags_round_trip_with_overlapping_roles(tokenizer):
    tokenizer = WindowTokenizer(tokenizer.path, max_length=64, stride=8)
    text = "Gunmen killed five villagers in Zamfara State on Tuesday."
    spans = [("actor", 0, 6), ("target", 14, 28), ("fatalities", 14, 18), ("location", 32, 45), ("time", 49, 56)]
    window = tokenizer.encode([text])[0][0]
    tags = encode_role_tags(window.offsets, spans, ROLES)
    assert (tags[0] == IGNORE).all() and (tags[-1] == IGNORE).all()
    assert set(np.unique(tags[1:-1])) <= {OUTSIDE, BEGIN, INSIDE}
    decoded = decode_role_tags(_one_hot(tags), window.offsets, ROLES, text)
    assert sorted((d.role, d.start, d.end) for d in decoded) == sorted(spans)


def test_decoder_trims_punctuation_and_keeps_bracketed_abbreviations():
    text = "the Syrian Arab Army (SAA), said"
    offsets = np.array([[-1, -1], [0, 3], [4, 10], [11, 15], [16, 20], [21, 26], [26, 27], [28, 32], [-1, -1]])
    tags = np.zeros((len(offsets), 1), dtype=int)
    tags[1, 0] = BEGIN
    tags[2:7, 0] = INSIDE
    decoded = decode_role_tags(_one_hot(tags), offsets, ["actor"], text)
    assert [text[d.start:d.end] for d in decoded] == ["the Syrian Arab Army (SAA)"]


@pytest.mark.parametrize("lang, text, expected", [
    ("en", "Dr. Smith said 3 died. Police arrested 2 men.", 2),
    ("fr", "M. Dupont a été arrêté. Les gendarmes ont saisi 3 kg d'explosifs.", 2),
    ("ar", "هل انتهت المعارك؟ قال الجيش إن القتال مستمر.", 2),
    ("tr", "Dr. Ali yaralandı. Saldırganlar kaçtı.", 2),
    ("en", "HEADLINE WITHOUT STOP\n\nBody sentence one. Body two.", 3),
])
def test_sentence_splitting(lang, text, expected):
    sentences = split_sentences(text, lang)
    assert len(sentences) == expected
    assert all(text[s.start:s.end] == s.text for s in sentences)


@pytest.mark.parametrize("lang, text, expected", [
    # Arabic: the comma "،" never ends a sentence; a stop before و / وفي does, glued or not
    ("ar", "قال مسؤول، طلب عدم ذكر اسمه، إن مسلحين هاجموا القرية. وقتل خمسة مدنيين. وفي بلدة أخرى، اعتقلت الشرطة رجلين.",
     ["قال مسؤول، طلب عدم ذكر اسمه، إن مسلحين هاجموا القرية.", "وقتل خمسة مدنيين.", "وفي بلدة أخرى، اعتقلت الشرطة رجلين."]),
    ("ar", "هاجم مسلحون القرية.وقتل خمسة. قال د. سالم إن 2.5 طن صودرت.",
     ["هاجم مسلحون القرية.", "وقتل خمسة.", "قال د. سالم إن 2.5 طن صودرت."]),
    # Turkish: a sentence may open with a number; ordinals ("2. Ordu") and titles do not end one
    ("tr", "Saldırı Lice ilçesinde oldu. 3 asker öldü. Yrd. Doç. Dr. Ali konuştu. 2. Ordu komutanı geldi.",
     ["Saldırı Lice ilçesinde oldu.", "3 asker öldü.", "Yrd. Doç. Dr. Ali konuştu.", "2. Ordu komutanı geldi."]),
    # Russian: initials and abbreviated place words stay inside the sentence
    ("ru", "Как сообщил А. Петров, обстрел начался в с. Ивановка. Погибли двое.",
     ["Как сообщил А. Петров, обстрел начался в с. Ивановка.", "Погибли двое."]),
])
def test_sentence_boundaries_by_script(lang, text, expected):
    assert [s.text for s in split_sentences(text, lang)] == expected


def test_rule_splitting_is_linear_in_text_length():
    import time

    text = "Saldırganlar köyü bastı. " * 20000  # 500 kB, 20,000 sentences
    started = time.perf_counter()
    sentences = split_sentences(text, "tr")
    assert len(sentences) == 20000
    assert time.perf_counter() - started < 5.0


def test_training_features_window_long_sentences_and_warn(tokenizer, ontology, caplog):
    from flashpoint.training.features import featurize

    long_text = "Gunmen attacked " + ", ".join(f"village {i}" for i in range(40)) + " in Zamfara State."
    start = long_text.index("Zamfara State")
    records = [
        {"text": long_text, "events": [{"type": "attack", "arguments": [
            {"role": "location", "start": start, "end": start + len("Zamfara State")}]}]},
        {"text": "Police arrested three men.", "events": []},
    ]
    with caplog.at_level("WARNING"):
        examples = featurize(records, tokenizer, ontology)
    assert "1 of 2 sentences exceed 16 tokens" in caplog.text
    assert len(examples) > 2
    # the location at the end survives in the last window's targets: nothing was cut off
    last_window = [e for e in examples if e.type_labels.any()][-1]
    assert (last_window.tag_targets[ontology.type_index["attack"]][:, 2] == BEGIN).sum() == 1


def test_decoder_keeps_whole_words_when_subword_tags_disagree():
    text = "Police detained officers in Croix-des-Bouquets"
    # tokens: Police | detained | officer | s | in | Croix | - | des | - | Bou | quets
    offsets = np.array([[-1, -1], [0, 6], [7, 15], [16, 23], [23, 24], [25, 27], [28, 33], [33, 34], [34, 37],
                        [37, 38], [38, 41], [41, 46], [-1, -1]])
    tags = np.zeros((len(offsets), 2), dtype=int)
    tags[3, 0] = BEGIN                      # "officer" B, "s" O: the word is completed
    tags[6, 1] = BEGIN
    tags[8, 1] = BEGIN                      # a stray B inside the name does not split it
    tags[7, 1] = tags[9:12, 1] = INSIDE
    decoded = decode_role_tags(_one_hot(tags), offsets, ["target", "location"], text)
    assert [(d.role, text[d.start:d.end]) for d in decoded] == [("target", "officers"), ("location", "Croix-des-Bouquets")]


def test_decoder_never_starts_a_span_inside_a_word():
    text = "Troops raided hideouts of the sicarios"
    # tokens: Troops | raided | hide | outs | of | the | sic | arios
    offsets = np.array([[-1, -1], [0, 6], [7, 13], [14, 18], [18, 22], [23, 25], [26, 29], [30, 33], [33, 38],
                        [-1, -1]])
    tags = np.zeros((len(offsets), 2), dtype=int)
    tags[4, 0] = BEGIN                      # only the second piece of "hideouts" is tagged
    tags[8, 1] = BEGIN                      # only "arios" of "sicarios"
    decoded = decode_role_tags(_one_hot(tags), offsets, ["target", "actor"], text)
    assert [(d.role, text[d.start:d.end]) for d in decoded] == [("target", "hideouts"), ("actor", "sicarios")]


def test_decoder_treats_combining_marks_as_part_of_the_word():
    text = "قُتِلَ جنود"
    # a piece that starts with a diacritic (a combining mark, not alphanumeric) continues its word
    offsets = np.array([[-1, -1], [0, 1], [1, 6], [7, 11], [-1, -1]])
    assert not text[1].isalnum()
    tags = np.zeros((len(offsets), 1), dtype=int)
    tags[2, 0] = BEGIN
    decoded = decode_role_tags(_one_hot(tags), offsets, ["target"], text)
    assert [text[d.start:d.end] for d in decoded] == ["قُتِلَ"]


def test_decoder_keeps_hyphenated_names_whole_when_hyphens_are_tagged_outside():
    text = "Clashes in Port-au-Prince, officials said"
    # tokens: Clashes | in | Port | - | au | - | Prince | , | officials | said
    offsets = np.array([[-1, -1], [0, 7], [8, 10], [11, 15], [15, 16], [16, 18], [18, 19], [19, 25], [25, 26],
                        [27, 36], [37, 41], [-1, -1]])
    tags = np.zeros((len(offsets), 1), dtype=int)
    tags[3, 0] = BEGIN
    tags[5, 0] = tags[7, 0] = INSIDE        # the hyphens themselves are tagged O
    decoded = decode_role_tags(_one_hot(tags), offsets, ["location"], text)
    assert [text[d.start:d.end] for d in decoded] == ["Port-au-Prince"]


@pytest.mark.parametrize("sentence, dateline", [
    ("MAIDUGURI, Nigeria (AP) — Gunmen killed 12 villagers.", "MAIDUGURI, Nigeria (AP) — "),
    ("KYIV, Jan 3 (Reuters) - Drones struck Odesa.", "KYIV, Jan 3 (Reuters) - "),
    ("BAMAKO (Mali), 3 janvier (AFP) - Des hommes armés ont attaqué.", "BAMAKO (Mali), 3 janvier (AFP) - "),
    ("МОСКВА, 3 янв — РИА Новости. Боевики атаковали блокпост.", "МОСКВА, 3 янв — РИА Новости. "),
    ("AHMEDABAD: Police fired tear gas.", "AHMEDABAD: "),
    ("مايدوغوري (نيجيريا) - (رويترز) - قتل مسلحون عشرة قرويين.", "مايدوغوري (نيجيريا) - (رويترز) - "),
    ("NATO - the alliance - said it would meet.", ""),
    ("UN troops and M23 rebels fought near Goma.", ""),
])
def test_datelines_are_recognised_in_several_scripts(sentence, dateline):
    from flashpoint.datelines import dateline_end

    assert sentence[: dateline_end(sentence)] == dateline


def test_a_dateline_never_yields_an_actor_or_target(ontology):
    """Scripted backend: the tagger tags the dateline's place as actor and location; the
    pipeline keeps it as a location of the sentence it opens only."""
    from flashpoint.pipeline import InputDocument, Pipeline
    from flashpoint.spans import DecodedSpan

    text = "Headline here\n\nKIDAL, Mali (AFP) — Gunmen attacked a convoy. Soldiers arrested KIDAL residents."
    pipeline = Pipeline.__new__(Pipeline)
    pipeline.ontology = ontology
    pipeline.thresholds = np.full(len(ontology.type_ids), 0.5, dtype=np.float32)
    attack = ontology.type_index["attack"]

    def score_sentences(texts, tag_types=None):
        scores = np.zeros((len(texts), len(ontology.type_ids)), dtype=np.float32)
        arguments = []
        for row, sentence in enumerate(texts):
            scores[row, attack] = 0.9
            place = sentence.index("KIDAL") if "KIDAL" in sentence else 0
            arguments.append({attack: [DecodedSpan("actor", place, place + 5, 0.9),
                                       DecodedSpan("location", place, place + 5, 0.9)]})
        return scores, arguments

    pipeline.score_sentences = score_sentences
    document = pipeline.run([InputDocument("d1", text, lang="en")])[0]
    by_sentence = {e.sentence_index: [(a.role, a.text) for a in e.arguments] for e in document.events}
    assert by_sentence[1] == [("location", "KIDAL")]                       # the dateline's sentence
    assert by_sentence[2] == [("actor", "KIDAL"), ("location", "KIDAL")]   # not a dateline there
