"""Connected components of a near-duplicate edge list that fits in memory, vectorised (scipy).

The label of a component is its smallest document id, in the byte order of the ids' UTF-8 (which is
code-point order, Python's string order), as in the distributed rounds of `spark.clusters`, so
either way gives the same clusters.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def components_of(src: pa.Array, dst: pa.Array) -> pa.Table:
    """(node, cluster) for every node of the edges src[i]-dst[i]; cluster = smallest id in its component."""
    from scipy.sparse import coo_matrix  # here, not at import: `prevalence run` imports scipy while its JVM starts
    from scipy.sparse.csgraph import connected_components

    ends = np.concatenate([np.asarray(src.to_pylist(), dtype=object), np.asarray(dst.to_pylist(), dtype=object)])
    if len(ends) == 0:
        return pa.table({"node": pa.array([], pa.string()), "cluster": pa.array([], pa.string())})
    nodes, index = np.unique(ends, return_inverse=True)  # sorted: nodes[0] is the smallest id
    n, m = len(nodes), len(src)
    graph = coo_matrix((np.ones(m, dtype=np.int8), (index[:m], index[m:])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # The first node of each component in sorted order is its smallest id.
    _, first = np.unique(labels, return_index=True)
    return pa.table({"node": pa.array(nodes.tolist(), pa.string()), "cluster": pa.array(nodes[first[labels]].tolist(), pa.string())})
