"""The two candidate finders of the mention tagger find the same whole-word occurrences."""

import os
import random

import pickle

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from prevalence.catalog import load_catalog
from prevalence.config import ReadOptions
from prevalence.corpus import list_shards, read_shard
from prevalence.tagging.matcher import AhoCorasickMatcher, as_arrow, build_matcher, hyperscan_available, rows_containing, rows_matching
from prevalence.tagging.lowercase import lower_same_length
from prevalence.tagging.base import Documents
from prevalence.tagging.mentions import MentionTagger

pytestmark = pytest.mark.skipif(not hyperscan_available(), reason="no hyperscan wheel on this platform: nothing to compare")

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "data", "sample")
KEYS = ["pelé", "lincoln", "abraham lincoln", "jr.", "hal 9000", "żółw", "李白", "o'brien", "st. paul", "_x", "a", "ab", "b"]


def both(keys, whole_words=False):
    return build_matcher(keys, "hyperscan", whole_words), AhoCorasickMatcher(keys)


@pytest.fixture(scope="module")
def sample_texts():
    shards, _ = list_shards([SAMPLE])
    texts = [t for s in shards for b in read_shard(s, ReadOptions()) for t in b.column("text").to_pylist() if t]
    assert len(texts) > 500
    return [" ".join(t.split()) for t in texts]


@pytest.mark.parametrize("text", [
    "pelé scored; pelés did not; xpelé neither; (pelé) yes",
    "lincolné lincoln² lincoln_ _lincoln lincoln\u0301 lincoln· éabraham lincoln",
    "żółw żółwie 李白李白 李白 o'brien's st. paul jr.s jr. hal 9000 hal 90001",
    "a b ab aab _x x_x _x_ ab",
    "ǅlincoln lincolnǅ ﬁlincoln lincoln\U0001f600 \U0001f600lincoln\ud800 lincoln",
    "",
])
@pytest.mark.parametrize("whole_words", [False, True])
def test_engines_agree_on_unicode_edges(text, whole_words):
    hs, ac = both(KEYS, whole_words)
    assert sorted(hs.candidates(text)) == sorted(ac.candidates(text))


@pytest.mark.parametrize("whole_words", [False, True])
def test_engines_agree_on_fuzzed_text(whole_words):
    """Random texts built from key pieces and awkward neighbours, ASCII and not; with whole_words, the
    short keys (`a`, `ab`, `b`, `_x`) are bounded by Hyperscan's `\\b` before the word test."""
    hs, ac = both(KEYS, whole_words)
    alphabet = ["pelé", "lincoln", "abraham", " ", " ", "é", "ß", "_", "9", "²", ".", "'", "李", "白", "a", "b", "hal", "000", "\u0301", "ǅ"]
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert sorted(hs.candidates(text)) == sorted(ac.candidates(text)), text


def test_engines_agree_on_the_sample_corpus(sample_texts):
    catalog = load_catalog()
    tagger_hs = MentionTagger(catalog, engine="hyperscan")
    tagger_ac = MentionTagger(catalog, engine="aho-corasick")
    found = 0
    for text in sample_texts:
        low = lower_same_length(text)
        hs = sorted(tagger_hs._matcher.candidates(low))
        assert hs == sorted(tagger_ac._matcher.candidates(low))
        found += len(hs)
        assert tagger_hs.analyse(text) == tagger_ac.analyse(text)
    assert found > 10_000


# Cue-only keys shared by several personas, digit-led keys (`007`, `2001`) inside and outside numbers,
# cues next to aliases, and a cue in a word (`hogwartsy`): what the batch counts apart from the rest.
CUE_TEXTS = ["At Hogwarts the Quidditch cup went to Gryffindor, and Harry flew.",
             "He read Hamlet at Elsinore; Elsinore is cold. Regan and Goneril.",
             "Bond, 007, and 1,007 agents; in 2001 and in 3,2001 a HAL 9000 spoke.",
             "hogwartsy hogwarts HOGWARTS Hogwarts. Baker Street, Scotland Yard, Holmes and Watson.",
             "", "Lincoln"]


