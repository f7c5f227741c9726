"""The shape of the package: layers import only downwards, and Spark lives in one wing."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "prevalence"

# Lower layers never import higher ones. Within a layer, modules may import each other.
LAYERS = [
    ("errors", "compiled"),
    ("config",),
    ("corpus", "catalog", "stats", "dedup", "classifier", "cooccurrence", "persona_totals", "corpus_totals"),
    ("tagging",),
    ("stages", "estimate", "build_kernels"),
    ("tables", "resources", "weights", "query", "report", "audit"),
    ("spark",),
    ("job", "build_class_archive"),
    ("cli", "__main__", "__init__"),
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def unit(module: str) -> str:
    """`prevalence.tagging.mentions` -> `tagging`; `prevalence` -> `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports() -> list[tuple[str, str, str]]:
    """(file, importing unit, imported module) for every import in the package, lazy ones included."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(str(rel), unit(module), a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.append((str(rel), unit(module), node.module))
    return found


def test_every_module_has_a_layer():
    units = {unit(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)) for p in PACKAGE.rglob("*.py")}
    assert units <= set(LAYER_OF), units - set(LAYER_OF)


def test_no_import_points_back_up():
    upward = [(f, target) for f, here, target in imports()
              if target.startswith("prevalence.") and LAYER_OF[unit(target)] > LAYER_OF[here]]
    assert upward == []


def test_only_the_spark_wing_imports_pyspark():
    outside = [(f, target) for f, here, target in imports() if target.split(".")[0] in ("pyspark", "py4j") and here != "spark"]
    assert outside == []


def test_config_imports_nothing_of_the_package_but_errors():
    from_config = {target for f, here, target in imports() if here == "config" and target.startswith("prevalence")}
    assert from_config <= {"prevalence.errors"}
