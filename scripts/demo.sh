#!/usr/bin/env bash
# Set up, run the persona census on the bundled sample corpus, and print the ranking.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/prevalence run data/sample --out runs/demo --overwrite
echo
.venv/bin/prevalence rank runs/demo --top 20
echo
.venv/bin/prevalence rank runs/demo --role author --kind author_archetype --top 5
echo
.venv/bin/prevalence compare runs/demo "Harry Potter" "Abraham Lincoln"
