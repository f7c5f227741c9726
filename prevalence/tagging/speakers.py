"""Speaker personas: who speaks in a document, how many turns and how many words.

A document's speakers come from, in order of precedence: its speaker field (transcript records: the
whole text is one turn), chat markup (`tagging.assistant`: `User:`/`Assistant:`, `### Response:`,
ChatML, `[INST]`), script forms (`tagging.scripts`), or attributed quotations in prose
(`tagging.dialogue`). Chat role names of the assistant are the persona `assistant`. Names resolve to personas by `tagging.names`: `KING RICHARD III` is Richard III;
`GLOUCESTER` is Richard III only in a text that names Buckingham or Lady Anne; `Hermione` is the
Winter's Tale queen next to Leontes and Hermione Granger next to Hogwarts; any other name is an
ad-hoc persona `speaker:<source>:<name>`. Variants the catalog does not join stay separate
(`DUKE OF YORK` and `YORK` are two ad-hoc speakers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.catalog import Catalog
from prevalence.tagging.base import Documents, HitRows, Tagger
from prevalence.tagging.assistant import PERSONA as ASSISTANT, chat_turns, may_be_chat, speaker_side
from prevalence.tagging.dialogue import may_have_speaker, quotes
from prevalence.tagging.cast import Cast, cast_list, may_have_cast
from prevalence.tagging.names import NameResolver, normalise_name
from prevalence.tagging.quote_marks import style_counts_arrow
from prevalence.tagging.names import ad_hoc_id as _ad_hoc_id
from prevalence.tagging.scripts import is_group, script_line_gate, script_turns

__all__ = ["GROUP", "SpeakerTagger", "ad_hoc_id", "normalise_name"]

# Group speech (`All`, `Both`, `Citizens`): kept out of every persona, counted in the manifest.
GROUP = "group:speech"


def ad_hoc_id(source: str, name: str) -> str:
    """`speaker:<source>:<name>` with the name as lowercase words joined by `_`."""
    return _ad_hoc_id("speaker", source, name)


def _quote_marks(texts: pa.Array, prose: np.ndarray) -> list[list[int] | None]:
    """Per document, the `quote_marks` counts where `prose` holds (None elsewhere, and everywhere without
    the compiled pass: `quotes` then counts in Python)."""
    marks: list[list[int] | None] = [None] * len(prose)
    rows = np.flatnonzero(prose)
    counts = style_counts_arrow(texts, rows) if len(rows) else None  # (rows never null: no quote in a null)
    if counts is not None:
        for row, row_counts in zip(rows.tolist(), counts.tolist()):
            marks[row] = row_counts
    return marks


class SpeakerTagger(Tagger):
    """Turns and words spoken per persona in one document."""

    name = "speakers"
    role = "speaker"
    needs_evidence = True

    def __init__(self, catalog: Catalog):
        super().__init__(catalog)
        self.names = NameResolver(catalog, self.role)
        self._assistant = ASSISTANT if any(p.id == ASSISTANT for p in catalog.personas) else None

    def resolve(self, name: str, evidence: dict[int, int], source: str) -> str:
        """The persona id a speaker name stands for in a document with this mention evidence; chat role
        names of the assistant (`Assistant`, `AI`, `GPT`, `bot`) are the persona `assistant`."""
        return self._resolve(name, evidence, source)[0]

    def _resolve(self, name: str, evidence: dict[int, int], source: str) -> tuple[str, str | None]:
        if self._assistant and speaker_side(name) == "assistant":
            return self._assistant, None
        if is_group(name):
            return GROUP, None
        return self.names.resolve_named(name, evidence, source)

    def tag(self, docs: Documents) -> pa.Table:
        rows = HitRows()
        texts = docs.batch.column("text")
        # Which of the three readings can find anything, per document, from Arrow passes over the batch.
        other = docs.other_line_breaks("text")
        lines = pc.split_pattern(pc.fill_null(texts, ""), "\n")  # read by the chat, script and cast gates
        script_gate, line_opens = script_line_gate(texts, other=other, lines=lines)  # and which lines may open a turn
        heading = may_have_cast(texts, other, lines, script_gate)
        prose_gate = may_have_speaker(texts)
        marks = _quote_marks(texts, prose_gate)
        forms = zip(may_be_chat(texts, lines), script_gate, line_opens, heading, prose_gate, marks)
        for i, (text, support, source, speaker, (chat, script, opens, cast, prose, counts)) in enumerate(
            zip(docs.column("text"), docs.evidence, docs.column("source"), docs.column("speaker"), forms)
        ):
            if not (speaker or chat or script or prose):
                continue
            tally = self._tally(text, support, source, speaker, chat, script, prose, opens, cast, counts)
            for pid, (turns, spoken, method, written) in tally.items():
                rows.add(i, pid, self.role, turns, spoken, method=method, name=written)
        return rows.table()

    def tag_document(self, text: str, evidence: dict[int, int], source: str, speaker: str | None = None) -> dict[str, tuple[int, int, str]]:
        """{persona_id: (turns, words, method)} for one document (raw text, line breaks kept); group
        speech (`All`, `Both`, `Citizens`) is under the id GROUP."""
        return {pid: (c, w, m) for pid, (c, w, m, _) in self._tally(text, evidence, source, speaker).items()}

    def _tally(self, text: str, evidence: dict[int, int], source: str, speaker: str | None, chat: bool = True,
               script: bool = True, prose: bool = True, opens: Sequence[bool] | None = None, cast: bool = True,
               quote_counts: Sequence[int] | None = None) -> dict[str, tuple[int, int, str, str | None]]:
        """The speakers of one document; `chat`, `script`, `prose` and `cast` False skip a reading that is
        known to find nothing (`may_be_chat`, `may_have_script`, `may_have_speaker`, `may_have_cast`);
        `opens`, the lines that may open a turn (`script_line_gate`); `quote_counts`, its `quote_marks`
        counts."""
        if speaker:
            pid, written = self._resolve(speaker, evidence, source)
            return {pid: (1, len(text.split()), "field", written)}
        totals: dict[str, list] = {}
        resolved: dict[str, tuple[str, str | None]] = {}  # a play names its speakers hundreds of times

        def resolve(name: str) -> tuple[str, str | None]:
            if name not in resolved:
                resolved[name] = self._resolve(name, evidence, source)
            return resolved[name]

        turns = chat_turns(text) if chat else []
        cast_names = Cast()
        if not turns and script:
            cast_names = cast_list(text.splitlines()) if cast else Cast()
            turns = script_turns(text, skip=cast_names.lines, opens=opens)
        if turns:
            for t in turns:
                method = "chat" if t.form in ("chat", "chatml", "llama") else "script"
                pid, written = resolve(cast_names.resolve(t.speaker))
                entry = totals.get(pid)
                if entry is None:
                    entry = totals[pid] = [0, 0, method, written]
                entry[0] += 1
                entry[1] += t.words
        elif prose:
            # Prose: one turn per paragraph in which a persona speaks; words are those inside quotes.
            paragraphs: set[tuple[str, int]] = set()
            for q in quotes(text, quote_counts):
                if q.speaker is None:
                    continue
                pid, written = resolve(q.speaker)
                entry = totals.setdefault(pid, [0, 0, "prose", written])
                if (pid, q.paragraph) not in paragraphs:
                    paragraphs.add((pid, q.paragraph))
                    entry[0] += 1
                entry[1] += q.words
        return {pid: tuple(v) for pid, v in sorted(totals.items())}
