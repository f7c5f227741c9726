"""The two candidate finders of the mention tagger find the same whole-word occurrences."""

import os
import random

import pytest

from prevalence.catalog import load_catalog
from prevalence.config import ReadOptions
from prevalence.corpus import list_shards, read_shard
from prevalence.tagging.matcher import AhoCorasickMatcher, build_matcher, hyperscan_available
from prevalence.tagging.mentions import MentionTagger, _lower_same_length

pytestmark = pytest.mark.skipif(not hyperscan_available(), reason="no hyperscan wheel on this platform: nothing to compare")

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "data", "sample")
KEYS = ["pelé", "lincoln", "abraham lincoln", "jr.", "hal 9000", "żółw", "李白", "o'brien", "st. paul", "_x", "a", "ab", "b"]


def both(keys):
    return build_matcher(keys, "hyperscan"), AhoCorasickMatcher(keys)


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
def test_engines_agree_on_unicode_edges(text):
    hs, ac = both(KEYS)
    assert sorted(hs.candidates(text)) == sorted(ac.candidates(text))


def test_engines_agree_on_fuzzed_text():
    """Random texts built from key pieces and awkward neighbours, ASCII and not."""
    hs, ac = both(KEYS)
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
        low = _lower_same_length(text)
        hs = sorted(tagger_hs._matcher.candidates(low))
        assert hs == sorted(tagger_ac._matcher.candidates(low))
        found += len(hs)
        assert tagger_hs.analyse(text) == tagger_ac.analyse(text)
    assert found > 10_000


def test_matchers_survive_pickling():
    import pickle

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
    fallback._matcher = AhoCorasickMatcher(fallback._phrases)
    texts = [*sample_texts, "As an AI language model, I hope this helps! Feel free to ask. — Pelé’s bot: as an ai, sure! here"]
    scores = [scorer.score(t) for t in texts]
    assert scores == [fallback.score(t) for t in texts]
    assert scores[-1] >= 2


@pytest.mark.parametrize("engine", ["hyperscan", "aho-corasick"])
def test_batch_scans_equal_text_by_text(engine):
    """One scan of a batch gives each text what a scan of that text alone gives: keys laid across the seam
    of two texts match in neither, offsets are characters of their own text, ASCII and not."""
    matcher = build_matcher(KEYS, engine)
    rng = random.Random(11)
    alphabet = ["pelé", "lincoln", "abraham", " ", " ", "é", "ß", "_", "9", "²", ".", "李", "白", "a", "b", "hal", "000", "\u0301"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    texts += ["abra", "ham lincoln", "linc", "oln", "", "a", "b", "pel", "é", "lincoln"]  # seams that spell keys
    ascii_only = [t.encode("ascii", "ignore").decode() for t in texts]
    for batch in (texts, ascii_only, texts[:1], []):
        assert [sorted(c) for c in matcher.candidates_many(batch)] == [sorted(matcher.candidates(t)) for t in batch]


def test_batch_scan_without_keys():
    matcher = build_matcher([], "hyperscan")
    assert matcher.candidates_many(["lincoln", ""]) == [[], []]