@pytest.mark.parametrize("engine", ["hyperscan", "aho-corasick"])
def test_a_batch_scan_finds_what_each_texts_analysis_finds(sample_texts, engine):
    """`scan` (the batch: cue-only keys counted apart in numpy with hyperscan) gives every text the
    mentions, positions and support that `analyse` of that text alone gives (every candidate in Python)."""
    tagger = MentionTagger(load_catalog(), positions=True, engine=engine)
    texts = sample_texts + CUE_TEXTS
    hits, evidence = tagger.scan(Documents.of(texts))
    by_text: dict[int, dict] = {}
    for h in hits.to_pylist():
        by_text.setdefault(h["row"], {})[h["persona_id"]] = h["count"]
    cued = 0
    for i, text in enumerate(texts):
        located: list = []
        counts, support = tagger.analyse(text, located)
        assert by_text.get(i, {}) == counts, text[:200]
        assert evidence[i] == support, text[:200]
        cued += sum(1 for s, e, k in tagger._matcher.candidates(lower_same_length(text)) if tagger._cue_only[k])
    assert cued > 1000  # the sample corpus exercises the count apart
    # `hogwarts`, `HOGWARTS` and `Hogwarts`, not `hogwartsy`: three cues of Harry Potter, and of the others who share it.
    assert evidence[len(sample_texts) + 3][tagger.persona_ids.index("harry_potter")] == 3


def test_matchers_survive_pickling():
    hs = pickle.loads(pickle.dumps(build_matcher(KEYS, "hyperscan")))
    assert hs.candidates("pelé and lincoln") == [(0, 4, 0), (9, 16, 1)]


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown matcher engine 're2'"):
        build_matcher(KEYS, "re2")


def test_engines_agree_on_every_occurrence(sample_texts):
    """occurrences (no word test: the assistant-phrase scorer's input) agree too, offsets in characters."""
    hs, ac = both(KEYS)
    for text in ["pelé lincolnpelé xpelé 李白李白", "", "abab", *sample_texts[:200]]:
        low = text.lower()
        assert sorted(hs.occurrences(low)) == sorted(ac.occurrences(low))


def test_assistant_scores_agree_on_both_engines(sample_texts):
    from prevalence.tagging import assistant

    scorer = assistant.AssistantStyle()
    fallback = assistant.AssistantStyle()
    fallback._matcher = AhoCorasickMatcher(fallback._keys)
    texts = [*sample_texts, "As an AI language model, I hope this helps! Feel free to ask. — Pelé’s bot: as an ai, sure! here"]
    scores = [scorer.score(t) for t in texts]
    assert scores == [fallback.score(t) for t in texts]
    assert scores[-1] >= 2


