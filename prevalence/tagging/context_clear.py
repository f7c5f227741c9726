"""Which alias occurrences no context rule of `tagging.context` can reject, proven from their bytes in one
compiled pass over the batch, so that `rejection` runs in Python only for the others (on the bench
slice, 2,742 of the 20,952 occurrences it read before).

The proof is conservative: an occurrence is clear only when the bytes the rules read around it are
ASCII; no `-`, `'`, quote or `(` sits where a rule looks for one; the word after it is no eponym noun,
no `and the` before a capital (a title), and no name (no capital, or a capitalised word that is none: `The`, `When`); the word before
it is no place word, and for a one-word alias no name (no capital, or a title, an abbreviation or a
word that is none); and the 60 characters before it end in no word that a window rule can end with,
save `of`, `to` and `in` after a word none of the rules pairs them with (`context.WORDS_BEFORE_LAST`).
Anything else (`Samantha Bond`, `the city of Lincoln`, a non-ASCII character nearby) goes to `rejection`.
Word lists whose members send an occurrence to `rejection` are compared by 64-bit FNV-1a hash (a
collision can only send one more there); lists whose members clear one are compared byte for byte.

It restates what `rejection` reads: a rule added or widened there must be added here, or this pass
clears occurrences the rule would reject. Without numba (`prevalence.compiled`) `clear_occurrences`
returns None and every occurrence is checked in Python. tests/unit/test_context_clear.py holds
`clear => rejection(...) is None` on real and altered text.
"""

from __future__ import annotations

import numpy as np

from prevalence.compiled import kernel
from prevalence.tagging.context import (EPONYM_NOUNS, NOT_NAME_WORDS, PLACE_WORDS, POSSESSIVE_EPONYMS, REST, SENTENCE_OPENERS,
                                        TITLES, WINDOW, WINDOW_LAST_WORDS, WORDS_BEFORE_LAST)

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
# A neighbouring word longer than this is not proven clear (it bounds the work per occurrence).
MAX_WORD = 64


def fnv1a(word: str) -> int:
    """The 64-bit FNV-1a hash of an ASCII word's bytes, as the kernel computes it over lowercase bytes."""
    h = FNV_OFFSET
    for b in word.encode("ascii"):
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def _table(words) -> np.ndarray:
    """Sorted hashes of the ASCII words of a word list (a non-ASCII word cannot be read next to a clear
    occurrence, whose neighbours are ASCII). Being in it sends an occurrence to `rejection`."""
    return np.array(sorted({fnv1a(w) for w in words if w.isascii()}), dtype=np.uint64)


def _exact_table(words) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A word list whose members clear an occurrence: (sorted hashes, each word's bytes padded to
    MAX_WORD, their lengths), so that the kernel compares the bytes after the hash."""
    ascii_words = sorted({w for w in words if w.isascii()}, key=fnv1a)
    hashes = np.array([fnv1a(w) for w in ascii_words], dtype=np.uint64)
    if len(set(hashes.tolist())) != len(hashes):
        raise AssertionError("two words of one list share an FNV-1a hash")
    padded = np.zeros((len(ascii_words), MAX_WORD), dtype=np.uint8)
    for i, w in enumerate(ascii_words):
        padded[i, : len(w)] = np.frombuffer(w.encode("ascii"), np.uint8)
    return hashes, padded, np.array([len(w) for w in ascii_words], dtype=np.int64)


def _byte_table(test) -> np.ndarray:
    return np.array([bool(test(chr(b))) for b in range(128)] + [False] * 128, dtype=np.bool_)


_SPACE = _byte_table(str.isspace)  # Python's whitespace among ASCII: what `rejection`'s str methods strip
_ALNUM = _byte_table(str.isalnum)
_STRIP = _byte_table(lambda c: c in "\"'(),;:!?")  # the ASCII characters `context._bare` strips
_EPONYM = _table(EPONYM_NOUNS)
_POSSESSIVES = _table(POSSESSIVE_EPONYMS)
_PLACE = _table(PLACE_WORDS)
_TITLES = _exact_table(TITLES)
_NOT_NAMES = _exact_table(NOT_NAME_WORDS | SENTENCE_OPENERS)  # capitalised, still no name (`context._is_name_word`)
_LAST_WORDS = _table(WINDOW_LAST_WORDS)
_AND = np.array([fnv1a("and")], dtype=np.uint64)
# The window's last words whose word before is read (`context.WORDS_BEFORE_LAST`), and those words.
_BEFORE_LAST_KEYS = _exact_table(WORDS_BEFORE_LAST)
_BEFORE_LAST = np.array(sorted({fnv1a(last) ^ fnv1a(w) for last, words in WORDS_BEFORE_LAST.items() for w in words}), dtype=np.uint64)



def _hash(t, a, z):  # pragma: no cover - compiled
    """FNV-1a of the ASCII bytes t[a:z], lowercased."""
    h = np.uint64(FNV_OFFSET)
    for k in range(a, z):
        c = np.uint64(t[k])
        c += np.uint64(32) * np.uint64(65 <= t[k] <= 90)
        h = (h ^ c) * np.uint64(FNV_PRIME)
    return h


def _member(table, h):  # pragma: no cover - compiled
    i = np.searchsorted(table, h)
    return i < table.shape[0] and table[i] == h


def _exact_member(hashes, words, lengths, h, t, a, z):  # pragma: no cover - compiled
    """t[a:z], lowercased, is a word of an `_exact_table`: its hash, then its bytes."""
    i = np.searchsorted(hashes, h)
    if i >= hashes.shape[0] or hashes[i] != h or lengths[i] != z - a:
        return False
    for k in range(z - a):
        c = t[a + k]
        if 65 <= c <= 90:
            c += 32
        if c != words[i, k]:
            return False
    return True


def _bare(t, a, z, strip):  # pragma: no cover - compiled
    """The bounds of t[a:z] with `context._bare`'s characters stripped from both ends."""
    while a < z and strip[t[a]]:
        a += 1
    while z > a and strip[t[z - 1]]:
        z -= 1
    return a, z


