#!/usr/bin/env bash
# Run the job on a Spark standalone cluster on this machine: a master and two workers bound to
# 127.0.0.1, started from the pyspark installation (the pip package has no start-master.sh, so
# sbin/spark-daemon.sh starts the classes directly), then spark-submit jobs/estimate.py with the
# package shipped to the executors as a --py-files zip, then stop exactly the processes it started.
#
#   scripts/standalone_cluster.sh CORPUS... --out RUN_DIR [any `prevalence run` flag]
#
# Environment: PYTHON (default .venv/bin/python), WORKER_CORES (1 each), WORKER_MEMORY (2g each),
# MASTER_PORT (7077; a free port is chosen if it is taken).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
spark_home=$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
state=$(mktemp -d "${TMPDIR:-/tmp}/prevalence-cluster.XXXXXX")
export SPARK_HOME="$spark_home" SPARK_PID_DIR="$state/pids" SPARK_LOG_DIR="$state/logs" SPARK_WORKER_DIR="$state/work"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_MASTER_HOST=127.0.0.1
unset SPARK_NO_DAEMONIZE  # set at all (even empty), it keeps spark-daemon.sh in the foreground
PYSPARK_PYTHON="$(cd "$(dirname "$python")" && pwd)/$(basename "$python")"
export PYSPARK_PYTHON PYSPARK_DRIVER_PYTHON="$PYSPARK_PYTHON"
mkdir -p "$SPARK_PID_DIR" "$SPARK_LOG_DIR" "$SPARK_WORKER_DIR"
port=${MASTER_PORT:-7077}
if "$python" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) != 0)"; then
  port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
master="spark://127.0.0.1:$port"
daemon="$spark_home/sbin/spark-daemon.sh"

stop() {
  # Only the daemons this script started: their pid files live in this script's own SPARK_PID_DIR.
  local pids
  pids=$(cat "$SPARK_PID_DIR"/*.pid 2>/dev/null || true)
  "$daemon" stop org.apache.spark.deploy.worker.Worker 1 >/dev/null 2>&1 || true
  "$daemon" stop org.apache.spark.deploy.worker.Worker 2 >/dev/null 2>&1 || true
  "$daemon" stop org.apache.spark.deploy.master.Master 1 >/dev/null 2>&1 || true
  for _ in $(seq 60); do  # spark-daemon.sh stop signals and returns; wait until they are gone
    alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  if [ -z "${KEEP_CLUSTER_STATE:-}" ]; then rm -rf "$state"; else echo "cluster state and logs: $state" >&2; fi
}
trap stop EXIT

echo "cluster: master $master, 2 workers x ${WORKER_CORES:-1} core(s); logs in $SPARK_LOG_DIR" >&2
"$daemon" start org.apache.spark.deploy.master.Master 1 --host 127.0.0.1 --port "$port" --webui-port 0 >/dev/null
for i in 1 2; do
  "$daemon" start org.apache.spark.deploy.worker.Worker "$i" --host 127.0.0.1 --webui-port 0 \
    --cores "${WORKER_CORES:-1}" --memory "${WORKER_MEMORY:-2g}" "$master" >/dev/null
done
# Wait until both workers have registered with the master (its log says so), at most 60 s.
for _ in $(seq 120); do
  [ "$(grep -h -c 'Registering worker' "$SPARK_LOG_DIR"/*Master*.out 2>/dev/null || echo 0)" -ge 2 ] && break
  sleep 0.5
done
if [ "$(grep -h -c 'Registering worker' "$SPARK_LOG_DIR"/*Master*.out 2>/dev/null || echo 0)" -lt 2 ]; then
  echo "cluster: workers did not register within 60 s; see $SPARK_LOG_DIR" >&2
  KEEP_CLUSTER_STATE=1
  exit 1
fi

# The package as a zip for the executors (code only: they read no package data files).
"$python" - "$state/prevalence.zip" <<'EOF'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk("prevalence"):
        for name in sorted(files):
            if name.endswith(".py"):
                z.write(os.path.join(root, name))
EOF

"$spark_home/bin/spark-submit" --master "$master" --properties-file spark-defaults.conf \
  --py-files "$state/prevalence.zip" --conf spark.executor.memory="${WORKER_MEMORY:-2g}" \
  --conf spark.executorEnv.PYSPARK_PYTHON="$PYSPARK_PYTHON" \
  jobs/estimate.py "$@"
