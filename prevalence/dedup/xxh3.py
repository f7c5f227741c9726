"""XXH3-64 (seed 0, the default secret) of many byte ranges of one buffer in one compiled loop: what
`xxhash.xxh3_64_intdigest` gives for each range, with no Python call per word.

The loop follows the algorithm of xxHash's specification (doc/xxhash_spec.md in Cyan4973/xxHash) for
inputs of 0 to 240 bytes, which hold nearly every word; longer ranges are left to the xxhash wheel
(`xxh3_64_ranges` hashes them there). 64x64-bit products are built from 32-bit halves, because numba has
no 128-bit integer. Without numba (`prevalence.compiled`) `xxh3_64_ranges` returns None and callers keep
their dictionary path; the tests hold the two equal.
"""

from __future__ import annotations

import numpy as np
import xxhash

from prevalence.compiled import aligned_words, kernel, read64

# The longest range the compiled loop hashes; longer ones go to the xxhash wheel.
MAX_COMPILED = 240

_DEFAULT_SECRET = bytes.fromhex(
    "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671fcb79e64eccc0e578825ad07dccff7221"
    "b8084674f743248ee03590e6813a264c3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8"
    "a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364eac5ac8334d3ebc3c581a0fffa1363eb"
    "170ddd51b7f0da49d316552629d4689e2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e"
)
# The secret read as a little-endian 64-bit word at every byte offset (the algorithm reads it unaligned).
SECRET64 = np.array([int.from_bytes(_DEFAULT_SECRET[o : o + 8], "little") for o in range(len(_DEFAULT_SECRET) - 7)], np.uint64)

_M32 = np.uint64(0xFFFFFFFF)
_FF = np.uint64(0xFF)
_P64_1 = np.uint64(0x9E3779B185EBCA87)
_P64_2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P64_3 = np.uint64(0x165667B19E3779F9)
_MX1 = np.uint64(0x165667919E3779F9)
_MX2 = np.uint64(0x9FB21C651E98DF25)
_S8 = np.uint64(8)
_S15 = np.uint64(15)
_S16 = np.uint64(16)
_S24 = np.uint64(24)
_S28 = np.uint64(28)
_S29 = np.uint64(29)
_S32 = np.uint64(32)
_S33 = np.uint64(33)
_S35 = np.uint64(35)
_S37 = np.uint64(37)
_S40 = np.uint64(40)
_S49 = np.uint64(49)  # shift counts as uint64, so numba keeps 64-bit unsigned arithmetic


