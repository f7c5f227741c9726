"""MinHash signatures of word shingles, vectorised with numpy over Arrow batches.

The signatures equal datasketch's `MinHash(num_perm, seed, hashfunc=shingle_hash)` (scheme `affine32`,
the datasketch 2 default) updated with the same shingles, so they can be loaded into datasketch's
`MinHashLSH` or `LeanMinHash` (see `to_datasketch`). Word hashing is one compiled loop over the
batch's bytes (`dedup.xxh3`), and shingle hashing, permutation and minimum another (`dedup.compiled`);
where numba is not available, the xxhash wheel hashes each distinct word and numpy array operations
do the rest.

Shingles: the document is lowercased and split on whitespace; its shingles are the runs of
`shingle_size` consecutive words, joined by one space. A document with fewer words than that has one
shingle (all its words); an empty document has none and no signature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from prevalence.compiled import utf8_buffers
from prevalence.dedup import compiled as compiled_kernels
from prevalence.dedup.word_starts import word_starts
from prevalence.dedup.xxh3 import xxh3_64_ranges

MASK32 = np.uint64(0xFFFFFFFF)
_SHINGLE_SEED = np.uint64(0x9E3779B97F4A7C15)
# Shingles permuted at once. A (num_perm x 8192) uint32 block stays in cache, which measured 20x
# faster than one large (shingles x num_perm) block.
CHUNK_SHINGLES = 8192


# MurmurHash3 finalizer constants per width: (shift, multiplier, shift, multiplier, shift).
_FMIX = {
    64: tuple(np.uint64(c) for c in (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33)),
    32: tuple(np.uint32(c) for c in (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)),
}


def fmix(h: np.ndarray, width: int) -> np.ndarray:
    """MurmurHash3's finalizer, element-wise with wrapping arithmetic; width 32 is what datasketch's
    affine32 scheme applies to every input hash."""
    s1, m1, s2, m2, s3 = _FMIX[width]
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s3)


def word_hash(word: str) -> int:
    """Stable 64-bit hash of one word (xxh3 of its UTF-8 bytes)."""
    return xxhash.xxh3_64_intdigest(word.encode("utf-8"))


def _combine(word_hashes: list[np.ndarray]) -> np.ndarray:
    """Hash of a run of words from their word hashes; order matters. Returns uint32."""
    h = np.full(word_hashes[0].shape, _SHINGLE_SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for w in word_hashes:
            h = fmix(h ^ w, 64)
    return ((h >> np.uint64(32)) ^ (h & MASK32)).astype(np.uint32)


def shingle_hash(shingle: str | bytes) -> int:
    """The project's 32-bit shingle hash, for datasketch: `MinHash(hashfunc=shingle_hash)`."""
    if isinstance(shingle, bytes):
        shingle = shingle.decode("utf-8")
    words = [np.array([word_hash(w)], dtype=np.uint64) for w in shingle.split(" ")]
    return int(_combine(words)[0])


def shingles(text: str, size: int) -> list[str]:
    """The shingles of one document as strings (slow reference; signatures never build these)."""
    words = text.lower().split()
    if not words:
        return []
    if len(words) < size:
        return [" ".join(words)]
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


