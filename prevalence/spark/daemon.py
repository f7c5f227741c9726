"""The Python worker daemon of a local session (`spark.python.daemon.module`): PySpark's own daemon,
started so that each worker it forks begins about a second sooner.

PySpark puts its bundled `pyspark.zip` and `py4j-*.zip` first on a worker's path. Python cannot
cache compiled bytecode for modules imported from a zip, so every forked worker compiles the pyspark
modules it imports from source, and `importlib.invalidate_caches()` (run by each worker when it sets
up its files) rereads the zips' directories: about a second per worker on these machines, in the first
task of a run. Where the same pyspark is installed as a package beside them (a pip install: the zips
are inside that package), this daemon drops the zips from the path, so the installed modules and their
bytecode are used, and imports the worker module before forking, as it starts no thread.

Spark also puts the jar that holds its `PythonUtils` class (spark-core, about 6,000 entries and no
Python) on the path, a relic of builds that packed pyspark into the assembly jar. Every worker's first
task rereads a zip's directory there (`importlib.invalidate_caches()`): 0.14 s. A jar of the installed
pyspark's own `jars` folder is dropped too.

Where the driver started a warm process for it (`spark.zygote`), this process hands its streams over to
it and stands in for the daemon forked there; else it runs the daemon itself.
"""

from __future__ import annotations

import os
import sys

_BUNDLED = os.path.join("pyspark", "python", "lib")
_JARS = os.path.join("pyspark", "jars")


def _in_installed_site(folder: str, inside: str, package: str, path: list[str]) -> bool:
    """Whether `folder` is `<site>/<inside>` for a site folder that is also on `path` and has `package`
    installed in it."""
    if not folder.endswith(os.sep + inside):
        return False
    site = folder[: -len(os.sep + inside)]
    on_path = {os.path.normpath(p) for p in path if p}
    return site in on_path and os.path.isfile(os.path.join(site, package, "__init__.py"))


def installed_twin(entry: str, path: list[str]) -> bool:
    """Whether a path entry is a zip bundled inside an installed pyspark whose site folder is also on
    `path` and holds the zip's package (`pyspark.zip` -> pyspark, `py4j-*.zip` -> py4j)."""
    folder, name = os.path.split(os.path.normpath(entry))
    package = "pyspark" if name == "pyspark.zip" else "py4j" if name.startswith("py4j-") and name.endswith(".zip") else None
    return package is not None and _in_installed_site(folder, _BUNDLED, package, path)


def installed_jar(entry: str, path: list[str]) -> bool:
    """Whether a path entry is a jar of the `jars` folder of a pyspark installed in a site folder that is
    also on `path` (Spark's own JVM classes, which hold no Python)."""
    folder, name = os.path.split(os.path.normpath(entry))
    return name.endswith(".jar") and _in_installed_site(folder, _JARS, "pyspark", path)


def use_installed_pyspark() -> list[str]:
    """Drop the bundled zips that have an installed twin, and the installed pyspark's jars, from sys.path
    (and their cached importers); returns the entries dropped."""
    dropped = [entry for entry in sys.path if installed_twin(entry, sys.path) or installed_jar(entry, sys.path)]
    sys.path[:] = [entry for entry in sys.path if entry not in dropped]
    for entry in list(sys.path_importer_cache):  # a jar's importer is cached for its folders too (`x.jar/org`)
        if any(entry == d or entry.startswith(d + os.sep) for d in dropped):
            sys.path_importer_cache.pop(entry, None)
    return dropped


if __name__ == "__main__":
    from prevalence.spark import zygote

    # A warm process started by the driver (`spark.zygote`) runs the daemon if there is one; this process
    # then stands in for it.
    zygote_path = os.environ.get(zygote.SOCKET_VARIABLE)
    daemon_pid = zygote.hand_over(zygote_path) if zygote_path else None
    if daemon_pid is not None:
        zygote.stand_in(daemon_pid)
        sys.exit(0)
    use_installed_pyspark()
    import pyspark.daemon
    import pyspark.worker  # noqa: F401  (imports no pyarrow or pandas: nothing that starts a thread)

    pyspark.daemon.manager()