def _same_widths(orig, o0, low, l0, n):  # pragma: no cover - compiled
    """True when orig[o0:o0 + n] and low[l0:l0 + n] have their continuation bytes (10xxxxxx) at the same
    places: the lowered text's characters there are as wide as the text's (a branch-free count)."""
    a, b = orig[o0 : o0 + n], low[l0 : l0 + n]
    differ = 0
    for k in range(n):
        differ += ((a[k] & 0xC0) == 0x80) != ((b[k] & 0xC0) == 0x80)
    return differ == 0


_AND_THE = np.frombuffer(b" and the ", np.uint8)


def _right_quote(t, p, last):  # pragma: no cover - compiled
    """t[p:] starts with `’` (E2 80 99)."""
    return p + 2 < last and t[p] == 0xE2 and t[p + 1] == 0x80 and t[p + 2] == 0x99


def _and_the_title(t, e, last):  # pragma: no cover - compiled
    """`context._AND_THE_TITLE` at t[e:]: ` and the ` and a capital or `<` (a title such as `Harry Potter
    and the Half-Blood Prince`); `and` without it is prose (`Moses and Elias`)."""
    if e + 10 > last:
        return False
    for k in range(9):
        if t[e + k] != _AND_THE[k]:
            return False
    c = t[e + 9]
    return (65 <= c <= 90) or c == 60


def _word_after(t, at, last, space):  # pragma: no cover - compiled
    """The end of the word after the space t[at] (`context._word_after`), and whether it holds a capital;
    an end of -1 where the proof cannot read it: a non-ASCII byte, `--`, or more than MAX_WORD bytes."""
    j = at + 1
    capital = False
    while j < last and not space[t[j]]:
        b = t[j]
        if b >= 128 or (b == 45 and j + 1 < last and t[j + 1] == 45):
            return -1, False
        capital |= 65 <= b <= 90
        j += 1
        if j - at > MAX_WORD:
            return -1, False
    return j, capital


