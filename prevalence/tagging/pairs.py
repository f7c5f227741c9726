"""Persona pairs of one document, for the co-occurrence table (hybrid personas).

In document mode two personas co-occur when both have a hit in the document, in any role. In window
mode (`window` > 0 words) two personas co-occur when mentions of both fall within `window` words of
each other; only mentions have positions, so window mode pairs mentions only. Either way a document
contributes each pair once, and only among its `max_personas` personas with the most hits (ties by
id): a long-tail catalog never makes a quadratic number of pairs per document.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations


def top_personas(weights: dict[str, int], limit: int) -> list[str]:
    """The `limit` personas with the largest weight, ties broken by id."""
    return sorted(weights, key=lambda p: (-weights[p], p))[:limit]


def document_pairs(weights: dict[str, int], max_personas: int) -> list[tuple[str, str]]:
    """Sorted (a, b) pairs, a < b, of a document's top personas."""
    return list(combinations(sorted(top_personas(weights, max_personas)), 2))


def window_pairs(located: Iterable[tuple[int, str]], window: int, max_personas: int) -> list[tuple[str, str]]:
    """Sorted distinct (a, b) pairs, a < b, of mentions at most `window` words apart.

    `located` holds (word index, persona_id) of each mention; personas outside the document's top
    `max_personas` by mention count are dropped first.
    """
    located = sorted(located)
    counts: dict[str, int] = {}
    for _, pid in located:
        counts[pid] = counts.get(pid, 0) + 1
    keep = set(top_personas(counts, max_personas))
    located = [(w, p) for w, p in located if p in keep]
    pairs: set[tuple[str, str]] = set()
    lo = 0
    for hi, (w, p) in enumerate(located):
        while located[lo][0] < w - window:
            lo += 1
        for _, q in located[lo:hi]:
            if q != p:
                pairs.add((p, q) if p < q else (q, p))
    return sorted(pairs)
