"""Sampling, bootstrap replicates, error correction and their measured coverage (fixed seeds)."""

import numpy as np
import pyarrow as pa
import pytest

from prevalence.catalog import catalog_from_records
from prevalence.errors import PrevalenceError
from prevalence.estimate import prevalence_table
from prevalence.stats.bootstrap import partial_replicate_sums, replicate_rows, replicate_weights, sum_replicate_vectors
from prevalence.stats.correction import Audit, adjust, jeffreys_adjusted, load_audit
from prevalence.stats.coverage import measure
from prevalence.stats.sampling import doc_hashes, in_sample

IDS = [f"doc-{i}" for i in range(20000)]


def test_sampling_keeps_the_fraction_and_the_same_documents_every_time():
    hashes = doc_hashes(IDS)
    a, b = in_sample(hashes, 0.3), in_sample(doc_hashes(list(IDS)), 0.3)
    assert np.array_equal(a, b)
    assert abs(a.mean() - 0.3) < 0.01


def test_a_smaller_sample_is_inside_a_larger_one():
    hashes = doc_hashes(IDS)
    small, large = in_sample(hashes, 0.1), in_sample(hashes, 0.3)
    assert np.all(large[small]) and small.sum() < large.sum()


def test_replicate_weights_are_poisson_one_and_independent_of_batching():
    hashes = doc_hashes(IDS)
    w = replicate_weights(hashes, 50).astype(float)
    assert abs(w.mean() - 1) < 0.01 and abs(w.var() - 1) < 0.02
    assert np.array_equal(replicate_weights(hashes[:7], 50), replicate_weights(hashes, 50)[:7])
    assert not np.array_equal(w[:, 0], w[:, 1])


def test_replicate_weights_are_the_inverse_poisson_cdf_of_the_uniform_draw():
    """The integer comparisons give exactly the weights of searching the uniform double in the CDF,
    including draws placed right at and next to each CDF step."""
    from prevalence.stats import bootstrap
    from prevalence.stats.sampling import uniform_from_hash

    hashes = doc_hashes(IDS)
    keys = hashes[:, None] + np.arange(64, dtype=np.uint64)[None, :] * bootstrap._REPLICATE_STEP
    reference = np.searchsorted(bootstrap._POISSON1_CDF, uniform_from_hash(keys), side="right")
    assert np.array_equal(replicate_weights(hashes, 64), reference) and reference.max() >= 4
    for c, step in zip(bootstrap._POISSON1_CDF, bootstrap._POISSON1_STEPS.tolist()):
        # Each step is the smallest draw m (of u = m / 2**53) that reaches its CDF value.
        assert (step - 1) / 2.0**53 < c <= step / 2.0**53


def summed(partials, replicates: int) -> pa.Table:
    """The replicates table made of partial sums, as the job makes it (partials added up per key)."""
    return replicate_rows(pa.Table.from_batches(list(sum_replicate_vectors(partials))), replicates)


def test_partial_sums_equal_the_weighted_sums():
    hashes = doc_hashes(IDS[:10])
    batch = pa.RecordBatch.from_pydict({
        "doc_hash": hashes.view(np.int64), "persona_id": ["b", "a"] * 5, "role": ["speaker"] * 10,
        "count": list(range(10)), "tokens": [10 * i for i in range(10)],
    })
    out = summed(partial_replicate_sums(iter([batch]), 6), 6).to_pydict()
    w = replicate_weights(hashes, 6).astype(float)
    a = np.array([1, 3, 5, 7, 9])
    rows = [i for i, p in enumerate(out["persona_id"]) if p == "a"]
    assert [out["replicate"][i] for i in rows] == list(range(6))
    assert np.allclose([out["docs"][i] for i in rows], w[a].sum(axis=0))
    assert np.allclose([out["tokens"][i] for i in rows], (10 * a[:, None] * w[a]).sum(axis=0))


def test_partial_sums_with_several_rows_per_document():
    """Hit rows of one document share its weights (drawn once per distinct hash)."""
    hashes = doc_hashes(IDS[:4])
    rows = [0, 1, 0, 2, 3, 1, 0]
    batch = pa.RecordBatch.from_pydict({
        "doc_hash": hashes[rows].view(np.int64), "persona_id": ["a", "b", "b", "a", "a", "a", "c"], "role": ["mention"] * 7,
        "count": [1, 2, 3, 4, 5, 6, 7], "tokens": [0] * 7,
    })
    out = summed(partial_replicate_sums(iter([batch]), 8), 8).to_pydict()
    w = replicate_weights(hashes, 8).astype(float)
    a = [i for i, p in enumerate(out["persona_id"]) if p == "a"]
    assert np.array_equal([out["count"][i] for i in a], 1 * w[0] + 4 * w[2] + 5 * w[3] + 6 * w[1])
    assert np.array_equal([out["docs"][i] for i in a], w[0] + w[2] + w[3] + w[1])


