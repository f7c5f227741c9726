"""persona-prevalence: how large each persona is in a pretraining corpus, with error bars."""

__version__ = "0.1.0"


def open_run(run_dir: str):
    """Open a committed run directory for queries (see prevalence.query.Run)."""
    from prevalence.query import open_run as _open

    return _open(run_dir)


__all__ = ["__version__", "open_run"]
