"""prevalence.spark.worker outside a Spark task (tests, the driver): nothing is settled or frozen."""

import gc

import pyarrow as pa

from prevalence.spark import worker


def test_settle_outside_a_spark_task_freezes_nothing(monkeypatch):
    monkeypatch.setattr(worker, "_settled", False)
    frozen = gc.get_freeze_count()
    assert worker.settle(kernels=True) is False
    assert gc.get_freeze_count() == frozen
    assert worker._settled is False


def test_on_worker_yields_the_functions_batches_unchanged(monkeypatch):
    calls = []
    monkeypatch.setattr(worker, "settle", lambda kernels=False: calls.append(kernels))
    batches = [pa.RecordBatch.from_pydict({"x": [1, 2]}), pa.RecordBatch.from_pydict({"x": [3]})]

    def double(it):
        for b in it:
            yield pa.RecordBatch.from_pydict({"x": [2 * v for v in b.column(0).to_pylist()]})

    out = list(worker.on_worker(double, kernels=True)(iter(batches)))
    assert [b.column(0).to_pylist() for b in out] == [[2, 4], [6]]
    assert calls == [True]
