"""Figures of a run (matplotlib), saved as PNG and gathered into a self-contained HTML report.

The notebook in notebooks/ and `prevalence report` draw the same figures from these functions.
"""

from __future__ import annotations

import base64
import html
import io
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from prevalence.errors import PrevalenceError  # noqa: E402
from prevalence.query import Run  # noqa: E402

ROLE_MEASURE = {"mention": ("doc_share", "ci_low", "ci_high", "share of documents"),
                "speaker": ("token_share", "token_ci_low", "token_ci_high", "share of all words, spoken"),
                "author": ("doc_share", "ci_low", "ci_high", "share of documents written")}


def _rows(run: Run, role: str) -> list[dict]:
    return run.sql("SELECT * FROM prevalence WHERE role = ? AND docs > 0", [role]).to_arrow_table().to_pylist()


def top_personas(run: Run, role: str = "mention", top: int = 15):
    """Horizontal bars of the largest personas of a role with their intervals."""
    share, low, high, label = ROLE_MEASURE[role]
    rows = sorted((r for r in _rows(run, role) if r[share] is not None), key=lambda r: -r[share])[:top][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.2))
    values = np.array([r[share] for r in rows]) * 100
    errors = np.array([[r[share] - r[low], r[high] - r[share]] for r in rows]).T * 100
    ax.barh([r["name"] for r in rows], values, xerr=errors, color="#4878a8", ecolor="#333333", capsize=2)
    ax.set_xlabel(f"{label} (%), {100 * _level(run):g}% interval")
    ax.set_title(f"Top {len(rows)} personas, role {role}")
    fig.tight_layout()
    return fig


def long_tail(run: Run, role: str = "mention"):
    """Share against rank on log-log axes: how concentrated the personas are."""
    share = ROLE_MEASURE[role][0]
    values = sorted((r[share] for r in _rows(run, role) if r[share]), reverse=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(np.arange(1, len(values) + 1), values, marker=".", linestyle="none", color="#4878a8")
    ax.set_xlabel("rank")
    ax.set_ylabel(ROLE_MEASURE[role][3])
    ax.set_title(f"The long tail: {len(values)} personas, role {role}")
    fig.tight_layout()
    return fig


def raw_vs_dedup(run: Run, role: str = "mention", top: int = 12):
    """Documents and near-duplicate clusters per persona, side by side."""
    if not run.manifest.get("dedup"):
        raise PrevalenceError("this run was made without deduplication (--no-dedup)")
    rows = sorted(_rows(run, role), key=lambda r: -r["docs"])[:top]
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["docs"] for r in rows], 0.4, label="documents", color="#4878a8")
    ax.bar(x + 0.2, [r["unique_docs"] for r in rows], 0.4, label="unique (one per cluster)", color="#e0a040")
    ax.set_xticks(x, [r["name"] for r in rows], rotation=40, ha="right")
    ax.set_ylabel("documents")
    ax.set_title(f"Raw and deduplicated, role {role}")
    ax.legend()
    fig.tight_layout()
    return fig


def comparison(run: Run, a: str, b: str, role: str = "mention"):
    """Two personas' shares with intervals, and the ratio with its interval in the title."""
    result = run.compare(a, b, role=role)
    share, low, high, label = ROLE_MEASURE[role]
    rows = [run.sql("SELECT * FROM prevalence WHERE role = ? AND persona_id = ?", [role, run.persona(n).id])
            .to_arrow_table().to_pylist()[0] for n in (a, b)]
    fig, ax = plt.subplots(figsize=(5, 4))
    values = np.array([r[share] or 0 for r in rows]) * 100
    errors = np.array([[(r[share] or 0) - (r[low] or 0), (r[high] or 0) - (r[share] or 0)] for r in rows]).T * 100
    ax.bar([r["name"] for r in rows], values, yerr=errors, color=["#4878a8", "#e0a040"], capsize=4)
    ratio, interval = (result["ratio_tokens"], result["ratio_tokens_interval"]) if role == "speaker" else (result["ratio_docs"], result["ratio_docs_interval"])
    title = f"{rows[0]['name']} / {rows[1]['name']}: " + (f"ratio {ratio:.3g}" if ratio is not None else "ratio undefined")
    if interval is not None:
        title += f" [{interval[0]:.3g}, {interval[1]:.3g}]"
    ax.set_title(title)
    ax.set_ylabel(f"{label} (%)")
    fig.tight_layout()
    return fig