def test_document_rows_give_the_sums_of_their_hit_rows_and_totals():
    """hit_rows_of_documents: per-document rows (hits as a list) sum like one row per hit plus one
    `*`/`*` row per document, whatever the batching."""
    from prevalence.stats.bootstrap import hit_rows_of_documents

    hashes = doc_hashes(IDS[:6])
    hit_type = pa.struct([("persona_id", pa.string()), ("role", pa.string()), ("count", pa.int64()), ("tokens", pa.int64())])
    docs = pa.RecordBatch.from_pydict({
        "doc_hash": hashes.view(np.int64), "n_tokens": [10, 20, None, 40, 50, 60],
        "hits": pa.array([[{"persona_id": "a", "role": "mention", "count": 2, "tokens": None}],
                          [], None,
                          [{"persona_id": "a", "role": "mention", "count": 1, "tokens": None},
                           {"persona_id": "b", "role": "speaker", "count": 3, "tokens": 30}],
                          [{"persona_id": "b", "role": "speaker", "count": 5, "tokens": 7}], []], pa.list_(hit_type)),
    })
    rows = pa.RecordBatch.from_pydict({
        "doc_hash": hashes[[0, 3, 3, 4, 0, 1, 2, 3, 4, 5]].view(np.int64),
        "persona_id": ["a", "a", "b", "b"] + ["*"] * 6, "role": ["mention", "mention", "speaker", "speaker"] + ["*"] * 6,
        "count": [2, 1, 3, 5] + [1] * 6, "tokens": [None, None, 30, 7, 10, 20, None, 40, 50, 60],
    })
    expected = summed(partial_replicate_sums(iter([rows]), 5), 5)
    for batches in ([docs], [docs.slice(0, 2), docs.slice(2, 3), docs.slice(5)]):
        assert summed(partial_replicate_sums(hit_rows_of_documents(iter(batches)), 5), 5).equals(expected)
    # Partials of several partitions, in any order, add up to the same table.
    parts = [list(partial_replicate_sums(hit_rows_of_documents(iter([b])), 5)) for b in (docs.slice(0, 3), docs.slice(3))]
    assert summed(iter(parts[1] + parts[0]), 5).equals(expected)
    assert expected.column("replicate").to_pylist()[:5] == list(range(5))
    assert sorted(set(expected.column("persona_id").to_pylist())) == ["*", "a", "b"]


def test_bootstrap_partitions_follow_the_corpus_size():
    from prevalence.spark.aggregate import bootstrap_partitions

    assert bootstrap_partitions(0, 8) == 1
    assert bootstrap_partitions(2_500, 8) == 1  # small corpus: one partition, few partial rows
    assert bootstrap_partitions(20_000, 2) == 2  # enough documents: one per core
    assert bootstrap_partitions(20_000, 64) == 2
    assert bootstrap_partitions(10_000_000, 8) == 40  # large corpus: bounded partitions


def test_adjustment_inverts_the_tagger():
    p, tpr, fpr = 0.02, 0.8, 0.05
    assert adjust(tpr * p + fpr * (1 - p), tpr, fpr) == pytest.approx(p)
    assert adjust(0.01, 0.8, 0.05) == 0.0  # below the false-positive floor: clipped
    assert np.isnan(adjust(0.3, 0.4, 0.5))  # a tagger worse than chance carries no information


def test_adjusted_interval_widens_with_a_smaller_audit():
    big = Audit(positives=np.r_[np.ones(900), np.zeros(100)], negatives=np.r_[np.ones(50), np.zeros(950)])
    small = Audit(positives=np.r_[np.ones(9), np.zeros(1)], negatives=np.r_[np.ones(1), np.zeros(19)])
    _, lo_big, hi_big = jeffreys_adjusted(1200, 20_000, big)  # observed share 0.06
    _, lo_small, hi_small = jeffreys_adjusted(1200, 20_000, small)
    assert hi_small - lo_small > 2 * (hi_big - lo_big)