def _xxh3_ranges(data, words, offsets, strip_space, secret, out, long_at):  # pragma: no cover - compiled
    """out[i] = XXH3-64 of data[offsets[i] : offsets[i + 1]] (less one trailing space byte when
    `strip_space`), for ranges of up to MAX_COMPILED bytes; the indexes of longer ones go to `long_at`,
    and their number is returned."""
    n_long = 0
    for i in range(offsets.shape[0] - 1):
        p = offsets[i]
        n = offsets[i + 1] - p
        if strip_space and n > 0 and data[p + n - 1] == 32:
            n -= 1
        if n > MAX_COMPILED:
            long_at[n_long] = i
            n_long += 1
            continue
        ln = np.uint64(n)
        if n <= 3:  # avalanche_XXH64 of the empty input's or the 1-3 bytes' value
            if n == 0:
                h = secret[56] ^ secret[64]
            else:
                h = ((secret[0] & _M32) ^ (secret[4] & _M32)) ^ (
                    np.uint64(data[p + n - 1]) | (ln << _S8) | (np.uint64(data[p]) << _S16) | (np.uint64(data[p + (n >> 1)]) << _S24))
            h ^= h >> _S33
            h *= _P64_2
            h ^= h >> _S29
            h *= _P64_3
            h ^= h >> _S32
            out[i] = h
            continue
        lo = np.uint64(0)  # 4-16 bytes: the first and last 4 (up to 8) or 8 (9-16) bytes, little-endian
        hi = np.uint64(0)
        if n <= 8:
            lo = read64(data, words, p) & _M32
            hi = read64(data, words, p + n - 4) & _M32
        elif n <= 16:
            lo = read64(data, words, p)
            hi = read64(data, words, p + n - 8)
        if n <= 8:
            h = (secret[8] ^ secret[16]) ^ (hi | (lo << _S32))
            h ^= ((h << _S49) | (h >> _S15)) ^ ((h << _S24) | (h >> _S40))
            h *= _MX2
            h ^= (h >> _S35) + ln
            h *= _MX2
            h ^= h >> _S28
            out[i] = h
            continue
        # 9 to 240 bytes: an accumulator plus folded 128-bit products (the low half xor the high half) of
        # two data words xor secret words; 9-16 bytes fold one product of the first and last words.
        if n <= 16:
            lo ^= secret[24] ^ secret[32]
            hi ^= secret[40] ^ secret[48]
            acc = ln + hi
            for k in range(8):
                acc += ((lo >> np.uint64(8 * k)) & _FF) << np.uint64(56 - 8 * k)  # bswap64(lo)
            steps = 1
        elif n <= 128:
            acc = ln * _P64_1
            steps = 2 * (((n - 1) >> 5) + 1)
        else:
            acc = ln * _P64_1
            steps = (n >> 4) + 1  # 8 steps over the first 128 bytes, the remaining full chunks, the last 16 bytes
        for s in range(steps):
            if n <= 16:
                x, y = lo, hi
            else:
                if n <= 128:
                    r = s >> 1
                    if s & 1 == 0:
                        at, so = p + 16 * r, 32 * r
                    else:
                        at, so = p + n - 16 * r - 16, 32 * r + 16
                elif s < 8:
                    at, so = p + 16 * s, 16 * s
                elif s < steps - 1:
                    at, so = p + 16 * s, 16 * (s - 8) + 3
                else:
                    at, so = p + n - 16, 119
                if n > 128 and s == 8:
                    acc ^= acc >> _S37
                    acc *= _MX1
                    acc ^= acc >> _S32
                x = read64(data, words, at) ^ secret[so]
                y = read64(data, words, at + 8) ^ secret[so + 8]
            a0, a1, b0, b1 = x & _M32, x >> _S32, y & _M32, y >> _S32
            ll, hl, lh, hh = a0 * b0, a1 * b0, a0 * b1, a1 * b1
            cross = (ll >> _S32) + (hl & _M32) + lh
            acc += ((cross << _S32) | (ll & _M32)) ^ ((hl >> _S32) + (cross >> _S32) + hh)
        acc ^= acc >> _S37
        acc *= _MX1
        acc ^= acc >> _S32
        out[i] = acc
    return n_long


_compiled = kernel(_xxh3_ranges, helpers=(read64,))


def xxh3_64_ranges(data: np.ndarray, offsets: np.ndarray, strip_space: bool = False) -> np.ndarray | None:
    """XXH3-64 (uint64) of each range data[offsets[i] : offsets[i + 1]] of a uint8 buffer (less one
    trailing space byte when `strip_space`), equal to `xxhash.xxh3_64_intdigest` of its bytes; None
    without the kernel."""
    run = _compiled.compiled()
    if run is None:
        return None
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    out = np.empty(max(len(offsets) - 1, 0), np.uint64)
    long_at = np.empty(len(out), np.int64)
    n_long = run(data, aligned_words(data), offsets, strip_space, SECRET64, out, long_at)
    for i in long_at[:n_long].tolist():
        word = data[offsets[i] : offsets[i + 1]].tobytes()
        out[i] = xxhash.xxh3_64_intdigest(word[:-1] if strip_space and word.endswith(b" ") else word)
    return out


def warm() -> list[str]:
    """Compile or load the kernel (`prevalence.build_kernels`)."""
    xxh3_64_ranges(np.frombuffer(b"warm the xxh3 kernel", np.uint8), np.array([0, 5, 9]), True)
    return ["xxh3.xxh3_64_ranges"]
