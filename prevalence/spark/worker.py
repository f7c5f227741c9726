"""What every worker-side function of the Spark layer does first (`on_worker`): settle the Python
worker process once, before its first task.

PySpark's worker loop runs a full garbage collection (`gc.collect`) after every task of a reused
worker (pyspark.daemon), and the next task given to that worker waits for it. A full collection
reads every object the process tracks: pyspark, pyarrow, the project's modules and numba's compiled
kernels, about 180,000 objects, 0.07 s on these machines, once per task and so once per shard. `settle` collects once and then moves
every object alive to the collector's permanent generation (`gc.freeze`), which later collections
skip: each then reads only what later tasks made (a few milliseconds).

A frozen object is still freed when nothing refers to it any more (reference counting); only a
reference cycle among frozen objects is never collected, and what is alive at settling is the
modules, the kernels and the first task's own functions and stages: at most that, once per worker
process, not once per task. Outside a Spark task (`TaskContext.get()` is None: tests, the driver)
nothing is done.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pyarrow as pa

_settled = False


def settle(kernels: bool = False) -> bool:
    """Once per worker process inside a Spark task: with `kernels`, load the compiled kernels first
    (`build_kernels`: the tagging stages use them, and their objects are then frozen too); collect, and
    freeze what is alive. True when this call settled the process."""
    global _settled
    from pyspark import TaskContext

    if _settled or TaskContext.get() is None:
        return False
    if kernels:
        from prevalence.build_kernels import build

        build()
    freeze_alive()
    _settled = True
    return True


def freeze_alive() -> None:
    """Collect once, then move every object alive to the collector's permanent generation (`gc.freeze`),
    which later collections skip (and a forked child leaves its pages shared)."""
    gc.collect()  # small: the garbage collector's pass in this process; no rows reach the driver
    gc.freeze()


def on_worker(fn: Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]],
              kernels: bool = False) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """`fn` (a `mapInArrow` function) that settles its worker process (`settle`) before it reads a batch."""
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        settle(kernels)
        yield from fn(batches)
    return run
