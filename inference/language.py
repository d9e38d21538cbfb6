"""Language identification for documents that arrive without a ``lang`` field.

py3langid is small (a few MB), fast, offline and covers 97 languages. The result
only chooses the sentence splitter: the encoder itself is multilingual.
"""

from __future__ import annotations



def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of the most likely language of ``text``."""
    import py3langid

    lang, _ = py3langid.classify(text[:2000])
    return str(lang)
