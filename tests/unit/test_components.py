"""Connected components on the driver equal a union-find's, with the smallest id as the label."""

import random

import pyarrow as pa

from prevalence.dedup.components import components_of


def union_find(src: list[str], dst: list[str]) -> dict[str, str]:
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(src, dst):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: root(x) for x in set(src) | set(dst)}


def test_components_equal_a_union_find_on_random_graphs_with_any_ids():
    for seed in range(20):
        rng = random.Random(seed)
        ids = [f"sotu:{rng.randrange(10 ** 6)}" for _ in range(rng.randrange(2, 300))] + ["Émile", "Zoë", "a", "ä", "名"]
        m = rng.randrange(1, 400)
        src, dst = [rng.choice(ids) for _ in range(m)], [rng.choice(ids) for _ in range(m)]
        got = components_of(pa.array(src), pa.array(dst))
        assert dict(zip(got.column("node").to_pylist(), got.column("cluster").to_pylist())) == union_find(src, dst), seed


def test_no_edges_no_nodes_and_a_chain_is_one_component():
    assert components_of(pa.array([], pa.string()), pa.array([], pa.string())).num_rows == 0
    chain = [f"d{i:03d}" for i in range(50)]
    got = components_of(pa.array(chain[1:]), pa.array(chain[:-1]))
    assert set(got.column("cluster").to_pylist()) == {"d000"} and got.num_rows == 50
