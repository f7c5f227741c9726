"""Persona pairs per document: the cap, the word window, and mention positions."""

from prevalence.catalog import load_catalog
from prevalence.tagging.mentions import MentionTagger
from prevalence.tagging.mentions import word_positions
from prevalence.tagging.pairs import document_pairs, window_pairs


def test_document_pairs_among_the_top_personas_only():
    weights = {"c": 5, "a": 1, "b": 5, "d": 1}
    assert document_pairs(weights, 10) == [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]
    assert document_pairs(weights, 3) == [("a", "b"), ("a", "c"), ("b", "c")]  # d loses the tie with a by id
    assert document_pairs({"x": 1}, 20) == []


def test_window_pairs_need_mentions_close_together():
    located = [(0, "moses"), (3, "aaron"), (50, "pharaoh"), (58, "moses"), (200, "aaron")]
    assert window_pairs(located, 5, 20) == [("aaron", "moses")]
    assert window_pairs(located, 10, 20) == [("aaron", "moses"), ("moses", "pharaoh")]
    assert window_pairs(located, 1000, 2) == [("aaron", "moses")]  # pharaoh is outside the top 2


def test_mention_positions_become_word_indexes():
    tagger = MentionTagger(load_catalog())
    text = "Moses spoke to Aaron and then , much later , Abraham Lincoln spoke"
    located = []
    counts, _ = tagger.analyse(text, located)
    words = dict((pid, w) for w, pid in word_positions(text, located))
    assert words == {"moses": 0, "abraham_lincoln": 10} | ({"aaron": 3} if "aaron" in counts else {})
    assert sorted(pid for _, pid in located) == sorted(counts)