def _clear_one(t, f, last, s, e, space, alnum, strip, eponym, place, titles, titles_b, titles_n, not_names, not_names_b,
               not_names_n, last_words, and_hash, keys, keys_b, keys_n, before_last, possessives):  # pragma: no cover - compiled
    """True when no rule of `context.rejection` can reject the occurrence t[s:e] of the text t[f:last]."""
    w0 = max(f, s - WINDOW)  # the window's first byte where its characters are ASCII
    if s > f and t[s - 1] == 45:  # a hyphen before: maybe inside a hyphenated name
        return False
    # The word after (`_word_after`): no name (no capital, or a word that is none), none of the eponym
    # nouns, not `and the` and a capital. After `'s`, `’s` or ` 's`: no possessive eponym noun.
    possessive = -1  # the byte after such an `s`, where a space may open the noun the possessive rule reads
    if e < last:
        c = t[e]
        if c == 34:
            return False
        if c == 39:  # an apostrophe: no word-after rule reads past it but the possessive one
            if e + 1 < last and t[e + 1] == 115:
                possessive = e + 2
        elif c >= 128:
            if not _right_quote(t, e, last):
                return False
            if e + 3 < last and t[e + 3] == 115:
                possessive = e + 4
        elif c == 32 and e + 1 < last and t[e + 1] == 39:
            # ` 's` alone: the word after is `'s`, bare `s`, which no rule but the eponym nouns' may reject
            j = e + 1
            if not (j + 1 < last and t[j + 1] == 115 and (j + 2 == last or space[t[j + 2]])):
                return False
            if _member(eponym, _hash(t, j + 1, j + 2)):
                return False
            possessive = j + 2
        elif c == 32 and e + 1 < last:
            j, capital = _word_after(t, e, last, space)
            if j < 0:
                return False
            a, z = _bare(t, e + 1, j, strip)
            h = _hash(t, a, z)
            if _member(eponym, h):
                return False
            if h == and_hash and _and_the_title(t, e, last):
                return False
            if capital:
                while z > a and t[z - 1] == 46:
                    z -= 1
                if not _exact_member(not_names, not_names_b, not_names_n, _hash(t, a, z), t, a, z):
                    return False
    if possessive >= 0 and possessive + 1 < last and t[possessive] == 32:
        j, _ = _word_after(t, possessive, last, space)
        if j < 0:
            return False
        a, z = _bare(t, possessive + 1, j, strip)
        if _member(possessives, _hash(t, a, z)):
            return False
    # The word before (`_word_before`): no place word; for a one-word alias no capital unless a title
    # or an abbreviation (`President Lincoln`, `Mr. Lincoln`).
    if s - f >= 2 and t[s - 1] == 32:
        i = s - 1
        while i > f and not space[t[i - 1]]:
            if t[i - 1] >= 128:
                return False
            i -= 1
            if s - i > MAX_WORD:
                return False
        for k in range(i, s - 2):
            if t[k] == 45 and t[k + 1] == 45:
                return False
        if s - 1 > i and (alnum[t[s - 2]] or t[s - 2] == 46):
            a, z = _bare(t, i, s - 1, strip)
            while z > a and t[z - 1] == 46:
                z -= 1
            h = _hash(t, a, z)
            if _member(place, h):
                return False
            one_word = True
            for k in range(s, e):
                if t[k] == 32:
                    one_word = False
            if (one_word and t[s - 2] != 46 and not _exact_member(titles, titles_b, titles_n, h, t, a, z)
                    and not _exact_member(not_names, not_names_b, not_names_n, h, t, a, z)):
                for k in range(i, s - 1):
                    if 65 <= t[k] <= 90:
                        return False
    # The window before: a quote at its end, or a last word some window rule ends with.
    if s - 1 >= w0 and (t[s - 1] == 34 or (t[s - 1] == 32 and s - 2 >= w0 and t[s - 2] == 34)):
        return False
    # Only the bytes read must be ASCII: then the window's last word is the same bytes however many
    # characters it spans, unless the scan reaches the WINDOW-th byte back inside the text.
    z = s
    while z > w0 and space[t[z - 1]]:
        z -= 1
    while z > w0 and (t[z - 1] == 34 or t[z - 1] == 39):
        z -= 1
    while z > w0 and space[t[z - 1]]:
        z -= 1
    a = z
    while a > w0 and not (space[t[a - 1]] or t[a - 1] == 40):
        if t[a - 1] >= 128:
            return False
        a -= 1
    if (a == w0 and w0 > f) or (z > w0 and t[z - 1] >= 128):
        return False
    h = _hash(t, a, z)
    if _member(last_words, h):
        # `of`, `to`, `in`: a rule matches only with one of a few words right before (`the city of`).
        if not _exact_member(keys, keys_b, keys_n, h, t, a, z) or a == w0 or t[a - 1] != 32:
            return False
        y = a - 1
        while y > w0 and space[t[y - 1]]:
            y -= 1
        x = y
        while x > w0 and not (space[t[x - 1]] or t[x - 1] == 40):
            b = t[x - 1]
            if not (65 <= b <= 90 or 97 <= b <= 122):
                return False
            x -= 1
        if x == w0 and w0 > f:
            return False
        if _member(before_last, h ^ _hash(t, x, y)):
            return False
    # The rest after: a `(` after an optional quote and whitespace may open `(film)`.
    p = e
    lim = min(last, e + REST)
    if p < lim and (t[p] == 34 or t[p] == 39):
        p += 1
    while p < lim and space[t[p]]:
        p += 1
    if p < lim and (t[p] == 40 or (t[p] >= 128 and not (p == e and _right_quote(t, p, last)))):
        return False  # (`’` right after is no quotation mark the rule skips: no `(` follows it)
    return True


