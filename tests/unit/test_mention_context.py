"""Mentions that are really the persona: the context rules of tagging/context.py, on sentences written
for these tests (none is copied from a corpus)."""

import pytest

from prevalence.catalog import load_catalog
from prevalence.tagging.mentions import MentionTagger


@pytest.fixture(scope="module")
def tagger():
    return MentionTagger(load_catalog())


def found(tagger, text):
    return tagger.analyse(" ".join(text.split()))[0]


# Each sentence names the persona's alias, but means someone or something else.
NOT_THE_PERSONA = [
    # 1. another person who shares the name
    ("The striker David Okonkwo scored twice for the visitors in the Bible Belt derby.", "king_david"),
    ("A bust of Tiberius Caesar stood beside the bust of Julius Caesar.", None),
    ("They toured with George Washington Dimsdale, a banjo player from Ohio.", "george_washington"),
    ("The USS Abraham Lincoln returned to port after a long deployment.", "abraham_lincoln"),
    ("Fans of Paul Ekwueme queued outside the stadium in the rain.", "paul_the_apostle"),
    # 2. things named after the persona
    ("Students of Lincoln Memorial University marched past the Abraham Lincoln statue park.", None),
    ("She won the Darwin Awards voting by a wide margin.", "charles_darwin"),
    ("The astronomers imaged an Einstein ring around the distant galaxy.", "albert_einstein"),
    ("Our regatta crew from Jesus College rowed well in the spring races.", "jesus"),
    ("The Poseidon submarines carried missiles.", "poseidon"),
    ("The fishermen sailed past the islands of St. Paul in the fog.", "paul_the_apostle"),
    # 3. works titled by the persona's name
    ("Critics praised the premiere of Napoleon at the festival, a four-hour silent epic.", "napoleon_bonaparte"),
    ("The studio announced a sequel to Dracula for next spring.", "dracula"),
    ('The reviewer called "Hamlet" the longest play she had sat through.', "hamlet"),
    # 4. epithets and names given to others
    ("When the votes were counted he turned out a Judas to his own party.", "judas_iscariot"),
    ("The band kept a parrot named Napoleon in the studio.", "napoleon_bonaparte"),
]


@pytest.mark.parametrize("text, persona", NOT_THE_PERSONA)
def test_occurrences_that_are_not_the_persona_do_not_count(tagger, text, persona):
    counts = found(tagger, text)
    if persona is None:  # only the full name counts
        assert counts.get("julius_caesar", 0) + counts.get("abraham_lincoln", 0) <= 1
    else:
        assert persona not in counts, counts


STILL_THE_PERSONA = [
    ("King David danced before the ark, and David sang.", "king_david", 2),
    ("When Lincoln spoke at Gettysburg, Abraham Lincoln was brief.", "abraham_lincoln", 2),
    ("Jesus Christ taught in parables; Jesus spoke to the crowd.", "jesus", 2),
    ("Abraham Lincoln's assassination shocked the nation.", "abraham_lincoln", 1),
    ("Historians still study the Abraham Lincoln administration and its cabinet.", "abraham_lincoln", 1),
    ("Presidents Thomas Jefferson, Abraham Lincoln and Theodore Roosevelt are carved in stone.", "abraham_lincoln", 1),
    ("In 1863 Abraham Lincoln issued the proclamation.", "abraham_lincoln", 1),
    ("Napoleon Bonaparte crossed the Alps; Napoleon was thirty.", "napoleon_bonaparte", 2),
    ("Then said Jesus to the multitude, follow me.", "jesus", 1),
    ("General George Washington crossed the Delaware.", "george_washington", 1),
]


@pytest.mark.parametrize("text, persona, n", STILL_THE_PERSONA)
def test_occurrences_that_are_the_persona_still_count(tagger, text, persona, n):
    assert found(tagger, text).get(persona) == n


def test_a_full_name_that_is_not_a_mention_still_supports_short_aliases(tagger):
    text = 'Delay not, Caesar. Read it. -- from the play "Julius Caesar"'
    assert found(tagger, text) == {"julius_caesar": 1}


def test_a_title_of_the_shape_x_and_the_y_is_a_work_only_for_fictional_characters(tagger):
    assert "harry_potter" not in found(tagger, "The release of Harry Potter and the Goblet of Fire broke records.")
    assert found(tagger, "Not since President Lincoln and the Civil War has the union been so tested.") == {"abraham_lincoln": 1}


def test_an_adjective_before_a_full_name_is_no_other_person(tagger):
    assert found(tagger, "I believe what Republican Abraham Lincoln believed about government.") == {"abraham_lincoln": 1}


def test_window_gate_never_hides_a_window_rule():
    """window_may_match is only a shortcut: whenever one of the four window rules matches, it says so."""
    import random

    from prevalence.tagging.context import EPITHET_BEFORE, EPONYM_BEFORE, NAMED, WORK_BEFORE, window_may_match

    # Written out here, not taken from the gate's own word list, so that a word missing there fails.
    lasts = """of to in named called nicknamed dubbed christened a an another every some no modern latter-day modern-day
    new second real regular little young veritable film movie novel novella opera operetta musical album song single
    game episode series sitcom play ballet poem the his x""".split()
    leads = ["the", "a", "city", "island", "premiere", "sequel", "starred", "sort", "his", "1931", "video", "x", "(", "—",
             "her", "girlfriend", "ship", "soundtrack", "cast", "role", "some", "sort of", "an", "tv"]
    gaps = [" ", " ", "  ", "", " \"", "\" ", "(", "\n", " “", " '"]
    rng = random.Random(11)
    matched = 0
    for _ in range(20000):
        head = "".join(rng.choice(leads) + rng.choice(gaps) for _ in range(rng.randint(0, 3)))
        window = (head + rng.choice(lasts) + rng.choice(gaps)).lower()
        if any(rule.search(window) for rule in (EPONYM_BEFORE, WORK_BEFORE, NAMED, EPITHET_BEFORE)):
            matched += 1
            assert window_may_match(window), window
    assert matched > 1000


def test_work_after_gate_never_hides_a_title_in_brackets():
    """_may_open_work_after is only a shortcut: whenever WORK_AFTER matches, it lets the text through."""
    import random

    from prevalence.tagging.context import WORK_AFTER, _may_open_work_after

    starts = ["", " ", "  ", "\"", "”", "'", "\" ", "\u00a0", "\u3000", "\t", "'s ", ",", "x", "“"]
    bodies = ["(film)", "(1931 film)", "(novel)", "(tv series)", "(Film)", "(Musical)", "(the play)", "( film)", "film", "[film]"]
    rng = random.Random(4)
    matched = turned_away = 0
    for _ in range(20000):
        rest = "".join(rng.choice(starts) for _ in range(rng.randint(0, 3))) + rng.choice(bodies) + rng.choice(["", " of", "..."])
        if WORK_AFTER.match(rest.lower()):
            matched += 1
            assert _may_open_work_after(rest), rest
        turned_away += not _may_open_work_after(rest)
    assert matched > 2000 and turned_away > 2000
