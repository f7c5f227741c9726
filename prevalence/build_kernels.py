"""Compile the numba kernels once, ahead of any run: `python -m prevalence.build_kernels`
(scripts/bootstrap.sh runs it), so that no Spark worker spends its first task compiling them."""

from __future__ import annotations

from prevalence.compiled import available


def build() -> list[str]:
    """Compile every kernel, or load it from numba's cache; returns their names (none without numba)."""
    if not available():
        return []
    from prevalence.classifier import inference, layout
    from prevalence.dedup import compiled as dedup_kernels
    from prevalence.dedup import word_starts, xxh3
    from prevalence.stats import replicate_sums
    from prevalence.tagging import context_clear, line_breaks, quote_marks, spacing

    return [*dedup_kernels.warm(), *xxh3.warm(), *word_starts.warm(), *layout.warm(), *inference.warm(), *spacing.warm(), *line_breaks.warm(), *quote_marks.warm(), *context_clear.warm(),
            *replicate_sums.warm()]


if __name__ == "__main__":
    names = build()
    print(f"compiled kernels: {', '.join(names)}" if names else "compiled kernels: off (numba not importable); numpy and Arrow paths in use")
