"""The analysis notebook runs against a fresh run and saves its figures; `prevalence report` writes HTML."""

import os

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

pytestmark = pytest.mark.spark
PNG = b"\x89PNG\r\n\x1a\n"


def test_notebook_runs_and_saves_every_figure(sample_run, tmp_path, monkeypatch):
    out, _ = sample_run
    monkeypatch.setenv("PREVALENCE_RUN", out)
    monkeypatch.setenv("PREVALENCE_FIGURES", str(tmp_path / "figures"))
    nb = nbformat.read(REPO / "notebooks" / "prevalence_overview.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 7
    names = sorted(os.listdir(tmp_path / "figures"))
    assert names == ["comparison.png", "hybrids.png", "long_tail_mentions.png", "raw_vs_dedup.png", "top_authors.png",
                     "top_mentions.png", "top_speakers.png"]
    for name in names:
        assert (tmp_path / "figures" / name).read_bytes()[:8] == PNG


def test_report_is_one_self_contained_page(sample_run, tmp_path):
    from prevalence.query import open_run
    from prevalence.report import write_html

    page = write_html(open_run(sample_run[0]), str(tmp_path / "report.html"), ("Harry Potter", "Abraham Lincoln"))
    text = open(page, encoding="utf-8").read()
    assert text.count("data:image/png;base64,") == 7  # mentions, tail, speakers, authors, dedup, hybrids, comparison
    assert "http" not in text.replace("data:image", "")
