"""The compiled proof that an alias occurrence is clear of the context rules (tagging/context_clear.py):
an occurrence it clears is one `context.rejection` accepts, on real text and on real text altered around
every alias with the characters and words the rules read; and the mention tagger counts the same with
and without it."""

import random
import re

import numpy as np
import pyarrow as pa
import pytest

from prevalence import compiled
from prevalence.catalog import load_catalog
from prevalence.compiled import utf8_buffers
from prevalence.tagging import context, context_clear
from prevalence.tagging.base import Documents
from prevalence.tagging.lowercase import lower_array_same_length
from prevalence.tagging.mentions import MentionTagger
from tests.unit.test_compiled_kernels import sample_texts  # noqa: F401 - a fixture
from tests.unit.test_mention_context import NOT_THE_PERSONA

pytestmark = pytest.mark.skipif(not compiled.available(), reason="numba is not importable here (or PREVALENCE_COMPILED=off): every occurrence goes to rejection")

# What the rules read next to an alias: each kind of neighbour, ASCII and not, and characters whose
# lowercase is wider or narrower in UTF-8 (İ, Ⱥ), which shift byte offsets between a text and its lowering.
NEIGHBOURS = ["the city of", "a sequel to", "starred in", "a sort of", "the 1931 film", "a ship called", "a modern", "another",
              "President", "Mr.", "When", "The", "In", "Camp", "Fort", "Young", "Republican", "Samantha", "of", "to", "in",
              "Memorial", "College", "finches", "'s", "’s", " 's", "Jr.", "III", "and the Half-Blood Prince", "and", "(film)",
              "(1931 film)", '"', "“", "”", "'", "‘", "-", "--", "—", "–", "(", ")", ",", ".", ";", "!", "?", ":", "é", "É", "İ",
              "Ⱥ", "ß", "\u00a0", "\u2009", "\x1c", "\t", "x" * 70, "Beckham", "McCartney", "was", "said", "memorial", "ring",
              "islands", "Lincoln", "Dracula", "Napoleon", "Hamlet", "Jesus", "Christ", "David", "Paul", "Washington",
              "'s law", "’s theorem", "'s Law", " 's comet", "'s  ring", "' disease", "’ wager", "’s", "'", "’", "'sx",
              "'s (film)", "’ (film)", "’s finches.", "'s--law", "and the Half", "and the <unk>", "and the cat", "And the Half",
              "'s, law", "’s “razor”"]


@pytest.fixture(scope="module")
def tagger():
    return MentionTagger(load_catalog())


def altered(texts: list[str], seed: int, n: int) -> list[str]:
    """Real texts with neighbours put before and after the catalog's names, at random."""
    rng = random.Random(seed)
    names = ["Lincoln", "Abraham Lincoln", "Darwin", "Napoleon", "Dracula", "Hamlet", "Jesus", "David", "Paul", "Caesar",
             "Washington", "Harry Potter", "Einstein", "Judas"]
    pattern = re.compile("|".join(map(re.escape, names)))
    out = []
    for _ in range(n):
        text = rng.choice(texts)
        start = rng.randrange(max(1, len(text) - 3000))
        piece = text[start : start + 3000]

        def around(m):
            before = rng.choice(NEIGHBOURS) + rng.choice(["", " ", "  "]) if rng.random() < 0.6 else ""
            after = rng.choice(["", " ", "  "]) + rng.choice(NEIGHBOURS) if rng.random() < 0.6 else ""
            return before + m.group(0) + after

        piece = pattern.sub(around, piece)
        words = piece.split(" ")
        for _ in range(rng.randint(0, 4)):  # names, too, where the text has none
            i = rng.randrange(len(words) + 1)
            words.insert(i, around(re.match(".*", rng.choice(names))))
        out.append(" ".join(words))
    return out


def clear_and_rejections(tagger, texts: list[str]) -> tuple[int, int, list]:
    """(occurrences tried, occurrences cleared, the cleared ones that rejection rejects for some entry)."""
    docs = Documents.of(texts)
    normalised = docs.batch.column("normalised")
    lows = lower_array_same_length(normalised, docs.lowered("normalised"))
    found = tagger._candidates(lows, normalised)[0]  # occurrences of cue-only keys are counted apart
    tried = cleared = 0
    wrong = []
    for text, candidates in zip(docs.column("normalised"), found):
        for start, end, key, clear in candidates:
            entries = tagger._entries[key]
            tried += 1
            if not clear:
                continue
            cleared += 1
            for e in entries:
                why = context.rejection(text, start, end, tagger._own_words[e.persona], e.persona in tagger._fictional)
                if why is not None:
                    wrong.append((why, text[max(0, start - 70) : end + 50]))
    return tried, cleared, wrong