@dataclass(frozen=True)
class MinHasher:
    """Signs documents; `num_perm` permutations of the affine32 scheme from `seed`."""

    num_perm: int = 128
    shingle_size: int = 5
    seed: int = 1

    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        """(a, b) exactly as datasketch's MinHash(num_perm, seed, scheme='affine32') draws them."""
        gen = np.random.RandomState(self.seed)
        a = gen.randint(0, 1 << 31, self.num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, self.num_perm, dtype=np.uint32)
        return a, b

    def signatures(self, texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(signatures uint32 [n_docs, num_perm], has_signature bool [n_docs]) for a string array.

        Null and empty documents have no shingles: has_signature is False and their row is all
        2**32-1 (datasketch's empty value).
        """
        return self.signatures_and_keys(texts)[:2]

    def signatures_and_keys(self, texts: pa.Array, normalised: pa.Array | None = None,
                            compiled: bool = True, lowered: pa.Array | None = None) -> tuple[np.ndarray, np.ndarray, pa.Array]:
        """Signatures as above, plus each document's exact-duplicate key from the same tokenisation:
        xxh3-128 (hex) of its sequence of 64-bit word hashes, so documents equal after lowercasing and
        collapsing whitespace get equal keys (`dedup.exact.text_keys` without a second pass); null
        texts get null keys. `normalised`, when given, must be `" ".join(t.split())` of each text
        (`tagging.words.normalise_whitespace`): its words are then split off at single spaces, which
        is twice as fast, with the same signatures and keys. `compiled`: the one-loop numba kernel
        (`dedup.compiled`) where numba is available, else (or when False) the numpy array passes, which
        give the same signatures. `lowered`, when given with `normalised`, must be `pc.utf8_lower(normalised)`
        (the caller has it already)."""
        n_docs = len(texts)
        token_hashes, offsets = self._token_hashes(texts, normalised, compiled, lowered)
        valid = texts.is_valid().to_numpy(zero_copy_only=False)
        raw = memoryview(np.ascontiguousarray(token_hashes)).cast("B")  # sliced without a copy
        bounds = (8 * offsets).tolist()
        keys = pa.array([xxhash.xxh3_128_hexdigest(raw[bounds[d]:bounds[d + 1]]) if valid[d] else None for d in range(n_docs)],
                        pa.string())
        has = np.diff(offsets) > 0
        a, b = self.permutations()
        signed = compiled_kernels.sign_tokens(token_hashes, offsets, self.shingle_size, _SHINGLE_SEED, a, b) if compiled else None
        if signed is not None:
            return signed, has, keys
        sig = np.full((n_docs, self.num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
        shingle_hashes, shingle_doc = _shingle_hashes(token_hashes, offsets, self.shingle_size)
        if len(shingle_hashes) == 0:
            return sig, has, keys
        pre = fmix(shingle_hashes, 32)
        sig_t = sig.T.copy()  # permutation-major: each block row is one permutation
        block = np.empty((self.num_perm, CHUNK_SHINGLES), dtype=np.uint32)
        with np.errstate(over="ignore"):
            for start in range(0, len(pre), CHUNK_SHINGLES):
                hashes = pre[start : start + CHUNK_SHINGLES]
                view = block[:, : len(hashes)]
                np.multiply(a[:, None], hashes[None, :], out=view)
                view += b[:, None]
                docs = shingle_doc[start : start + CHUNK_SHINGLES]
                # Shingles are grouped by document: one minimum per run of equal document index.
                starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
                owners = docs[starts]
                sig_t[:, owners] = np.minimum(sig_t[:, owners], np.minimum.reduceat(view, starts, axis=1))
        sig = np.ascontiguousarray(sig_t.T)
        return sig, has, keys

    def _token_hashes(self, texts: pa.Array, normalised: pa.Array | None = None,
                      compiled: bool = True, lowered: pa.Array | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(word hash uint64 per token, token offsets per document [n_docs + 1]) of lowercased texts:
        every word hashed in one compiled loop (`dedup.xxh3`), or each distinct word by the xxhash wheel
        when `compiled` is False or numba is not available."""
        if normalised is None:
            words = pc.utf8_split_whitespace(pc.utf8_lower(texts))
            counts = pc.fill_null(pc.list_value_length(words), 0).to_numpy(zero_copy_only=False).astype(np.int64)
            flat = pc.list_flatten(words)
            # Arrow keeps empty strings where text starts or ends with whitespace, and splits "" into [""];
            # str.split() does neither.
            nonempty = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
            if not nonempty.all():
                doc_of_token = np.repeat(np.arange(len(counts)), counts)
                counts = np.bincount(doc_of_token[nonempty], minlength=len(counts)).astype(np.int64)
                flat = flat.filter(pa.array(nonempty))
        else:  # lowercasing neither makes nor removes whitespace: the same words, already single-spaced
            flat, counts = spaced_words(pc.utf8_lower(normalised) if lowered is None else lowered)
        offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
        if len(flat) == 0:
            return np.empty(0, np.uint64), offsets
        if compiled:
            hashed = _hash_words_compiled(flat)
            if hashed is not None:
                return hashed, offsets
        encoded = pc.dictionary_encode(flat).combine_chunks() if isinstance(flat, pa.ChunkedArray) else pc.dictionary_encode(flat)
        # word_hash of each distinct word: xxh3 straight from the words' UTF-8 bytes, one C call each (a
        # word of `spaced_words` may carry its following space, which is not hashed).
        distinct = pc.utf8_rtrim(encoded.dictionary, " ").cast(pa.binary()).to_pylist()
        vocabulary = np.fromiter(map(xxhash.xxh3_64_intdigest, distinct), dtype=np.uint64, count=len(distinct))
        token_hashes = vocabulary[encoded.indices.to_numpy(zero_copy_only=False)]
        return np.ascontiguousarray(token_hashes, dtype=np.uint64), offsets


def _hash_words_compiled(words: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """`word_hash` of every word of a string array, in one compiled loop over its bytes (a word of
    `spaced_words` carries its following space, which is not hashed); None without the kernel."""
    _, offsets, data = utf8_buffers(words)
    return xxh3_64_ranges(data, offsets, strip_space=True)


def _shingle_hashes(token_hashes: np.ndarray, offsets: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(shingle hash uint32, document index) for every shingle of every document, grouped by
    document (the numpy path; `dedup.compiled` makes them inside its loop)."""
    counts = np.diff(offsets)
    doc_of_token = np.repeat(np.arange(len(counts)), counts)
    # Full shingles: windows of k tokens that start and end inside one document.
    n_tokens = len(token_hashes)
    if n_tokens >= k:
        windows = n_tokens - k + 1
        # Every window as k contiguous slices (views, no gathers); keep those inside one document.
        full = np.arange(windows) + k <= offsets[doc_of_token[:windows] + 1]
        hashes = _combine([token_hashes[j : windows + j] for j in range(k)])[full]
        docs = doc_of_token[:windows][full]
    else:
        hashes, docs = np.empty(0, np.uint32), np.empty(0, np.int64)
    # Short documents (1..k-1 words): one shingle of all their words.
    short = np.flatnonzero((counts > 0) & (counts < k))
    if len(short):
        short_hashes = np.array(
            [_combine([token_hashes[offsets[d] + j : offsets[d] + j + 1] for j in range(counts[d])])[0] for d in short],
            dtype=np.uint32,
        )
        hashes = np.concatenate([hashes, short_hashes])
        docs = np.concatenate([docs, short])
        order = np.argsort(docs, kind="stable")
        hashes, docs = hashes[order], docs[order]
    return hashes, docs


def spaced_words(texts: pa.Array, compiled: bool = True) -> tuple[pa.Array, np.ndarray]:
    """The words of single-spaced texts (`" ".join(t.split())`, nulls as empty) as one string array over
    the texts' own bytes, without a copy: each word with the space that follows it, none after a text's
    last word. And the number of words per text (int64). Words equal as `str.split()` reads them are
    equal here once a trailing space is stripped. One compiled pass (`dedup.word_starts`) unless
    `compiled` is False or numba is not available."""
    texts, offsets, data = utf8_buffers(pc.fill_null(texts, ""))
    low, high = int(offsets[0]), int(offsets[-1])
    if high == low:
        return pa.array([], pa.string()), np.zeros(len(texts), np.int64)
    found = word_starts(data, offsets) if compiled else None
    if found is not None:
        first, counts = found
        return pa.StringArray.from_buffers(len(first) - 1, pa.py_buffer(first), pa.py_buffer(data)), counts
    # A word starts after every space and where a non-empty text starts (no text starts or ends with a
    # space, so the two sets never meet: the text starts are inserted in order among the others).
    after_space = np.flatnonzero(data[low : high - 1] == 32).astype(np.int32)
    after_space += low + 1
    text_starts = offsets[:-1][np.diff(offsets) > 0].astype(np.int32)
    first = np.insert(after_space, np.searchsorted(after_space, text_starts), text_starts)
    counts = np.diff(np.searchsorted(first, offsets)).astype(np.int64)
    words = pa.StringArray.from_buffers(len(first), pa.py_buffer(np.append(first, np.int32(high))), pa.py_buffer(data))
    return words, counts


def to_datasketch(signature, seed: int = 1):
    """A datasketch MinHash holding a signature computed here (same seed as the MinHasher)."""
    from datasketch import MinHash

    values = np.asarray(signature, dtype=np.uint32)
    return MinHash(num_perm=len(values), seed=seed, hashvalues=values, scheme="affine32")
