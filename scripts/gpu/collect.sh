#!/usr/bin/env bash
# collect.sh UNTIL_MIN [FILE or GLOB...]: wait until UNTIL_MIN minutes after launch (or until every named export
# exists), print each run's progress, and copy the named exports plus all logs to $OUT.
set -u
W=${W:-/tmp/gpu}
until_min=$1; shift
launch=$(cat "$W/launch_time")
deadline=$((launch + ${until_min%.*} * 60))
while [ "$(date +%s)" -lt "$deadline" ]; do
  missing=0
  for f in "$@"; do compgen -G "$W/export/$f" > /dev/null || missing=1; done
  [ $# -gt 0 ] && [ $missing -eq 0 ] && break
  sleep 10
done
echo "== $(( ($(date +%s) - launch) / 60 )) min after launch"; cat "$W/status"
for log in "$W"/runs/*/log.jsonl; do
  printf '%s ' "$(basename "$(dirname "$log")")"; tail -n 1 "$log" | cut -c1-400
done
for out in "$W"/runs/*.out; do
  grep -l -E "Error|Traceback" "$out" > /dev/null && { echo "--- $out"; tail -n 12 "$out" | cut -c1-300; }
done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv 2>/dev/null
ls -la "$W/export"
for f in "$@"; do for g in $W/export/$f; do [ -e "$g" ] && cp "$g" "$OUT/"; done; done
tar czf "$OUT/logs.tgz" -C "$W/runs" $(cd "$W/runs" && ls -d */log.jsonl *.out 2>/dev/null)
