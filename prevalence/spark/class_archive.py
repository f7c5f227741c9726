"""A class-data-sharing archive of the Java classes a run loads, so that local Spark JVMs start faster.

A JVM can map the classes it loaded once from an archive instead of finding, parsing and verifying
them again (Java's AppCDS, `-XX:SharedArchiveFile`). `python -m prevalence.build_class_archive`,
which scripts/bootstrap.sh runs once per install, runs one small job in a JVM that writes the
archive when it exits (about a minute, about 200 MB beside the virtual environment's packages).
`build_session` hands it to the JVMs it starts when it was made by this Java for this pyspark;
without it nothing changes. Measured on the sample corpus: a cold `prevalence run` 27.3 -> 21.2 s
(three runs each, alternating).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import xxhash

ARCHIVE_DIR = Path(sys.prefix) / "share" / "persona-prevalence"


def java_binary() -> str | None:
    """The java that PySpark starts: $JAVA_HOME/bin/java, else the first on PATH."""
    home = os.environ.get("JAVA_HOME")
    found = os.path.join(home, "bin", "java") if home else shutil.which("java")
    return os.path.realpath(found) if found and os.path.exists(found) else None


def archive_path() -> Path | None:
    """Where the archive of this Java and this pyspark is (or would be); None without Java."""
    import pyspark

    java = java_binary()
    if java is None:
        return None
    stat = os.stat(java)
    key = xxhash.xxh3_64_hexdigest(f"{java}\n{stat.st_size}\n{stat.st_mtime_ns}\n{pyspark.__version__}\n{sys.prefix}".encode())
    return ARCHIVE_DIR / f"spark-classes-{key}.jsa"


def ready_archive() -> Path | None:
    """The archive for this Java and pyspark, if it was made."""
    path = archive_path()
    return path if path is not None and path.is_file() else None


def java_options() -> str:
    """JVM options that use the archive when it exists for this Java and pyspark, else "" (and with
    PREVALENCE_CLASS_ARCHIVE=off)."""
    path = ready_archive()
    if path is None or os.environ.get("PREVALENCE_CLASS_ARCHIVE") == "off":
        return ""
    # A JVM that cannot map it (another kernel, another base archive) starts without it: say nothing.
    return f"-XX:SharedArchiveFile={path} -Xlog:cds=off -Xlog:cds+dynamic=off"


def spark_submit() -> str:
    """pyspark's spark-submit script."""
    from pyspark.find_spark_home import _find_spark_home

    return os.path.join(_find_spark_home(), "bin", "spark-submit")
