"""The Arrow gates of the speaker tagger skip only documents in which a reading finds nothing.

Each gate is a superset test: where it says False, the Python reading it stands for must return
nothing. Checked on real plays, chats, quotations and prose, and on generated texts built to sit on
the edges (Unicode spaces, every line break str.splitlines knows, letters re.IGNORECASE folds). Each
test also asserts that the gate turns away a good share of its inputs, so a gate that lets
everything through fails too.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from prevalence.tagging import assistant, cast, dialogue, scripts
from prevalence.tagging.cast import cast_list
from prevalence.tagging.line_breaks import other_line_breaks
from tests.unit.test_speakers import _lines_to_check, _texts_to_check

LINE_BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
SPACES = [" ", "  ", "\t", "\xa0", "\u2003", "\u3000", "\x1f"]


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    return _texts_to_check()


def test_line_regex_lets_through_every_line_that_may_open_a_turn():
    lines = _lines_to_check()
    rng = random.Random(11)
    words = ["HAMLET", "Ham.", "1.", "Cit.", "First", "Citizen", "RICK", "[Ross]", "Note", "the", "of", "É", "ß", "Ünïcode", "x:", "A."]
    lines += [rng.choice(["", " ", "\t"]) + "".join(rng.choice(words) + rng.choice(SPACES) for _ in range(rng.randint(1, 8)))
              + rng.choice(["", ".", ":", ". speech", ": speech", " "]) for _ in range(20000)]
    got = pc.match_substring_regex(pa.array(lines), scripts._MAY_OPEN_TURN).to_numpy(zero_copy_only=False)
    for line, passed in zip(lines, got):
        if not passed:
            assert not scripts.may_open_turn(line, True) and not scripts.may_open_turn(line, False), repr(line)
    assert (~got).sum() > len(lines) // 3


def _as_documents(lines: list[str], rng: random.Random, n: int) -> list[str]:
    docs = []
    for _ in range(n):
        start = rng.randrange(len(lines))
        chunk = lines[start : start + rng.randint(1, 40)]
        docs.append("".join(line + (rng.choice(LINE_BREAKS) if rng.random() < 0.2 else "\n") for line in chunk))
    return docs


def _found_where_the_gate_passes(gate: np.ndarray, texts: list[str], read) -> int:
    """Asserts that `read` finds nothing (an empty list) in every text the gate turns away; returns the
    number of texts it finds something in."""
    found = 0
    for text, passed in zip(texts, gate):
        result = read(text)
        found += bool(result)
        if not passed:
            assert result == [], text[:200]
    return found


def test_script_gate_never_hides_a_script(real_texts):
    rng = random.Random(3)
    texts = real_texts + _as_documents(_lines_to_check(), rng, 4000)
    gate = scripts.may_have_script(pa.array(texts))
    found = _found_where_the_gate_passes(gate, texts, lambda t: scripts.script_turns(t, skip=cast_list(t.splitlines()).lines))
    assert found > 100 and (~gate).sum() > len(texts) // 3
    assert scripts.may_have_script(pa.array([None, "", "HAMLET.\nHi.\n\nHam.\nYo.\n\nHam.\nNo."])).tolist() == [False, False, True]


def test_script_turns_read_only_the_lines_the_gate_lets_through(real_texts):
    """script_turns given the gate's lines (`opens`) finds the turns it finds testing every line in
    Python, with and without a cast list's lines skipped, on real texts and on documents broken at every
    kind of line break, split at `\n` alone and at every break, in mixed batches."""
    rng = random.Random(8)
    texts = real_texts + _as_documents(_lines_to_check(), rng, 4000) + ["", "\n", "HAMLET: a\x0bHORATIO: b\x0bHAMLET: c\x0b"]
    for batch in (texts, [t for t in texts if t.count("\n") == len(t.splitlines())]):
        gate, opens = scripts.script_line_gate(pa.array(batch))
        assert gate.tolist() == scripts.may_have_script(pa.array(batch), literal_split=False).tolist()
        turned_away = turns = 0
        for text, passed, lines in zip(batch, gate, opens):
            assert (lines is not None) == passed
            if not passed:
                continue
            assert len(lines) >= len(text.splitlines())
            turned_away += lines.count(False)
            skip = cast_list(text.splitlines()).lines
            for cast in ((0, 0), skip):
                found = scripts.script_turns(text, skip=cast, opens=lines)
                assert found == scripts.script_turns(text, skip=cast), text[:200]
                turns += len(found)
        assert turns > 5000 and turned_away > 5000


def test_verb_test_never_hides_an_attribution_before_a_quote(real_texts):
    """Where `dialogue._may_end_with_verb` says False, BEFORE finds no speaker: on the window before every
    quotation mark of real texts, and on generated windows of names, every speech verb, words, commas,
    colons and Unicode spaces; and it turns most windows away."""
    rng = random.Random(13)
    windows = [t[max(0, i - dialogue.ATTRIBUTION_WINDOW) : i].replace("\n", " ")
               for t in real_texts for i in range(len(t)) if t[i] in "\"“‘'"]
    verbs = dialogue.VERBS.split("|")
    pieces = ["Alice", "the Hatter", "Mr. Holmes", "she", "quietly", "to", "him", "again", "then", "x", ",", ":", ";", "—", "!"]
    for _ in range(20000):
        words = [rng.choice(pieces + verbs + [v + rng.choice([",", ":", ",:", ""]) for v in verbs]) for _ in range(rng.randint(1, 9))]
        if rng.random() < 0.5:  # shaped like an attribution: a name, a verb, up to four words, a mark
            words = words[:2] + [rng.choice(pieces[:3]), rng.choice(verbs)] + rng.sample(pieces, rng.randint(0, 4))
        window = "".join(w + rng.choice(SPACES + [" ", ", ", " , ", " : "]) for w in words)
        windows.append(window[-rng.randint(1, 100):])
    matched = turned_away = 0
    for window in windows:
        found = dialogue.BEFORE.search(window) is not None
        matched += found
        if not dialogue._may_end_with_verb(window):
            turned_away += 1
            assert not found, repr(window)
    assert matched > 2000 and turned_away > len(windows) // 2


@pytest.mark.parametrize("line_break", LINE_BREAKS)
def test_script_gate_reads_every_line_break(line_break):
    text = line_break.join(["HAMLET: Who is there?", "HORATIO: Friends to this ground.", "HAMLET: Welcome.", ""])
    assert len(scripts.script_turns(text)) == 3
    assert scripts.may_have_script(pa.array([text])).tolist() == [True]


def _chat_variants(rng: random.Random, n: int) -> list[str]:
    """Chats in every markup, with role words in random case, letters swapped for the characters
    re.IGNORECASE folds to them, and line breaks of every kind."""
    roles = ["User", "Human", "Prompter", "Assistant", "AI", "GPT", "Bot", "Chatbot", "Model", "AI Assistant", "System",
             "### Instruction", "### Input", "### Response", "## Assistant", "Response"]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 5)):
            role = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in rng.choice(roles))
            role = role.replace("s", rng.choice(["s", "ſ"])).replace("i", rng.choice(["i", "ı"])).replace("I", rng.choice(["I", "İ"]))
            parts.append(rng.choice(["", " ", "\t"]) + role + rng.choice([":", " :", ":\t"]) + " words here " + rng.choice(LINE_BREAKS))
        out.append(rng.choice(["", "Intro text.\n"]) + "".join(parts))
    out += ["<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>", "[INST] hi [/INST] hello",
            "a user: said\nAssistant: x", "Users: many\nAssistant: one"]
    return out


def test_chat_gate_never_hides_a_chat(real_texts):
    texts = real_texts + _chat_variants(random.Random(5), 6000)
    gate = assistant.may_be_chat(pa.array(texts))
    found = _found_where_the_gate_passes(gate, texts, assistant.chat_turns)
    assert found > 500 and (~gate).sum() > len(real_texts) // 2


def test_chat_gate_reads_the_chat_pattern_as_re2_does(real_texts):
    """Line by line, the gate gives what RE2 gives over each whole text: a marker anywhere, or both a
    user-side and an assistant-side role line (`(?m:^)`), with and without the caller's lines, on real
    text and chats broken at every kind of line break."""
    texts = pa.array(real_texts + _chat_variants(random.Random(6), 3000)
                     + ["", "\n", "x\n  ## User: a", "x\n  ## User: a\nAI assistant : b", "User: a\nAI assistant b", None])

    def found(pattern: str) -> np.ndarray:
        return pc.fill_null(pc.match_substring_regex(texts, pattern), False).to_numpy(zero_copy_only=False)

    whole = found("|".join(assistant._MARKERS)) | (found(f"(?m:{assistant._USER_LINE})") & found(f"(?m:{assistant._ASSISTANT_LINE})"))
    assert np.array_equal(assistant.may_be_chat(texts), whole)
    assert np.array_equal(assistant.may_be_chat(texts, pc.split_pattern(pc.fill_null(texts, ""), "\n")), whole)
    assert whole[-3:].tolist() == [True, False, False]
    assert 300 < whole.sum() < len(texts) - 500


def test_chat_gate_turns_away_one_side_and_role_words_without_a_colon():
    """A user side alone, an assistant side alone, and role words that open a line but no role line
    (`Humans are`, `Instructions`, `userinfo`) do not pass; a marker passes alone."""
    texts = ["User: hi\nUser: again", "Assistant: hello\nAI: again", "Humans are odd.\nAI is new.", "Instructions\nResponse: x",
             "userinfo: a\nAssistant: b", "User: hi\nAssistant: hello", "### Instruction:\nsay hi\n### Response:\nhi",
             "<|im_start|>user", "[INST] hi"]
    assert assistant.may_be_chat(pa.array(texts)).tolist() == [False] * 5 + [True] * 4
    for text in texts[:5]:
        assert assistant.chat_turns(text) == []


def _with_casts(rng: random.Random, texts: list[str], n: int) -> list[str]:
    """Texts with a cast list put in at a random line: every heading form, in random case, with the
    characters re.IGNORECASE folds to its letters, Unicode spaces before it, and every line break."""
    headings = ["Dramatis Personae", "DRAMATIS PERSONÆ", "Persons Represented", "persons of the play", "Persons of the Drama",
                "Characters", "Characters in the Play", "Cast", "Cast of Characters", "Persons", "Names of the Actors"]
    out = []
    for _ in range(n):
        heading = "".join(c.upper() if rng.random() < 0.4 else c for c in rng.choice(headings))
        heading = heading.replace("s", rng.choice(["s", "ſ"])).replace("i", rng.choice(["i", "ı"])).replace("I", rng.choice(["I", "İ"]))
        heading = rng.choice(SPACES + [""]) + rng.choice(["", "The ", "the\u2003"]) + heading + rng.choice(["", ".", ":", " :"])
        brk = rng.choice(LINE_BREAKS)
        lines = rng.choice(texts).splitlines()[:60]
        at = rng.randint(0, len(lines))
        lines[at:at] = [heading, "HAMLET, Prince of Denmark.", "HORATIO, his friend.", "", ""]
        out.append(brk.join(lines))
    return out


def test_cast_gate_never_hides_a_cast_list(real_texts):
    """Where the gate says False, cast_list finds nothing: on real texts (also with `\r\n` and `\u2028` line
    ends) and on texts with cast lists of every heading form and line break; and it turns most real texts
    away, whatever their line breaks."""
    other_breaks = [t.replace("\n", "\r\n" if i % 2 else "\u2028") for i, t in enumerate(real_texts)]
    texts = real_texts + other_breaks + _with_casts(random.Random(9), real_texts, 3000) + ["", "Cast\n", None]
    array = pa.array(texts)
    lines = pc.split_pattern(pc.fill_null(array, ""), "\n")
    other = other_line_breaks(array)
    everyone = np.ones(len(texts), dtype=bool)
    gate = cast.may_have_cast(array, other, lines, everyone)
    found = 0
    for text, passed in zip(texts, gate):
        listed = cast_list((text or "").splitlines())
        assert passed or listed == cast.Cast(), (text or "")[:300]
        found += bool(listed.names)
    assert found > 2500 and (~gate[: len(real_texts)]).sum() > 0.9 * len(real_texts)
    assert np.array_equal(gate[len(real_texts) : 2 * len(real_texts)], gate[: len(real_texts)])  # whatever the breaks
    assert not cast.may_have_cast(array, other, lines, ~everyone).any()
    # Without the line-break kernel every text is split at every break: the same answers.
    assert np.array_equal(cast.may_have_cast(array, None, None, everyone), gate)


def _quoted_prose(rng: random.Random, n: int) -> list[str]:
    """Attributions of every shape the reading knows, with the edges the gate must cover: titles,
    names with apostrophes and hyphens, punctuation and line breaks between quote and attribution,
    words between the verb and an opening quote, Unicode spaces."""
    names = ["Alice", "the Hatter", "Mr. Holmes", "Dr Watson", "She", "Queen Ünïa", "the Mock Turtle", "O’Brien", "Jean-Paul Sartre",
             "Mr. Sherlock Holmes", "the Old Red King", "D'Artagnan", "Élodie", "Lady Catherine de Bourgh"]
    verbs = dialogue.VERBS.split("|")
    marks = [("“", "”"), ('"', '"'), ("‘", "’"), ("'", "'")]
    out = []
    for _ in range(n):
        opening, closing = rng.choice(marks)
        space = rng.choice(SPACES + ["\n", "\r\n"])
        verb = rng.choice(verbs).replace(" ", rng.choice([" ", "\n"]))
        name = rng.choice(names).replace(" ", rng.choice([" ", "\xa0", "\u2003"]))
        quote = f"{opening}Well, I{rng.choice(['', ' never', ' can’t'])}{rng.choice([',', '!', '?', ''])}{closing}"
        between = rng.choice(["", ",", " —", " -", ";"])
        shape = rng.randrange(4)
        if shape == 0:
            out.append(f"Then {quote}{between}{space}{verb}{space}{name}, and left.")
        elif shape == 1:
            out.append(f"{quote}{between}{space}{name}{space}{verb}.")
        elif shape == 2:
            out.append(f"{name}{space}{verb}{rng.choice(['', ',', ':', ' to him,', ' to the boys:', ' at last'])}{space}{quote}")
        else:  # a continued quote and a second paragraph
            out.append(f"{quote}{space}{verb} {name}, {opening}and more.{closing}\n\n{opening}Yes.{closing} {name} {verb}.")
    return out


def test_quote_gate_never_hides_a_speaker(real_texts):
    texts = real_texts + _quoted_prose(random.Random(9), 4000)
    gate = dialogue.may_have_speaker(pa.array(texts))
    named = _found_where_the_gate_passes(gate, texts, lambda t: [q.speaker for q in dialogue.quotes(t) if q.speaker])
    assert named > 2500 and (~gate[: len(real_texts)]).sum() > len(real_texts) // 2
    assert dialogue.may_have_speaker(pa.array([None, "no quotes, said Alice", '"Hi," she said.', '"Hi," said Alice.',
                                               'Alice said "hi" and left.', '"Hi," he said; then Alice said so.'])).tolist() == [
        False, False, False, True, True, False]


def test_speaker_tagger_gives_the_same_hits_with_and_without_gates(real_texts, monkeypatch):
    """The batch path (gates) and the document path (no gates) agree on every real text."""
    from prevalence.catalog import load_catalog
    from prevalence.tagging.base import Documents
    from prevalence.tagging.mentions import MentionTagger
    from prevalence.tagging.speakers import SpeakerTagger

    catalog = load_catalog()
    mentions, speakers = MentionTagger(catalog), SpeakerTagger(catalog)
    docs = Documents.of(real_texts)
    docs = docs.with_evidence(mentions.scan(docs)[1])
    gated = speakers.tag(docs)
    from prevalence.tagging import speakers as module

    everything = lambda texts, *_, **__: np.ones(len(texts), dtype=bool)  # noqa: E731
    for name in ("may_be_chat", "may_have_speaker", "may_have_cast"):
        monkeypatch.setattr(module, name, everything)
    # Every document read as a script, every line tested in Python.
    monkeypatch.setattr(module, "script_line_gate", lambda texts, *_, **__: (everything(texts), [None] * len(texts)))
    assert speakers.tag(docs).equals(gated)
    assert gated.num_rows > 100


def test_quote_gate_character_classes_cover_python_spaces_and_name_characters():
    """Every character Python's `\\s` matches is a gate space, and every one a name word may hold
    (`[\\w'’.-]`) is a gate word character, over all of Unicode."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    array = pa.array(chars)
    space = pc.match_substring_regex(array, f"^{dialogue._SPACE}$").to_numpy(zero_copy_only=False)
    word = pc.match_substring_regex(array, f"^{dialogue._WORD_CHAR}$").to_numpy(zero_copy_only=False)
    python_space, python_word = re.compile(r"\s"), re.compile(r"[\w'’.-]")
    assert all(space[i] for i, ch in enumerate(chars) if python_space.fullmatch(ch))
    assert all(word[i] for i, ch in enumerate(chars) if python_word.fullmatch(ch))
    assert not word[chars.index('"')] and not space[chars.index("a")]