def test_what_is_cleared_is_accepted_by_rejection_on_real_text(tagger, sample_texts):  # noqa: F811
    tried, cleared, wrong = clear_and_rejections(tagger, sample_texts)
    assert not wrong, wrong[:5]
    assert tried > 5000 and cleared > tried / 4  # the proof clears a good share, or it saves nothing


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_what_is_cleared_is_accepted_by_rejection_on_altered_text(tagger, sample_texts, seed):  # noqa: F811
    tried, cleared, wrong = clear_and_rejections(tagger, altered(sample_texts, seed, 150))
    assert not wrong, wrong[:5]
    assert cleared > 200 and cleared < tried


def test_mentions_are_the_same_without_the_proof(tagger, sample_texts, monkeypatch):  # noqa: F811
    texts = sample_texts[::2] + altered(sample_texts, 4, 100) + [s for s, _ in NOT_THE_PERSONA]
    with_proof = tagger.scan(Documents.of(texts))
    monkeypatch.setattr("prevalence.tagging.mentions.clear_occurrences", lambda *a, **k: None)
    without = tagger.scan(Documents.of(texts))
    assert with_proof[0].equals(without[0]) and with_proof[1] == without[1]
    assert with_proof[0].num_rows > 500


def test_the_sentences_of_the_context_rules_read_the_same_in_a_batch(tagger):
    """Each sentence that names an alias but means someone else: the batch path (with the proof) counts
    what `analyse` (without it) counts."""
    texts = [s for s, _ in NOT_THE_PERSONA]
    hits = tagger.scan(Documents.of(texts))[0].to_pylist()
    for i, text in enumerate(texts):
        assert {h["persona_id"]: h["count"] for h in hits if h["row"] == i} == tagger.analyse(" ".join(text.split()))[0]


def test_a_lowering_that_changes_byte_widths_clears_nothing_after_it(tagger):
    """`Ⱥ`, `ẞ` and the Kelvin sign lower to characters of other UTF-8 widths: past them the lowered text's
    byte offsets no longer fall on the text's, so no occurrence after them is cleared, while one before
    them is. `İ` lowers (in `lowercase`) to a character as wide, and changes nothing."""
    for odd, after in (("Ⱥ", False), ("ẞ", False), ("\u212a", False), ("İstanbul", True), ("é", True)):
        texts = [f"Darwin wrote on {odd} and Darwin sailed on."]
        docs = Documents.of(texts)
        normalised = docs.batch.column("normalised")
        found = tagger._candidates(lower_array_same_length(normalised, docs.lowered("normalised")), normalised)[0][0]
        darwins = [c for c in found if texts[0][c[0] : c[1]] == "Darwin"]
        assert [c[3] for c in darwins] == [True, after], (odd, found)


def test_a_window_rule_ending_in_of_to_or_in_needs_one_of_its_words_before():
    """WORDS_BEFORE_LAST lists every word that lets a window rule match a window ending `W of`, `W to`
    or `W in`: tried with every word the rules' patterns hold, after each determiner they accept."""
    sources = " ".join(p.pattern for p in (context.EPONYM_BEFORE, context.WORK_BEFORE, context.NAMED, context.EPITHET_BEFORE))
    words = set(re.findall(r"[a-z][a-z-]*", sources)) | {"the", "a", "man", "house", "sort", "city", "1931"}
    rules = (context.EPONYM_BEFORE, context.WORK_BEFORE, context.NAMED, context.EPITHET_BEFORE)
    for last, allowed in context.WORDS_BEFORE_LAST.items():
        assert last in context.WINDOW_LAST_WORDS
        for lead in ("", "the ", "a ", "his ", "the 1931 ", "a modern "):
            for word in words:
                window = f"they saw {lead}{word} {last} "
                if any(rule.search(window) for rule in rules):
                    assert word in allowed, (window, last)


def test_the_hash_of_a_word_is_the_kernels():
    data = np.frombuffer(b"City Of Lincoln", np.uint8)
    offsets = np.array([0, len(data)], np.int64)
    assert context_clear.fnv1a("of") != context_clear.fnv1a("to")
    # `of` lowered by the kernel hashes as `of`: the window `City Of` is a window rule's (the city of).
    assert not context_clear.clear_occurrences(data, offsets, data, offsets, np.array([0]), np.array([8]), np.array([15]))[0]
    free = np.frombuffer(b"Tea of Lincoln", np.uint8)
    assert context_clear.clear_occurrences(free, offsets - [0, 1], free, offsets - [0, 1], np.array([0]), np.array([7]), np.array([14]))[0]


def test_a_batch_with_no_occurrence_and_one_without_text():
    texts = pa.array(["", "nothing here"], pa.string())
    _, offsets, data = utf8_buffers(texts)
    out = context_clear.clear_occurrences(data, offsets, data, offsets, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    assert out is not None and len(out) == 0
