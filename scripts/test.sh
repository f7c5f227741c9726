#!/usr/bin/env bash
# Set up and run the whole test suite (unit, Spark integration, CLI end-to-end). Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
