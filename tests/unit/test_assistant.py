"""The assistant persona: chat markup, role names, assistant-style prose and its measured rates."""

import pytest

from prevalence.catalog import load_catalog
from prevalence.corpus.readers import render_messages
from prevalence.tagging.assistant import AssistantStyle, chat_turns
from prevalence.tagging.assistant_audit import assistant_audit
from prevalence.tagging.speakers import SpeakerTagger


@pytest.mark.parametrize(
    "text, turns",
    [
        ("Human: What is 2+2?\n\nAssistant: 4.\n\nIt is simple.\n\nHuman: Thanks", [("User", 3), ("Assistant", 4), ("User", 1)]),
        ("### Instruction:\nWrite a haiku.\n\n### Input:\nautumn\n\n### Response:\nLeaves fall", [("User", 3), ("User", 1), ("Assistant", 2)]),
        ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello there<|im_end|>",
         [("System", 2), ("User", 1), ("Assistant", 2)]),
        ("<s>[INST] Hi [/INST] Hello there </s><s>[INST] Bye [/INST] Goodbye </s>", [("User", 1), ("Assistant", 2), ("User", 1), ("Assistant", 1)]),
        ("Question: what is it?\nAnswer: a thing.", []),  # FAQ labels are not chat roles
        ("User: only the user speaks here", []),
    ],
)
def test_chat_turns(text, turns):
    assert [(t.speaker, t.words) for t in chat_turns(text)] == turns


def test_chat_records_render_to_transcripts_whose_assistant_is_the_persona():
    openai = render_messages([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}])
    sharegpt = render_messages([{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}])
    tagger = SpeakerTagger(load_catalog())
    assert tagger.tag_document(openai, {}, "chat") == {"assistant": (1, 5, "chat"), "speaker:chat:user": (1, 1, "chat")}
    assert tagger.tag_document(sharegpt, {}, "chat")["assistant"] == (1, 1, "chat")
    assert tagger.tag_document("Hello", {}, "chat", speaker="assistant") == {"assistant": (1, 1, "field")}
    assert render_messages([1, 2]) == [1, 2]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("As an AI language model, I don't have personal opinions, but here are some views.", True),
        ("I'm sorry, but I can't assist with that request.", True),
        ("I hope this helps! Let me know if you have any other questions.", True),
        ("I hope this helps.", False),  # one weak phrase is not enough
        ("The model railway club meets on Tuesdays; as an aside, the AI lab is next door.", False),
        ("As an AI, I cannot browse the internet.", True),
    ],
)
def test_assistant_style(text, expected):
    assert AssistantStyle().is_assistant(text) == expected


def test_measured_rates_on_the_shipped_labelled_set():
    audit = assistant_audit()
    # Measured: 10 of 805 LLM answers (recall 0.012) and 0 of 2,809 human passages are flagged: the
    # phrases are precise but most assistant answers never talk about themselves (docs/assistant.md).
    assert (audit["positives"], audit["negatives"]) == (805, 2809)
    assert audit["tp"] >= 8 and audit["fp"] <= 2


def test_user_turn_gate_covers_every_caseless_match():
    """chat_turns skips texts without a user-side role word; every character that re.IGNORECASE
    matches to a letter of those words is either lowered to it or listed as an extra."""
    import re

    from prevalence.tagging import assistant

    letters = "".join(sorted(set("".join(assistant._USER_SIDE_WORDS))))
    caseless = re.compile(f"[{letters}]", re.IGNORECASE)
    for code in range(0x80, 0x110000):
        ch = chr(code)
        if caseless.fullmatch(ch):
            matched = [c for c in letters if re.fullmatch(c, ch, re.IGNORECASE)]
            if ch.lower() not in matched:  # lowering does not give the letter the regex reads it as
                assert ch in assistant.RE_CASELESS_EXTRA, hex(code)
    assert assistant._may_have_user_turn("### Instruction:\nsay hi\n### Response:\nhi")
    assert assistant._may_have_user_turn("HUMAN: hi\nAI: hello")
    assert assistant._may_have_user_turn("uſer: hi")
    assert not assistant._may_have_user_turn("Assistant: hello there\nAI: again")


@pytest.mark.parametrize("engine", ["hyperscan", "aho-corasick"])
def test_phrases_found_in_the_mention_scan_score_what_a_scan_of_every_text_scores(engine):
    """Where the mention tagger's scan looks for the trimmed phrases (`prefilter_literals`), the tagger
    reads only the texts that hold one (and those Arrow lowers its own way), and finds the same authors
    as reading every text: real assistant answers and human prose, and phrases broken across lines, with
    runs of spaces, curly apostrophes, capitals, a trailing space at the text's end, `İ` next to them."""
    import random

    from prevalence.tagging.assistant_audit import labelled_set
    from prevalence.tagging.base import Documents
    from prevalence.tagging.matcher import hyperscan_available
    from prevalence.tagging.mentions import MentionTagger

    if engine == "hyperscan" and not hyperscan_available():
        pytest.skip("no hyperscan wheel on this platform")
    catalog = load_catalog()
    rng = random.Random(3)
    phrases = ["I hope this helps", "As an AI language model", "I’m sorry, but I can’t assist", "In summary,", "Overall, ",
               "as an ai,", "Great question"]
    made = []
    for _ in range(400):
        words = [rng.choice(phrases + ["the", "cat", "İ", "aİ", "x", "\n", "  ", "Sure! Here", "helps!"]) for _ in range(rng.randint(1, 12))]
        text = " ".join(words)
        if rng.random() < 0.3:
            text = text.replace(" ", rng.choice(["\n", "  ", "\t", " \n "]), rng.randint(1, 3))
        made.append(text + rng.choice(["", " ", "\n", "Overall, ", " i am just an aİ", " overall, \n"]))
    made += ["overall, ", "The end. Overall, ", "overall,  "]
    positives, negatives = labelled_set()
    texts = positives[:300] + negatives[:300] + made + ["", "   "]
    docs = Documents.of(texts)
    mentions, style = MentionTagger(catalog, engine=engine), AssistantStyle(catalog)
    mentions.add_literals(style.name, style.prefilter_literals())
    docs = docs.with_evidence(mentions.scan(docs)[1])
    assert (docs.literal_rows(style.name) is None) == (engine != "hyperscan")
    alone = Documents.of(texts)  # no provider: every text is read
    assert alone.literal_rows(style.name) is None
    got, want = style.tag(docs).to_pylist(), style.tag(alone).to_pylist()
    assert got == want and len(want) > 100
    if engine == "hyperscan":
        found = docs.literal_rows(style.name) | docs.odd_case()
        assert 100 < found.sum() < len(texts) - 100
        # The contract itself: a text the scan passes over scores nothing, whatever the threshold.
        assert all(style.score(t) == 0 for t, f in zip(texts, found) if not f)
