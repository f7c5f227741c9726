"""The one text preparation shared by training and prediction, vectorised over Arrow arrays."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from prevalence.classifier.layout import layout_tokens

# Characters read per document: the start of a document tells its kind of author; the cap bounds the
# cost of very long documents (about 1,300 English words).
MAX_CHARS = 8000
# Every run of whitespace that is not a lone space: replacing these by a space equals replacing `\s+`.
WHITESPACE_TO_SPACE = r"\s{2,}|[^\S ]"


def fasttext_lines(texts: pa.Array, max_chars: int = MAX_CHARS, collapse_whitespace: bool = True,
                   lowered: pa.Array | None = None) -> list[str]:
    """`fasttext_line_array` as Python strings (what fastText's own `predict` and training files take)."""
    return fasttext_line_array(texts, max_chars, collapse_whitespace, lowered).to_pylist()


def fasttext_line_array(texts: pa.Array, max_chars: int = MAX_CHARS, collapse_whitespace: bool = True,
                        lowered: pa.Array | None = None) -> pa.Array:
    """One fastText input line per text: lowercased, punctuation as tokens, line breaks as `__nl__` and
    paragraph breaks as `__p__` (layout tells scripts, verse and code apart); null texts give ``.

    `collapse_whitespace=False` leaves runs of ASCII whitespace inside a line as they are: fastText splits
    words at any run of space, tab, CR, VT and FF, so it reads the same words from either line (the
    model's predictions are the same); prediction skips that pass, training files keep single spaces.

    `lowered`: `pc.utf8_lower(texts)`, when the caller has it (Arrow lowers each code point to one code
    point, so lowering then cutting equals cutting then lowering)."""
    if lowered is None:
        t = pc.utf8_lower(pc.utf8_slice_codeunits(pc.fill_null(texts.cast(pa.string()), ""), 0, max_chars))
    else:
        t = pc.utf8_slice_codeunits(pc.fill_null(lowered.cast(pa.string()), ""), 0, max_chars)
    laid = layout_tokens(t)  # one compiled pass, or (None) the three Arrow passes
    t = laid if laid is not None else arrow_layout_tokens(t)
    # Runs of whitespace as one space (`\s+` -> ` `), leaving lone spaces alone: five times faster.
    if collapse_whitespace:
        t = pc.replace_substring_regex(t, WHITESPACE_TO_SPACE, " ")
    return pc.utf8_trim_whitespace(t)


def arrow_layout_tokens(t: pa.Array) -> pa.Array:
    """Paragraph breaks as `__p__`, line breaks as `__nl__`, punctuation as tokens, in three Arrow passes
    (`classifier.layout.layout_tokens` is the same in one compiled pass)."""
    t = pc.replace_substring_regex(t, r"\n[ \t\r\f\v]*\n\s*", " __p__ ")
    t = pc.replace_substring(t, "\n", " __nl__ ")
    return pc.replace_substring_regex(t, r"([^\w\s])", r" \1 ")