@pytest.mark.parametrize("engine,whole_words", [("hyperscan", False), ("hyperscan", True), ("aho-corasick", False)])
def test_batch_scans_equal_text_by_text(engine, whole_words):
    """One scan of a batch gives each text what a scan of that text alone gives: keys laid across the seam
    of two texts match in neither, offsets are characters of their own text, ASCII and not."""
    matcher = build_matcher(KEYS, engine, whole_words)
    rng = random.Random(11)
    alphabet = ["pelé", "lincoln", "abraham", " ", " ", "é", "ß", "_", "9", "²", ".", "李", "白", "a", "b", "hal", "000", "\u0301"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    texts += ["abra", "ham lincoln", "linc", "oln", "", "a", "b", "pel", "é", "lincoln"]  # seams that spell keys
    ascii_only = [t.encode("ascii", "ignore").decode() for t in texts]
    for batch in (texts, ascii_only, texts[:1], []):
        expected = [sorted(matcher.candidates(t)) for t in batch]
        assert [sorted(c) for c in matcher.candidates_arrow(as_arrow(batch))] == expected
        for array in (pa.array(batch, pa.string()), pa.array(batch, pa.large_string())):
            assert [sorted(c) for c in matcher.candidates_arrow(array)] == expected
    # A slice of an array (its offsets start past zero), a chunked array, and a null text.
    array = pa.array(texts[:50] + [None], pa.string())
    expected = [sorted(matcher.candidates(t or "")) for t in texts[20:50] + [None]]
    assert [sorted(c) for c in matcher.candidates_arrow(array.slice(20))] == expected
    assert [sorted(c) for c in matcher.candidates_arrow(pa.chunked_array([array.slice(20, 10), array.slice(30)]))] == expected


@pytest.mark.parametrize("engine", ["hyperscan", "aho-corasick"])
def test_batch_occurrences_equal_text_by_text(engine):
    matcher = build_matcher(KEYS, engine)
    texts = ["pelé lincolnpelé xpelé 李白李白", "", "abab", "lincoln", "ab" * 50, "é" * 5 + "ab"]
    array = pa.array(["x"] + texts, pa.string()).slice(1)
    assert [sorted(o) for o in matcher.occurrences_arrow(array)] == [sorted(matcher.occurrences(t)) for t in texts]


@pytest.mark.parametrize("engine", ["hyperscan", "aho-corasick"])
@pytest.mark.parametrize("whole_words", [False, True])
def test_occurrences_in_a_few_long_texts_of_a_batch(engine, whole_words):
    """Character offsets where a few texts among many long non-ASCII ones hold keys (only those texts'
    bytes are read for them), and a key that runs from one text into the next is found in neither."""
    matcher = build_matcher(KEYS, engine, whole_words)
    filler = "ßé漢 " * 300
    texts = [filler] * 40 + ["é" * 200 + " lincoln é pelé", filler, "李白 " * 50 + "o'brien", "abraham linc", "oln abraham"] + [filler] * 40
    expected = [sorted(matcher.candidates(t)) for t in texts]
    assert [sorted(c) for c in matcher.candidates_arrow(pa.array(texts, pa.string()))] == expected
    assert sum(map(len, expected)) >= 4 and expected[0] == [] and expected[-2] == []
    if not whole_words:
        assert [sorted(o) for o in matcher.occurrences_arrow(pa.array(texts, pa.string()))] == [sorted(matcher.occurrences(t)) for t in texts]


def test_literals_found_in_the_same_scan_leave_the_candidates_as_they_were():
    """A whole-word matcher given literals finds the same key candidates as without them, and reports
    every occurrence of a literal, inside words too, with its text."""
    rng = random.Random(19)
    alphabet = ["pelé", "lincoln", "abraham", " ", "é", "_", "9", "hope this", "xhope this helpsx", "a", "b", "李白"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(2000)]
    plain = build_matcher(KEYS, "hyperscan", whole_words=True)
    both = build_matcher(KEYS, "hyperscan", whole_words=True, literals=("hope this", "a b"))
    array = pa.array(texts, pa.string())
    found, (docs, literals) = both.scan_candidates(array)
    assert [x.tolist() for x in found[2:]] == [x.tolist() for x in plain.candidate_bytes(array)[2:]]
    # (Neither literal can overlap itself, so str.count counts every occurrence.)
    want = sorted((i, j) for i, t in enumerate(texts) for j, lit in enumerate(("hope this", "a b")) for _ in range(t.count(lit)))
    assert sorted(zip(docs.tolist(), literals.tolist())) == want and len(want) > 100
    assert pickle.loads(pickle.dumps(both)).literals == ("hope this", "a b")


def test_a_whole_word_matcher_refuses_occurrences_inside_words():
    with pytest.raises(ValueError, match="whole_words=False"):
        build_matcher(KEYS, "hyperscan", whole_words=True).occurrences("ab")


def test_short_keys_inside_words_are_dropped_by_the_scan():
    """`eve` inside `every` never reaches Python: Hyperscan's `\\b` drops it; next to a non-ASCII letter
    it does reach the word test, which drops it there."""
    matcher = build_matcher(["eve", "evening"], "hyperscan", whole_words=True)
    assert matcher.candidates("every eve, evening; éeve eveé eve") == [(6, 9, 0), (11, 18, 1), (30, 33, 0)]
    assert pickle.loads(pickle.dumps(matcher)).whole_words


@pytest.mark.parametrize("hyperscan", [True, False])
def test_rows_containing_finds_each_character(hyperscan, monkeypatch):
    if not hyperscan:
        monkeypatch.setattr("prevalence.tagging.matcher.hyperscan_available", lambda: False)
    texts = ["plain", "ΣΑΣ", None, "", "İ", "a\U00016ea0b", "σ", "x" * 10 + "Σ"]
    array = pa.array(["Σ"] + texts).slice(1)
    assert rows_containing(array, "Σİ\U00016ea0").tolist() == [False, True, False, False, True, True, False, True]
    assert rows_containing(array, "").tolist() == [False] * len(texts)
    assert rows_containing(pa.array([], pa.string()), "Σ").tolist() == []


def test_batch_scan_without_keys():
    matcher = build_matcher([], "hyperscan")
    assert matcher.candidates_arrow(as_arrow(["lincoln", ""])) == [[], []]


@pytest.mark.parametrize("hyperscan", [True, False])
@pytest.mark.parametrize("pattern", [None, "ab+c", "x[^z]*c", "[\"”’'][ \\t\\n]*(?:--|—)"])
def test_rows_matching_is_re2s_answer(sample_texts, pattern, hyperscan, monkeypatch):
    """One Hyperscan scan of a batch gives each text what RE2 gives it: real texts, and texts whose
    neighbours end and start with part of a match (a match across two texts counts for neither, unless
    the later text holds one of its own: `x` then `xc` for `x[^z]*c`, where the match that starts
    leftmost runs across), nulls, empty texts, slices and large strings."""
    from prevalence.tagging.authors import MAY_ATTRIBUTE

    pattern = pattern or MAY_ATTRIBUTE
    if not hyperscan:  # the RE2 pass a platform without the wheel runs
        monkeypatch.setattr("prevalence.tagging.matcher.hyperscan_available", lambda: False)
    rng = random.Random(3)
    pieces = ['he said "', "-- Twain", "ab", "bc", "abbc", "x", "xc", "“Yes.”", "\n— Ann", "x", "’ ", "~ b", "a ’\n~b", "c", "", "é"]
    made = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 3))) for _ in range(3000)]
    texts = sample_texts[:300] + made + [None, "", '"', "-- Ann", '"', 'x "--', "a", "bc", "x", "xc"]
    for array in (pa.array(texts), pa.array(texts, pa.large_string()), pa.array(["ab", *texts]).slice(1), pa.chunked_array([texts[:99], texts[99:]])):
        expected = pc.fill_null(pc.match_substring_regex(array, pattern), False).to_numpy(zero_copy_only=False)
        assert rows_matching(array, pattern).tolist() == expected.tolist()
        assert 20 < expected.sum() < len(texts) - 20
    assert rows_matching(pa.array([], pa.string()), pattern).tolist() == []


@pytest.mark.parametrize("pattern", ["(?m:^a)", "^a", "a$", r"\bab", r"a\B", r"\Aa"])
def test_rows_matching_refuses_anchors_and_word_boundaries(pattern):
    """The batch is one buffer to the scan, where a text's first character is no line start: a pattern
    that reads text edges is refused in one line, not answered wrong (a `[^` class is no anchor)."""
    with pytest.raises(ValueError, match="anchors or word boundaries"):
        rows_matching(pa.array(["a", "ab"]), pattern)
    assert rows_matching(pa.array(["a", "xb", r"a^b"]), r"[^a]b|a\^b").tolist() == [False, True, True]