def _clear(orig, o_off, low, l_off, doc, starts, ends, ids, wanted, out, space, alnum, strip, eponym, place, titles, titles_b, titles_n,
           not_names, not_names_b, not_names_n, last_words, and_hash, keys, keys_b, keys_n, before_last, possessives):  # pragma: no cover - compiled
    """out[j] = 1 when occurrence j (bytes starts[j]:ends[j] of lowered text doc[j], key ids[j]) is proven
    clear; only occurrences of keys with wanted[key] are tried (the others stay 0). Its
    bytes in the text are the same offsets from the text's start where every character up to its end is
    as wide in the text as in the lowered text (checked once per text, up to its furthest occurrence)."""
    current, same, checked = -1, False, 0
    for j in range(doc.shape[0]):
        out[j] = 0
        if not wanted[ids[j]]:
            continue
        d = doc[j]
        if d != current:
            current, checked, same = d, 0, True
        reach = ends[j] - l_off[d]
        if same and reach > checked:  # (the lowered text has at least `reach` bytes: the occurrence is in it)
            same = _same_widths(orig, o_off[d] + checked, low, l_off[d] + checked, reach - checked)
            checked = reach
        if same:
            shift = o_off[d] - l_off[d]
            out[j] = _clear_one(orig, o_off[d], o_off[d + 1], starts[j] + shift, ends[j] + shift, space, alnum, strip,
                                eponym, place, titles, titles_b, titles_n, not_names, not_names_b, not_names_n, last_words,
                                and_hash, keys, keys_b, keys_n, before_last, possessives)


_compiled = kernel(_clear, helpers=(_hash, _member, _exact_member, _bare, _same_widths, _and_the_title, _right_quote, _word_after, _clear_one))


def clear_occurrences(orig: np.ndarray, orig_offsets: np.ndarray, low: np.ndarray, low_offsets: np.ndarray,
                      doc: np.ndarray, starts: np.ndarray, ends: np.ndarray, ids: np.ndarray | None = None,
                      wanted: np.ndarray | None = None) -> np.ndarray | None:
    """Per occurrence (bytes starts:ends of the lowered text `doc`, grouped by text), True when it is proven
    clear of every context rule; the texts as UTF-8 bytes with int64 offsets [n + 1], the lowered ones as
    the matcher scanned them. With `ids` (each occurrence's key) and `wanted` (a bool per key), only the
    wanted keys' occurrences are tried, the others False. None without numba."""
    run = _compiled.compiled()
    if run is None:
        return None
    out = np.zeros(len(doc), dtype=np.uint8)
    if len(doc):
        if ids is None or wanted is None:
            ids, wanted = np.zeros(len(doc), np.int64), np.ones(1, np.bool_)
        run(orig, orig_offsets, low, low_offsets, doc.astype(np.int64), starts.astype(np.int64), ends.astype(np.int64),
            ids.astype(np.int64), wanted.astype(np.bool_), out, _SPACE, _ALNUM, _STRIP, _EPONYM, _PLACE, *_TITLES, *_NOT_NAMES, _LAST_WORDS,
            _AND[0], *_BEFORE_LAST_KEYS, _BEFORE_LAST, _POSSESSIVES)
    return out.view(np.bool_)


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`)."""
    data = np.frombuffer(b"Ann met Lincoln.", np.uint8)
    offsets = np.array([0, len(data)], np.int64)
    clear_occurrences(data, offsets, data, offsets, np.array([0]), np.array([8]), np.array([15]))
    return ["context_clear.clear_occurrences"]
