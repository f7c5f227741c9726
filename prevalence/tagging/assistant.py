"""The assistant persona: chat turns (role `speaker`) and assistant-style prose (role `author`).

Chat turns come from explicit chat markup, where the roles are written out and a turn runs until the
next role marker (so a two-turn exchange and a multi-paragraph answer both count):
- role lines: `User:` / `Human:` / `Assistant:` / `AI:` / `GPT:` / `System:` at the start of a line
  (Anthropic HH, ShareGPT and OpenAI `messages` records, which the reader renders this way); FAQ
  labels such as `Question:` / `Answer:` are not chat roles;
- Alpaca: `### Instruction:`, `### Input:`, `### Response:`;
- ChatML: `<|im_start|>assistant ... <|im_end|>`; Llama 2: `[INST] ... [/INST] answer`.
A document is a chat only if it has at least one user-side and one assistant-side marker.

Assistant-style prose is found by phrases an assistant writes about itself and its limits: strong
ones (`as an AI language model`, `I don't have personal opinions`, `my knowledge cutoff`) score 2,
weak ones (`I hope this helps`, `it's important to note`, `feel free to ask`) score 1; a document
with a score of 2 or more is written by the assistant (method `assistant_style`). The phrases are
fixed in advance, not tuned on the labelled set that measures them (docs/assistant.md).
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.tagging.base import Documents, HitRows, Tagger, TaggerContext
from prevalence.tagging.line_breaks import any_line_matches
from prevalence.tagging.lowercase import lower_array
from prevalence.tagging.matcher import build_matcher
from prevalence.tagging.scripts import Turn
from prevalence.tagging.words import RE_CASELESS_EXTRA, re2_caseless

PERSONA = "assistant"
METHOD = "assistant_style"
# Speaker names that stand for the assistant and for its user in chat data.
ASSISTANT_NAMES = frozenset({"assistant", "ai", "bot", "chatbot", "gpt", "model", "ai assistant"})
USER_NAMES = frozenset({"user", "human", "prompter"})
SYSTEM_NAMES = frozenset({"system"})
# Alpaca section headings: `### Response:` is the assistant, `### Instruction:` and `### Input:` the user.
ALPACA = {"response": "assistant", "instruction": "user", "input": "user"}
_ROLE_WORDS = sorted(ASSISTANT_NAMES | USER_NAMES | SYSTEM_NAMES, key=len, reverse=True)
_ROLE_LINE = re.compile(
    r"^[ \t]*(?:#{2,4}[ \t]*(" + "|".join([*ALPACA, *_ROLE_WORDS]) + r")|(" + "|".join(re.escape(w) for w in _ROLE_WORDS) + r"))[ \t]*:[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_CHATML = re.compile(r"<\|im_start\|>[ \t]*(\w+)[ \t]*\n?(.*?)(?:<\|im_end\|>|(?=<\|im_start\|>)|\Z)", re.DOTALL)
_LLAMA = re.compile(r"\[INST\](.*?)\[/INST\](.*?)(?=\[INST\]|\Z)", re.DOTALL)

STRONG = (
    "as an ai language model", "as a language model", "as an ai model", "as an ai assistant", "as an ai,",
    "i am an ai language model", "i'm an ai language model", "as a large language model", "i am a large language model",
    "i'm just an ai", "i am just an ai", "i am an artificial intelligence", "i'm an artificial intelligence",
    "i don't have personal opinions", "i do not have personal opinions", "i don't have personal feelings",
    "i do not have personal feelings", "i don't have personal experiences", "i do not have personal experiences",
    "i don't have feelings", "i do not have feelings", "i don't have emotions", "i do not have emotions",
    "i don't have the ability to", "i do not have the ability to", "i don't have access to real-time",
    "i do not have access to real-time", "i cannot browse the internet", "i can't browse the internet",
    "my knowledge cutoff", "my training data", "my last training", "i was trained by", "i was created by openai",
    "i'm sorry, but i can't assist", "i'm sorry, but i cannot assist", "i can't assist with that",
    "i cannot assist with that", "i cannot fulfill", "i can't fulfill", "i'm not able to provide",
    "as of my last update", "as of my last knowledge update",
)
WEAK = (
    "i hope this helps", "hope this helps!", "it's important to note", "it is important to note",
    "feel free to ask", "let me know if you have any", "let me know if you need", "i'd be happy to help",
    "i would be happy to help", "certainly! here", "sure! here", "here are some tips", "i apologize for any confusion",
    "i apologize for the confusion", "great question", "in summary,", "overall, ", "i'm sorry, but",
)
THRESHOLD = 2


def speaker_side(name: str) -> str | None:
    """`assistant`, `user`, `system`, or None for another name."""
    key = " ".join(name.lower().strip(" #:").split())
    if key in ASSISTANT_NAMES:
        return "assistant"
    if key in USER_NAMES:
        return "user"
    if key in SYSTEM_NAMES:
        return "system"
    return None


_DISPLAY = {"assistant": "Assistant", "user": "User", "system": "System"}


# Role words of the user side and of the assistant side: a chat of role lines has a turn opened by one
# of each.
_USER_SIDE_WORDS = tuple(sorted(USER_NAMES | {k for k, v in ALPACA.items() if v == "user"}))
_ASSISTANT_SIDE_WORDS = tuple(sorted(ASSISTANT_NAMES | {k for k, v in ALPACA.items() if v == "assistant"}))


def _may_have_user_turn(text: str) -> bool:
    """False when no line can open a user turn: none of the user-side role words occurs in any case."""
    low = text.lower()
    return any(w in low for w in _USER_SIDE_WORDS) or any(c in text for c in RE_CASELESS_EXTRA)




def _role_line(words: tuple[str, ...]) -> str:
    """RE2, at the start of a line: what _ROLE_LINE matches when its role word is one of `words` (and,
    a superset, an Alpaca word without its `#`s)."""
    return r"^[ \t]*(?:#{2,4}[ \t]*)?(?:" + "|".join(re2_caseless(w) for w in words) + r")[ \t]*:"


# chat_turns's three kinds of markup in RE2: ChatML, Llama 2, and role lines of both sides, where
# _ROLE_LINE can open a line with a user-side role word and another with an assistant-side one (a chat
# needs a turn of each). `may_be_chat` searches the two markers as literals anywhere (each a memchr-fast
# search; as alternatives of one pattern they cost a DFA pass) and the role words at the start of each
# line (`(?m:^)` is the text's start and every `\n`), so only each line's first bytes are read; the
# assistant side only in the documents that have a user side.
_MARKERS = (r"<\|im_start\|>", r"\[INST\]")
_USER_LINE = _role_line(_USER_SIDE_WORDS)
_ASSISTANT_LINE = _role_line(_ASSISTANT_SIDE_WORDS)


def may_be_chat(texts: pa.Array, lines: pa.Array | None = None) -> np.ndarray:
    """Per document, False when chat_turns must return []: no marker, and not both a user-side and an
    assistant-side role line (in Arrow passes over the batch). `lines`: the texts split at `\n`
    (`pc.split_pattern`), where the caller has them."""
    texts = pc.fill_null(texts, "")
    if lines is None:
        lines = pc.split_pattern(texts, "\n")
    out = any_line_matches(lines, _USER_LINE)
    users = np.flatnonzero(out)
    if len(users):
        out[users] = any_line_matches(lines.take(pa.array(users)), _ASSISTANT_LINE)
    for marker in _MARKERS:
        out |= pc.match_substring_regex(texts, marker).to_numpy(zero_copy_only=False)
    return out


def _role_line_side(word: str) -> str:
    """The side of a role word _ROLE_LINE matched, read as re.IGNORECASE reads it (`uſer` is `user`)."""
    for role, side in (*ALPACA.items(), *((w, speaker_side(w)) for w in _ROLE_WORDS)):
        if re.fullmatch(re.escape(role), word, re.IGNORECASE):
            return side
    raise AssertionError(f"_ROLE_LINE matched {word!r}, which is no role word")


def chat_turns(text: str) -> list[Turn]:
    """Turns of explicit chat markup, in order; [] when the text is not a chat (see module docs)."""
    turns: list[Turn] = []
    if "<|im_start|>" in text:
        for m in _CHATML.finditer(text):
            side = speaker_side(m.group(1))
            if side:
                turns.append(Turn(_DISPLAY[side], len(m.group(2).split()), m.start(), "chatml"))
    elif "[INST]" in text and "[/INST]" in text:
        for m in _LLAMA.finditer(text):
            turns.append(Turn("User", len(m.group(1).split()), m.start(1), "llama"))
            turns.append(Turn("Assistant", len(m.group(2).replace("</s>", " ").replace("<s>", " ").split()), m.start(2), "llama"))
    elif _may_have_user_turn(text):
        markers = list(_ROLE_LINE.finditer(text))
        for i, m in enumerate(markers):
            end = markers[i + 1].start() if i + 1 < len(markers) else len(text)
            side = _role_line_side(m.group(1) or m.group(2))
            turns.append(Turn(_DISPLAY[side], len(text[m.end():end].split()), m.start(), "chat"))
    sides = {t.speaker for t in turns}
    return turns if {"User", "Assistant"} <= sides else []


def _apostrophe_variants(phrase: str) -> list[str]:
    """`phrase` with each of its apostrophes written straight or curly, in every combination."""
    variants = [""]
    for ch in phrase:
        variants = [v + c for v in variants for c in (("'", "’") if ch == "'" else (ch,))]
    return variants


class AssistantStyle(Tagger):
    """Scores assistant-style phrases in a document with one multi-pattern scan (`tagging.matcher`); as a tagger, a
    document that scores THRESHOLD or more is authored by the persona `assistant`."""

    name = "assistant_style"
    role = "author"

    @classmethod
    def build(cls, context: TaggerContext) -> "AssistantStyle | None":
        """Only for catalogs that have the assistant persona."""
        return cls(context.catalog) if any(p.id == PERSONA for p in context.catalog.personas) else None

    def __init__(self, catalog=None):
        super().__init__(catalog)
        weights = {}
        for weight, phrases in ((2, STRONG), (1, WEAK)):
            for phrase in phrases:
                weights[phrase] = weight  # a phrase listed twice keeps its last weight
        self._phrases = list(weights)
        self._weights = [weights[p] for p in self._phrases]
        # Each phrase with every mix of straight and curly apostrophes, so no text needs rewriting.
        self._keys, self._phrase_of = [], []
        for i, phrase in enumerate(self._phrases):
            for variant in _apostrophe_variants(phrase):
                self._keys.append(variant)
                self._phrase_of.append(i)
        self._matcher = build_matcher(self._keys)

    def score(self, text: str) -> int:
        """Sum of phrase weights, each distinct phrase counted once; curly apostrophes count as straight."""
        low = text.lower()
        return self._score(low, self._matcher.occurrences(low))

    def _score(self, low: str, occurrences: list[tuple[int, int, int]]) -> int:
        """`score` given the text's lowercase form and the phrase occurrences in it."""
        seen = {self._phrase_of[key] for start, _end, key in occurrences if not (start > 0 and low[start - 1].isalnum())}
        return sum(self._weights[i] for i in seen)

    def scores(self, texts: pa.Array, arrow_lowered: pa.Array | None = None, odd: np.ndarray | None = None) -> list[int]:
        """`score` of each text of a string array: lowered and scanned in Arrow, Python only for the
        texts where a phrase occurs. `arrow_lowered`: `pc.utf8_lower(texts)`, and `odd`:
        `lowercase.odd_rows(texts)`, when already made."""
        lows = lower_array(texts, arrow_lowered, odd)
        found = self._matcher.occurrences_arrow(lows)
        return [self._score(lows[i].as_py(), occurrences) if occurrences else 0 for i, occurrences in enumerate(found)]

    def is_assistant(self, text: str) -> bool:
        return self.score(text) >= THRESHOLD

    def prefilter_literals(self) -> tuple[str, ...]:
        """Every phrase variant without its spaces at either end: where a text's lowercase form holds a
        phrase, its lowercased normalised text holds that phrase so trimmed (normalising changes only
        runs of whitespace, and a phrase's inner spaces lie between other characters), unless Arrow
        lowers the text unlike `str.lower()` (`Documents.odd_case`)."""
        return tuple(dict.fromkeys(key.strip() for key in self._keys))

    def tag(self, docs: Documents) -> pa.Table:
        rows = HitRows()
        n_tokens = docs.column("n_tokens")
        texts, lowered, odd = docs.batch.column("text"), docs.lowered("text"), docs.odd_case()
        found = docs.literal_rows(self.name)
        if found is None:  # no provider looked for the phrases: every text is scanned
            read, scores = range(len(docs)), self.scores(texts, lowered, odd)
        else:  # only the texts where a trimmed phrase occurs, or that Arrow lowers its own way
            read = np.flatnonzero(found | odd).tolist()
            picked = pa.array(read, pa.int64())
            scores = self.scores(texts.take(picked), lowered.take(picked), odd[read]) if read else []
        for i, score in zip(read, scores):
            if score >= THRESHOLD:
                rows.add(i, PERSONA, self.role, 1, n_tokens[i], method=METHOD)
        return rows.table()

