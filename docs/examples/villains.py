"""A tagger from outside the package: mentions of three literary villains (the worked example of
docs/taggers.md). Run it with

    PYTHONPATH=docs/examples .venv/bin/prevalence run CORPUS --out RUN --tagger villains:Villains
"""

from __future__ import annotations

import re
from collections import Counter

import pyarrow as pa

from prevalence.tagging.base import Documents, HitRows, Tagger

# Name as written -> persona id. Ids the catalog lacks become personas of kind `ad_hoc`.
VILLAINS = {"Iago": "villain_iago", "Moriarty": "villain_moriarty", "Voldemort": "villain_voldemort"}


class Villains(Tagger):
    """Whole-word, case-sensitive mentions of the names in VILLAINS."""

    name = "villains"
    role = "mention"

    def __init__(self, catalog):
        super().__init__(catalog)
        self.pattern = re.compile(r"\b(" + "|".join(map(re.escape, VILLAINS)) + r")\b")

    def tag(self, docs: Documents) -> pa.Table:
        rows = HitRows()
        for i, text in enumerate(docs.column("normalised")):
            for name, n in sorted(Counter(self.pattern.findall(text)).items()):
                rows.add(i, VILLAINS[name], self.role, n, method=self.name)
        return rows.table()
