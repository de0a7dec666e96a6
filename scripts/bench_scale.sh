#!/bin/bash
# Issue 17's scaling table, reproduced: every national-scale benchmark at 30, 300 and 900 stations, one after
# the other, then the table (python -m bench.scale_table). About 35 minutes on a quiet 2-core machine; run it
# when nothing else is, since wall-clock figures are in the table.
#
#   scripts/bench_scale.sh [OUT_DIR] [SIZES]      e.g. scripts/bench_scale.sh bench-results/scale "30 300 900"
#
# Each run's results file is OUT_DIR/<run>.json (runs named w<N>, o<N>, c<N>, h<N>, s<N>, push-sqlite,
# push-postgres), its output OUT_DIR/<run>.log, and OUT_DIR/index.txt says when each ran and at what load.
set -u
cd "$(dirname "$0")/.."
OUT=${1:-bench-results/scale-$(date -u +%Y%m%d-%H%M)}
SIZES=${2:-30 300 900}
PY=${PY:-.venv/bin/python}
mkdir -p "$OUT"
failed=0
run() {
  local name=$1; shift
  echo "$name $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg): $*" >> "$OUT/index.txt"
  if ! $PY -m bench "$@" --out "$OUT/$name.json" > "$OUT/$name.log" 2>&1; then
    echo "$name FAILED (see $OUT/$name.log)" | tee -a "$OUT/index.txt" >&2
    failed=1
  fi
}
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" >> "$OUT/index.txt"
for n in $SIZES; do
  run "w$n" week --param week.stations="$n"
  run "o$n" overview --param overview.stations="$n"
  run "c$n" collector --param collector.stations="$n" --param collector.days=1 --param collector.at=00:40 \
      --param collector.cycles=5
  run "h$n" history --param history.stations="$n" --param history.days=14 --param history.pages=false \
      --param history.source=cache --param common.pg=private
done
run push-sqlite freshness --param freshness.kind=push --param freshness.samples=30
run push-postgres freshness --param freshness.kind=push --param freshness.store=postgres --param freshness.samples=20
for n in $SIZES; do
  run "s$n" screens --param screens.phases= --param screens.what_if= --param screens.idle= \
      --param screens.floor=8x8 --param screens.floor_rounds=7 --param screens.floor_seconds=20 \
      --param screens.warmup=8 --param screens.stations="$n"
done
$PY -m bench.scale_table "$OUT"/*.json | tee "$OUT/table.md"
exit $failed
