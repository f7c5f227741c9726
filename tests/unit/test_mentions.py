"""The mention tagger on real sentences (several from the bundled sample corpus)."""

import pyarrow as pa
import pytest

from prevalence.catalog import load_catalog
from prevalence.tagging.matcher import hyperscan_available
from prevalence.tagging.mentions import MentionTagger, case_rule, EXACT, CAPITAL, ANY_CASE

# Every rule holds with both candidate finders: hyperscan, and the Aho-Corasick fallback.
ENGINES = ["aho-corasick", pytest.param("hyperscan", marks=pytest.mark.skipif(
    not hyperscan_available(), reason="no hyperscan wheel on this platform; the Aho-Corasick fallback is tested"))]


def mentions_in(tagger, text):
    """{persona_id: mentions} of one whitespace-normalised text."""
    return tagger.analyse(text)[0]


@pytest.fixture(scope="module", params=ENGINES)
def tagger(request):
    return MentionTagger(load_catalog(), engine=request.param)


def test_full_name_counts_without_any_cue(tagger):
    assert mentions_in(tagger, "The dedication was given by Abraham Lincoln in November.") == {"abraham_lincoln": 1}


def test_lincoln_nebraska_is_not_the_president(tagger):
    text = "Abraham Lincoln gave his name to many places. The capital Lincoln, Nebraska was named in 1867."
    assert mentions_in(tagger, text) == {"abraham_lincoln": 1}


def test_lincoln_navigator_is_not_the_president(tagger):
    text = "After the Gettysburg reenactment he drove home in a Lincoln Navigator."
    assert mentions_in(tagger, text) == {}


def test_lincoln_avenue_from_wikitext_is_not_the_president(tagger):
    text = "US 2 / US 41 / M ‑ 35 continues north on Lincoln Avenue past the campus of Bay de <unk> Community College ."
    assert mentions_in(tagger, text) == {}


def test_lincoln_bombers_are_not_the_president(tagger):
    text = "During the Civil War in Malaya the Lincoln bombers carried out bombing raids against communist camps ."
    assert mentions_in(tagger, text) == {}


def test_lincoln_alone_without_cue_does_not_count(tagger):
    assert mentions_in(tagger, "Lincoln is a small town with a cathedral and a castle.") == {}


def test_lincoln_alone_counts_next_to_a_cue(tagger):
    text = "Lincoln issued the Emancipation Proclamation, and Lincoln spoke at Gettysburg."
    assert mentions_in(tagger, text) == {"abraham_lincoln": 2}


def test_harry_alone_is_not_harry_potter(tagger):
    assert mentions_in(tagger, "Harry went down to the harbour to buy fish.") == {}


def test_harry_near_hogwarts_is_harry_potter(tagger):
    counts = mentions_in(tagger, "Harry caught the train to Hogwarts, where Harry met Ron.")
    assert counts == {"harry_potter": 2, "ron_weasley": 1}


def test_abraham_lincoln_is_not_also_the_patriarch(tagger):
    counts = mentions_in(tagger, "Abraham Lincoln read of Abraham and Sarah in Canaan.")
    assert counts == {"abraham_lincoln": 1, "abraham_patriarch": 1}


def test_shared_short_alias_goes_to_the_persona_its_cues_support(tagger):
    winter = mentions_in(tagger, "Leontes accuses Hermione of betraying him with Polixenes.")
    hogwarts = mentions_in(tagger, "Hermione raised her hand first in every class at Hogwarts.")
    assert "hermione_winters_tale" in winter and "hermione_granger" not in winter
    assert "hermione_granger" in hogwarts and "hermione_winters_tale" not in hogwarts


def test_solomon_islands_are_not_king_solomon(tagger):
    text = "The campaign moved to the Solomon Islands, far from the temple of Jerusalem."
    assert "king_solomon" not in mentions_in(tagger, text)


def test_whole_words_only(tagger):
    assert mentions_in(tagger, "Hamletville is a village; Hamlet's soliloquy is famous.") == {"hamlet": 1}


def test_capitalised_alias_needs_a_capital_in_the_text(tagger):
    assert mentions_in(tagger, "At Hogwarts the potter shaped the clay.") == {}
    assert mentions_in(tagger, "At Hogwarts Potter shaped the clay.") == {"harry_potter": 1}


def test_all_caps_alias_matches_only_as_written(tagger):
    assert mentions_in(tagger, "JFK flew to Dallas.") == {"john_f_kennedy": 1}
    assert mentions_in(tagger, "the jfk files") == {}


def test_bond_number_inside_an_amount_is_not_james_bond(tagger):
    text = "The Treasury paid $1,007 in interest; Moneypenny is not involved."
    assert mentions_in(tagger, text) == {}


def test_rules_for_alias_case():
    assert case_rule("JFK") == EXACT and case_rule("HAL 9000") == EXACT
    assert case_rule("Harry Potter") == CAPITAL
    assert case_rule("the bard") == ANY_CASE


def test_author_archetype_names_are_not_mentions():
    from prevalence.catalog import catalog_from_records
    from prevalence.estimate import prevalence_table

    cat = catalog_from_records([{"id": "poet", "name": "Poet", "kind": "author_archetype"},
                                {"id": "homer", "name": "Homer", "kind": "historical_figure"}])
    counts = pa.table({"persona_id": pa.array([], pa.string()), "role": pa.array([], pa.string()),
                       "docs": pa.array([], pa.int64()), "count": pa.array([], pa.int64()), "tokens": pa.array([], pa.int64())})
    assert prevalence_table(counts, 10, 100, cat, ("mention",)).column("persona_id").to_pylist() == ["homer"]


def test_author_archetype_names_are_not_matched_by_the_tagger(tagger):
    assert mentions_in(tagger, "The Journalist interviewed a Novelist and a Poet.") == {}


def test_a_batch_counts_what_each_document_counts_alone(tagger):
    """`scan` over a batch, which reads a document's lowercase text only where a candidate's persona has
    anti-cues, counts what `analyse` counts document by document: anti-cues next to an alias
    (`Lincoln, Nebraska`, `Hamlet Cigars`, `Macbeth Ltd`) or not, digit-led aliases inside numbers, and
    letters whose lowercase is another width, in any order."""
    import random

    from prevalence.tagging.base import Documents

    texts = ["Abraham Lincoln gave his name to many places. The capital Lincoln, Nebraska was named in 1867.",
             "He smoked Hamlet Cigars while reading Hamlet, Prince of Denmark, and met Macbeth Ltd and Macbeth.",
             "The Bond fund paid 1,007 and 3.007 to James Bond fans.", "İstanbul ΣΟΦΙΑ Hamlet Township met Prince Hamlet.",
             "After the Gettysburg Address, Lincoln spoke again.", "Nothing to see here.", "", "Lincoln Nebraska Lincoln"]
    batch = [random.Random(seed).choice(texts) for seed in range(60)]
    hits = tagger.scan(Documents.of(batch))[0].to_pylist()
    for i, text in enumerate(batch):
        assert {h["persona_id"]: h["count"] for h in hits if h["row"] == i} == mentions_in(tagger, " ".join(text.split()))
    assert {h["persona_id"] for h in hits} >= {"abraham_lincoln", "hamlet", "macbeth"}