def test_rates_that_differ_between_sources_widen_the_interval_and_equal_ones_do_not():
    # The same pooled counts (tpr 0.6, fpr 0.05): once from four sources that agree, once from four
    # that do not (recall 0.95, 0.95, 0.3, 0.2), the spread a leave-one-source-out evaluation shows.
    agree = Audit.from_sources([(60, 100)] * 4, [(5, 100)] * 4)
    differ = Audit.from_sources([(95, 100), (95, 100), (30, 100), (20, 100)], [(5, 100)] * 4)
    pooled = Audit.from_counts(240, 160, 20, 380)
    assert agree.rates == differ.rates == pooled.rates == (0.6, 0.05)
    point, lo_p, hi_p = jeffreys_adjusted(3000, 10_000, pooled)
    _, lo_a, hi_a = jeffreys_adjusted(3000, 10_000, agree)
    _, lo_d, hi_d = jeffreys_adjusted(3000, 10_000, differ)
    assert lo_d <= point <= hi_d and hi_d - lo_d > 3 * (hi_p - lo_p)
    # Sources that agree add only the small spread of their own samples.
    assert hi_a - lo_a < 1.6 * (hi_p - lo_p)
    # A corpus from a source like the high-recall ones (true share 0.3 -> observed 0.3 * 0.95 + 0.7 * 0.05):
    # the pooled interval misses it; the source-resampled one covers it.
    k = round(10_000 * (0.3 * 0.95 + 0.7 * 0.05))
    _, lo_p, hi_p = jeffreys_adjusted(k, 10_000, pooled)
    _, lo_d, hi_d = jeffreys_adjusted(k, 10_000, differ)
    assert not lo_p <= 0.3 <= hi_p and lo_d <= 0.3 <= hi_d


def test_raw_counts_rank_false_positives_and_adjusted_estimates_cover_the_truth():
    """200 seeded corpora of 20,000 documents, prevalences 1e-4 .. 5e-2, tagger tpr 0.9, fpr 0.01."""
    report = measure(range(200))
    assert np.all(report.raw_mean > 0.0099)  # a persona at 1e-4 shows up near the false-positive rate
    assert np.all(report.raw_coverage <= 0.25)
    assert np.all(report.adjusted_abs_error < report.raw_abs_error)
    big = report.prevalences >= 1e-2
    assert np.all(np.abs(report.adjusted_mean[big] - report.prevalences[big]) < 0.0015)
    assert np.all((report.adjusted_coverage >= 0.90) & (report.adjusted_coverage <= 0.99))
    assert 0.93 <= report.adjusted_coverage.mean() <= 0.97


CATALOG = catalog_from_records([
    {"id": "harry_potter", "name": "Harry Potter", "kind": "fictional_character"},
    {"id": "hamlet", "name": "Hamlet", "kind": "fictional_character"},
])


def test_audit_file_of_confusion_counts(tmp_path):
    path = tmp_path / "audit.csv"
    path.write_text("persona,role,tp,fn,fp,tn\nHarry Potter,mention,90,10,5,995\n*,speaker,40,10,1,99\n")
    audits = load_audit(str(path), CATALOG)
    assert audits[("harry_potter", "mention")].rates == (0.9, 0.005)
    assert ("*", "speaker") in audits


@pytest.mark.parametrize("content, message", [
    ("persona,role,tp\nHamlet,mention,1\n", "missing column"),
    ("persona,role,tp,fn,fp,tn\nHamlet,mention,x,1,1,1\n", "whole numbers"),
    ("persona,role,tp,fn,fp,tn\nHamlet,mention,0,0,1,1\n", "at least one positive"),
    ("persona,role,tp,fn,fp,tn\nNobody,mention,1,1,1,1\n", "no persona named"),
])
def test_bad_audit_files_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "audit.csv"
    path.write_text(content)
    with pytest.raises(PrevalenceError, match=message):
        load_audit(str(path), CATALOG)


def test_prevalence_table_fills_adjusted_shares_and_extrapolates_samples():
    n_rep = 50
    docs_total = np.full(n_rep, 1000.0)
    replicates = pa.table({
        "persona_id": ["*"] * n_rep + ["harry_potter"] * n_rep, "role": ["*"] * n_rep + ["mention"] * n_rep,
        "replicate": list(range(n_rep)) * 2,
        "docs": np.r_[docs_total, 60 + np.arange(n_rep) % 5], "count": np.r_[docs_total, np.full(n_rep, 80.0)],
        "tokens": np.r_[np.full(n_rep, 5e5), np.zeros(n_rep)],
    })
    counts = pa.table({"persona_id": ["harry_potter"], "role": ["mention"], "docs": [62], "unique_docs": pa.array([None], pa.int64()),
                       "count": [80], "tokens": pa.array([None], pa.int64())})
    audits = {("harry_potter", "mention"): Audit(np.r_[np.ones(90), np.zeros(10)], np.r_[np.ones(2), np.zeros(98)])}
    rows = {r["persona_id"]: r for r in prevalence_table(counts, 1000, 500000, CATALOG, ("mention",), replicates=replicates,
                                                         sample_fraction=0.25, audits=audits).to_pylist()}
    harry = rows["harry_potter"]
    assert harry["adjusted_share"] == pytest.approx((0.062 - 0.02) / (0.9 - 0.02))
    assert harry["adjusted_ci_low"] < harry["adjusted_share"] < harry["adjusted_ci_high"] and harry["adjustment"] == "acc_jeffreys"
    assert harry["est_docs"] == 248 and harry["est_total_docs"] == 4000 and harry["sample_fraction"] == 0.25
    assert rows["hamlet"]["adjusted_share"] is None


