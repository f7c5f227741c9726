#!/usr/bin/env bash
# Create .venv and install persona-prevalence with its test extras. Safe to run again: it reinstalls
# only when pyproject.toml changed. Needs Python >= 3.10 and Java 17+ (for Spark) on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
command -v java >/dev/null 2>&1 || { echo "bootstrap: Java 17+ is needed for Spark; install a JDK (e.g. apt-get install openjdk-17-jre-headless)" >&2; exit 2; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing into .venv (first run downloads pyspark, about a minute)" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# Compile the numba kernels once (cached beside their modules), so no Spark worker compiles them.
.venv/bin/python -m prevalence.build_kernels >/dev/null
# Once per Java and pyspark: archive the JVM classes a run loads, so that local Spark sessions start
# several seconds sooner (prevalence/build_class_archive.py; about a minute, once). Runs work without it.
if ! .venv/bin/python -m prevalence.build_class_archive --check; then
  echo "bootstrap: archiving Spark's JVM classes for faster starts (about a minute, once)" >&2
  .venv/bin/python -m prevalence.build_class_archive >&2 || echo "bootstrap: no class archive; runs start without one" >&2
fi
