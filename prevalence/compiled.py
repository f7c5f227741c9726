"""The one switch for the project's compiled kernels (numba, from its wheel: no toolchain). Every kernel
has a numpy or Arrow path beside it that gives the same output, and the tests hold the two equal; the
compiled one runs unless numba cannot be imported (no wheel for the platform) or PREVALENCE_COMPILED=off.

numba is imported, and a kernel compiled, only when a kernel is first called, so a process that never
signs or tags a batch (the driver, `prevalence rank`) never pays for it. Compiled code is cached on
disk (numba's `cache=True`: beside the module, or in the user's cache folder where that is
read-only), so a machine compiles each kernel once; `python -m prevalence.build_kernels` does it
ahead of time (scripts/bootstrap.sh runs it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

_numba: Any = None  # the module once imported, False once it cannot be


def available() -> bool:
    """Whether the kernels run compiled here (imports numba the first time it is asked)."""
    global _numba
    if _numba is None:
        try:
            if os.environ.get("PREVALENCE_COMPILED", "on") == "off":
                raise ImportError("PREVALENCE_COMPILED=off")
            import numba
        except ImportError:
            _numba = False
        else:
            _numba = numba
    return _numba is not False


class Kernel:
    """A function compiled with numba on its first call (cached, no bounds checks, GIL released).
    `compiled()` is the callable, or None where numba is not available."""

    def __init__(self, fn: Callable, helpers: tuple[Callable, ...] = (), intrinsics: dict[str, str] | None = None):
        self.fn = fn
        self.helpers = helpers
        self.intrinsics = intrinsics or {}
        self._compiled: Callable | None = None

    def compiled(self) -> Callable | None:
        if self._compiled is None and available():
            for name, intrinsic in self.intrinsics.items():  # module names of Python stand-ins, bound to numba intrinsics
                self.fn.__globals__[name] = _intrinsics()[intrinsic]
            for helper in self.helpers:  # compiled where `fn` calls them: its module's name then names the compiled one
                self.fn.__globals__[helper.__name__] = Kernel(helper).compiled()
            try:
                self._compiled = _numba.njit(cache=True, nogil=True, boundscheck=False)(self.fn)
            except RuntimeError:  # numba finds no folder to cache in: compile in every process instead
                self._compiled = _numba.njit(nogil=True, boundscheck=False)(self.fn)
        return self._compiled


def kernel(fn: Callable, helpers: tuple[Callable, ...] = (), intrinsics: dict[str, str] | None = None) -> Kernel:
    """`fn` as a Kernel, compiled when first needed; `helpers` are the functions of its module that it
    calls, compiled with it (listed callees first); `intrinsics` maps names `fn` calls to `_intrinsics()`."""
    return Kernel(fn, helpers, intrinsics)


_INTRINSICS: dict[str, Any] = {}


def _intrinsics() -> dict[str, Any]:
    """numba intrinsics the kernels may call (made once numba is imported):

    - `prefetch_row(matrix, row)`: asks the CPU to bring a row of a C-ordered 2-D array into cache
      (LLVM's `llvm.prefetch`, read, high locality); it changes no value."""
    if not _INTRINSICS:
        from llvmlite import ir
        from numba.core import cgutils, types
        from numba.extending import intrinsic

        @intrinsic
        def prefetch_row(typingctx, matrix, row):
            def codegen(context, builder, signature, args):
                array = context.make_array(signature.args[0])(context, builder, args[0])
                zero = context.get_constant(types.intp, 0)
                pointer = cgutils.get_item_pointer(context, builder, signature.args[0], array, [args[1], zero], wraparound=False)
                byte_pointer = ir.IntType(8).as_pointer()
                fnty = ir.FunctionType(ir.VoidType(), [byte_pointer, ir.IntType(32), ir.IntType(32), ir.IntType(32)])
                prefetch = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch")
                i32 = ir.IntType(32)
                builder.call(prefetch, [builder.bitcast(pointer, byte_pointer), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
                return context.get_dummy_value()

            return types.void(matrix, row), codegen

        _INTRINSICS["prefetch_row"] = prefetch_row
    return _INTRINSICS


def read64(data, words, p):  # pragma: no cover - compiled where a kernel calls it
    """A kernel helper: the 8 bytes data[p:p + 8] as a little-endian uint64, from the two aligned words of
    `words` (`aligned_words(data)`) that hold them, with no branch on the alignment; bytewise where
    `words` ends (the buffer's last bytes, or a buffer off the 8-byte grid)."""
    q = p >> 3
    if q + 1 >= words.shape[0]:
        v = np.uint64(0)
        for k in range(8):
            v |= np.uint64(data[p + k]) << np.uint64(8 * k)
        return v
    r = np.uint64(8 * (p & 7))
    return (words[q] >> r) | ((words[q + 1] << np.uint64(1)) << (np.uint64(63) - r))


_HIGH_BITS = np.uint64(0x8080808080808080)
_BELOW_SPACE = np.uint64(0x6060606060606060)  # an ASCII byte plus 0x60 keeps its high bit clear only below 0x20


def printable8(x):  # pragma: no cover - compiled where a kernel calls it
    """A kernel helper: whether the 8 bytes of x (`read64`) are all printable ASCII, 0x20-0x7F: no byte
    with its high bit set and none below 0x20 (exact: with no high bit set, adding 0x60 carries out of
    no byte)."""
    return ((x & _HIGH_BITS) | (~(x + _BELOW_SPACE) & _HIGH_BITS)) == 0


def aligned_words(data: np.ndarray) -> np.ndarray:
    """A uint8 buffer as the uint64 words `read64` reads (none where it does not start on the 8-byte grid)."""
    if data.ctypes.data % 8:
        return np.zeros(0, np.uint64)
    return data[: len(data) // 8 * 8].view(np.uint64)


def utf8_buffers(texts: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """What a kernel reads of a string array: (the array as one `string` chunk, its offsets as int64
    [n + 1] into the data, the data bytes as uint8), without copying the text."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if pa.types.is_large_string(texts.type):
        texts = texts.cast(pa.string())
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset:texts.offset + len(texts) + 1].astype(np.int64)
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8) if texts.buffers()[2] is not None else np.zeros(0, np.uint8)
    return texts, offsets, data