def test_the_document_ratio_interval_is_the_exact_conditional_binomial():
    from scipy.stats import beta

    from prevalence.stats.exact import document_ratio_interval, verdict

    low, high = document_ratio_interval(1, 18, 0)
    p_low, p_high = beta.ppf(0.025, 1, 19), beta.ppf(0.975, 2, 18)
    assert (low, high) == pytest.approx((p_low / (1 - p_low), p_high / (1 - p_high)))
    assert low == pytest.approx(0.00133, abs=1e-5) and high == pytest.approx(0.352, abs=1e-3)
    assert document_ratio_interval(0, 3, 0) == pytest.approx((0.0, beta.ppf(0.975, 1, 3) / (1 - beta.ppf(0.975, 1, 3))))
    assert verdict(*document_ratio_interval(0, 3, 0)) == "none"
    assert verdict(*document_ratio_interval(3, 10, 0)) == "none"  # exact two-sided p = 0.092
    assert verdict(*document_ratio_interval(0, 0, 0)) == "none" and document_ratio_interval(0, 0, 5) == (1.0, 1.0)
    a, b = document_ratio_interval(2, 25, 4), document_ratio_interval(25, 2, 4)
    assert a[0] == pytest.approx(1 / b[1]) and a[1] == pytest.approx(1 / b[0])  # symmetric when A and B swap


def test_an_audit_with_a_zero_cell_keeps_its_uncertainty():
    audit = Audit.from_counts(tp=45, fn=5, fp=0, tn=1000)
    point, low, high = jeffreys_adjusted(3, 200_000, audit)
    assert low == 0 and high > 0 and point <= high  # the fpr may be up to ~0.0037: nothing certain
    small = jeffreys_adjusted(3, 200_000, Audit.from_counts(45, 5, 0, 50))
    assert small[1] == 0 and small[1] <= small[0] <= small[2] and small[2] > 0


def test_row_intervals_are_each_rows_percentile_interval_bit_for_bit():
    """`row_percentile_intervals` (one np.percentile over the NaN-free rows) gives exactly what
    `percentile_interval` gives row by row: with ties, zeros, infinities, some NaN and all NaN rows."""
    from prevalence.stats.bootstrap import percentile_interval, row_percentile_intervals

    rng = np.random.default_rng(7)
    for rows, replicates in ((1, 1), (3, 2), (50, 1000), (200, 37)):
        m = rng.gamma(0.5, size=(rows, replicates)) / rng.integers(1, 50, size=(rows, 1))
        m[rng.random(m.shape) < 0.3] = 0.0  # ties at zero, as personas absent from a replicate give
        if rows > 3:
            m[1] = m[1].round(2)  # many ties
            m[2, :: 3] = np.nan  # 0/0: a replicate without tokens
            m[3] = np.nan
            m[4, 0] = np.inf
        for level in (0.9, 0.95, 0.999):
            low, high = row_percentile_intervals(m, level)
            for i in range(rows):
                lo, hi = percentile_interval(m[i], level)
                assert np.array_equal([low[i], high[i]], [lo, hi], equal_nan=True), (rows, replicates, level, i)


def test_replicates_are_read_by_key_in_any_row_order():
    """The grouped rows of `replicate_rows` are read without a sort, and give what shuffled rows give
    after one; a key in two runs is still refused."""
    from prevalence.estimate import _replicates_by_key

    rng = np.random.default_rng(3)
    keys, r = [("a", "mention"), ("b", "mention"), ("a", "speaker"), ("*", "*")], 25
    vectors = pa.table({"persona_id": [k[0] for k in keys], "role": [k[1] for k in keys],
                        "sums": [rng.random((3, r)).tobytes() for _ in keys]})
    grouped = replicate_rows(vectors, r)
    shuffled = grouped.take(pa.array(rng.permutation(grouped.num_rows)))
    a, b = _replicates_by_key(grouped), _replicates_by_key(shuffled)
    assert sorted(a) == sorted(b) == sorted(keys)
    for k in keys:
        assert np.array_equal(a[k]["docs"], b[k]["docs"]) and np.array_equal(a[k]["tokens"], b[k]["tokens"])
    for k in range(len(keys)):  # each key's run again, at the end: wherever the key sorts, it is refused
        twice = pa.concat_tables([grouped, grouped.slice(k * r, r)])
        with pytest.raises(ValueError, match="every replicate"):
            _replicates_by_key(twice)
    missing = grouped.filter(pa.array(np.arange(grouped.num_rows) != 3 * r + 7))  # the last key lacks replicate 7
    with pytest.raises(ValueError, match="every replicate"):
        _replicates_by_key(missing)