def test_script_gate_splits_at_newline_only_where_no_other_break_is(real_texts):
    """The literal `\\n` split (documents with no other break) and the RE2 split of every break give the same
    gate, on real texts, on documents with every break of str.splitlines, and on batches of both kinds."""
    from prevalence import compiled
    from prevalence.tagging.line_breaks import other_line_breaks

    rng = random.Random(6)
    mixed = _as_documents(_lines_to_check(), rng, 3000) + [None, "", "\u2028", "a\u2029b", "\xc2", "\u0080\u00a8", "\u2027\u202a"]
    for texts in (real_texts, mixed, real_texts[:50] + mixed[:50], [t for t in mixed if t is None or "\r" not in t]):
        batch = pa.array(texts, pa.string())
        assert scripts.may_have_script(batch).tolist() == scripts.may_have_script(batch, literal_split=False).tolist()
    if compiled.available():
        others = [b for b in LINE_BREAKS if b != "\n"]
        # The kernel's byte table holds what str.splitlines breaks at, over all of Unicode.
        splitting = {chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and len(f"a{chr(c)}b".splitlines()) == 2}
        assert splitting - {"\n"} == set(others) - {"\r\n"}
        want = [t is not None and any(b in t for b in others) for t in mixed]
        assert other_line_breaks(pa.array(mixed, pa.string())).tolist() == want
        assert 0 < sum(want) < len(want)
        # The kernel skips blocks of eight printable ASCII bytes: a break at every position of a block and
        # across two, next to `\n`, tabs and other characters, in arrays read from any byte offset.
        prose = (real_texts[0] * 3)[:300]
        placed = [prose[:at] + brk + prose[at:] for at in range(40) for brk in [*others, "\n", "\t", "é", "\u2027"]]
        placed += [t.replace("\n", "\t") + "\u2028" for t in real_texts[:20]]
        want = [any(b in t for b in others) for t in placed]
        for start in range(9):
            assert other_line_breaks(pa.array(placed, pa.string()).slice(start)).tolist() == want[start:]
        assert 0 < sum(want) < len(want)
