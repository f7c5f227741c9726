"""Shares and Wilson intervals for the prevalence table."""

import numpy as np
import pyarrow as pa
import pytest

from prevalence.catalog import catalog_from_records
from prevalence.estimate import prevalence_table, wilson_interval


def test_wilson_interval_matches_published_values():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 0/10 -> (0, 0.2775), 1/29 -> (0.0061, 0.1718)
    low, high = wilson_interval([0, 1], [10, 29])
    assert low[0] == 0.0 and high[0] == pytest.approx(0.2775, abs=1e-4)
    assert low[1] == pytest.approx(0.0061, abs=1e-4) and high[1] == pytest.approx(0.1718, abs=1e-4)


def test_wilson_interval_contains_the_estimate_and_stays_in_unit_range():
    k = np.array([0, 1, 5, 50, 99, 100])
    low, high = wilson_interval(k, 100)
    p = k / 100
    assert np.all(low <= p) and np.all(p <= high)
    assert np.all(low >= 0) and np.all(high <= 1)
    assert high[-1] == 1.0


def test_wider_level_gives_wider_interval():
    l95, h95 = wilson_interval(10, 200, 0.95)
    l99, h99 = wilson_interval(10, 200, 0.99)
    assert l99 < l95 and h99 > h95


def test_no_documents_gives_no_interval():
    low, high = wilson_interval(0, 0)
    assert np.isnan(low) and np.isnan(high)


def test_prevalence_table_ranks_and_keeps_unseen_personas():
    cat = catalog_from_records([
        {"id": "a", "name": "A", "kind": "fictional_character"},
        {"id": "b", "name": "B", "kind": "fictional_character"},
        {"id": "c", "name": "C", "kind": "historical_figure"},
    ])
    counts = pa.table({"persona_id": ["b", "a"], "role": ["mention", "mention"], "docs": [3, 7], "count": [9, 8], "tokens": pa.array([None, None], pa.int64())})
    table = prevalence_table(counts, 100, 5000, cat, ("mention",)).to_pylist()
    by_id = {r["persona_id"]: r for r in table}
    assert [by_id[i]["rank"] for i in "abc"] == [1, 2, None]
    assert by_id["a"]["doc_share"] == pytest.approx(0.07)
    assert by_id["c"]["docs"] == 0 and by_id["c"]["ci_low"] == 0.0 and by_id["c"]["ci_high"] > 0
    assert {r["total_docs"] for r in table} == {100}
    assert by_id["a"]["token_share"] is None and by_id["a"]["adjusted_share"] is None


def test_the_interval_level_reaches_every_doc_share_interval():
    cat = catalog_from_records([{"id": "a", "name": "A", "kind": "fictional_character"}])
    counts = pa.table({"persona_id": ["a"], "role": ["mention"], "docs": [12], "count": [12], "tokens": pa.array([None], pa.int64())})
    row90 = prevalence_table(counts, 60, 1000, cat, ("mention",), level=0.9).to_pylist()[0]
    row95 = prevalence_table(counts, 60, 1000, cat, ("mention",), level=0.95).to_pylist()[0]
    assert (row90["ci_low"], row90["ci_high"]) == pytest.approx(tuple(float(x) for x in wilson_interval(12, 60, 0.9)))
    assert row90["ci_level"] == 0.9 and row90["ci_high"] - row90["ci_low"] < row95["ci_high"] - row95["ci_low"]


def test_shares_of_three_documents_or_fewer_get_the_exact_interval():
    from scipy.stats import beta

    cat = catalog_from_records([{"id": "a", "name": "A", "kind": "fictional_character"}, {"id": "b", "name": "B", "kind": "fictional_character"}])
    counts = pa.table({"persona_id": ["a"], "role": ["mention"], "docs": [1], "count": [1], "tokens": pa.array([None], pa.int64())})
    rows = {r["persona_id"]: r for r in prevalence_table(counts, 917, 1000, cat, ("mention",)).to_pylist()}
    assert rows["a"]["ci_method"] == "clopper_pearson"
    assert (rows["a"]["ci_low"], rows["a"]["ci_high"]) == pytest.approx((beta.ppf(0.025, 1, 917), beta.ppf(0.975, 2, 916)))
    assert rows["b"]["ci_low"] == 0 and rows["b"]["ci_high"] == pytest.approx(1 - 0.025 ** (1 / 917))


def test_token_shares_of_few_documents_are_flagged_low_support():
    cat = catalog_from_records([{"id": "a", "name": "A", "kind": "fictional_character"}, {"id": "b", "name": "B", "kind": "fictional_character"}])
    counts = pa.table({"persona_id": ["a", "b"], "role": ["speaker", "speaker"], "docs": [3, 40], "count": [9, 80], "tokens": [500, 9000]})
    rows = {r["persona_id"]: r for r in prevalence_table(counts, 1000, 10**6, cat, ("speaker",)).to_pylist()}
    assert (rows["a"]["support"], rows["a"]["token_ci_method"]) == (3, "low_support")
    assert (rows["b"]["support"], rows["b"]["token_ci_method"]) == (40, "bootstrap")