def pair_heatmap(run: Run, top: int = 12):
    """NPMI of the pairs among the personas in the most co-occurrence pairs: a heat map of hybrids."""
    rows = run.sql(
        """
        WITH ends AS (SELECT persona_a AS p, docs FROM cooccurrence UNION ALL SELECT persona_b, docs FROM cooccurrence),
             top AS (SELECT p FROM ends GROUP BY p ORDER BY sum(docs) DESC, p LIMIT ?)
        SELECT c.persona_a, c.persona_b, c.npmi FROM cooccurrence c
        WHERE c.persona_a IN (SELECT p FROM top) AND c.persona_b IN (SELECT p FROM top)
        """,
        params=[top],
    ).fetchall()
    if not rows:
        raise PrevalenceError("no persona pairs in this run's co-occurrence table")
    ids = sorted({r[0] for r in rows} | {r[1] for r in rows})
    names = dict(run.sql("SELECT persona_id, name FROM personas").fetchall())
    index = {p: i for i, p in enumerate(ids)}
    grid = np.full((len(ids), len(ids)), np.nan)
    for a, b, v in rows:
        grid[index[a], index[b]] = grid[index[b], index[a]] = np.nan if v is None else v
    fig, ax = plt.subplots(figsize=(0.5 * len(ids) + 3, 0.45 * len(ids) + 2))
    image = ax.imshow(grid, cmap="RdBu_r", vmin=-1, vmax=1)
    labels = [names.get(p, p)[:28] for p in ids]
    ax.set_xticks(range(len(ids)), labels, rotation=70, ha="right", fontsize=8)
    ax.set_yticks(range(len(ids)), labels, fontsize=8)
    fig.colorbar(image, ax=ax, label="NPMI (blank: fewer than the minimum documents together)")
    ax.set_title("Hybrid personas: co-occurrence in documents")
    fig.tight_layout()
    return fig


def _level(run: Run) -> float:
    return run.manifest.get("parameters", {}).get("interval_level", 0.95)


def figures(run: Run, compare: tuple[str, str] | None = None) -> dict:
    """{name: figure} for every figure the run supports."""
    out = {"top_mentions": top_personas(run, "mention"), "long_tail_mentions": long_tail(run, "mention")}
    if "speaker" in run.manifest.get("roles", []) and _rows(run, "speaker"):
        out["top_speakers"] = top_personas(run, "speaker")
    if "author" in run.manifest.get("roles", []) and _rows(run, "author"):
        out["top_authors"] = top_personas(run, "author")
    if run.manifest.get("dedup"):
        out["raw_vs_dedup"] = raw_vs_dedup(run, "mention")
    if "cooccurrence" in run.tables and run.sql("SELECT count(*) FROM cooccurrence").fetchall()[0][0]:
        out["hybrids"] = pair_heatmap(run)
    if compare:
        out["comparison"] = comparison(run, *compare)
    return out


def save_png(figs: dict, folder: str) -> list[str]:
    """Write each figure as folder/<name>.png; returns the paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for name, fig in figs.items():
        path = os.path.join(folder, f"{name}.png")
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths


def write_html(run: Run, out: str, compare: tuple[str, str] | None = None) -> str:
    """A self-contained HTML page (figures embedded as PNG) summarising the run."""
    figs = figures(run, compare)
    c = run.manifest["counts"]
    parts = [
        "<!doctype html><meta charset='utf-8'><title>persona prevalence report</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}img{max-width:100%}</style>",
        f"<h1>Persona prevalence: {html.escape(os.path.basename(run.path))}</h1>",
        f"<p>{c['documents_kept']:,} documents kept of {c['documents_in']:,} read ({c['rejected']:,} rejected); "
        f"{c['personas_found']:,} personas found; corpus fingerprint <code>{run.manifest['corpus']['fingerprint'][:16]}</code>.</p>",
    ]
    for name, fig in figs.items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        plt.close(fig)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        parts.append(f"<h2>{html.escape(name.replace('_', ' '))}</h2><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    return out
