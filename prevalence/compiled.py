"""The one switch for the project's compiled kernels: numba's `njit`, or None where numba cannot be
imported (no wheel for the platform) or PREVALENCE_COMPILED=off. Every kernel has a numpy or Arrow
path beside it that gives the same output, and the tests hold the two equal.

Kernels are compiled on first use and cached on disk (numba's `cache=True`: beside the module, or in
the user's cache folder where that is read-only), so a machine compiles each once;
`python -m prevalence.build_kernels` does it ahead of time (scripts/bootstrap.sh runs it).
"""

from __future__ import annotations

import os

try:
    if os.environ.get("PREVALENCE_COMPILED", "on") == "off":
        raise ImportError("PREVALENCE_COMPILED=off")
    from numba import njit as _njit
except ImportError:
    _njit = None

AVAILABLE = _njit is not None


def kernel(fn):
    """`fn` compiled (cached, no bounds checks, GIL released), or None without numba."""
    if not AVAILABLE:
        return None
    try:
        return _njit(cache=True, nogil=True, boundscheck=False)(fn)
    except RuntimeError:  # numba finds no folder to cache in: compile in every process instead
        return _njit(nogil=True, boundscheck=False)(fn)
