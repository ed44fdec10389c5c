#!/usr/bin/env bash
# Distributed-crawl benchmark: the shared bench shop (../shared/bench/site, HTTPS) crawled by
# one padlock process, then shared over a local Redis by the starting process alone and with
# 1, 2 and 4 `padlock worker` processes (real processes, each under GNU time). Prints, per
# run: wall time, pages/s (unique pages the site served / wall), duplicate page GETs, the peak
# RSS of the starting process and of each worker, and Redis's peak memory over the run
# (INFO memory, sampled every 0.2 s, less the empty instance's), and redis-server's CPU time for
# the run (INFO cpu; INFO commandstats of each run, counting the calls its scripts made, goes to
# OUT/commandstats-RUN-REP.txt).
#
#   scripts/bench-redis.sh                       # N=10000, WORKERS="single 0 1 2 4"
#   N=100000 WORKERS="single 0 1" scripts/bench-redis.sh
#   BENCH=/path/to/shared/bench OUT=/tmp/bench-redis CONC=16 REPEAT=1 scripts/bench-redis.sh
#
# Needs redis-server and redis-cli (apt-get install -y redis-server), GNU time and curl. All
# traffic stays on loopback. The machine's load is printed at each run: compare within one sitting.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${BENCH:-/work/shared/bench}
OUT=${OUT:-/tmp/bench-redis}
N=${N:-10000}
CONC=${CONC:-16}
REPEAT=${REPEAT:-1}
WORKERS=${WORKERS:-"single 0 1 2 4"}   # single = no --frontier; K = the starter plus K workers
PORT=${PORT:-39080}
TLS_PORT=${TLS_PORT:-39443}
REDIS_PORT=${REDIS_PORT:-39379}
TIMEOUT=${TIMEOUT:-1800}
[ -x /usr/bin/time ] || { echo "need GNU time: apt-get install -y time" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "need redis-server: apt-get install -y redis-server" >&2; exit 1; }
mkdir -p "$OUT/bin"

if [ -z "${PADLOCK:-}" ]; then   # PADLOCK=/path/to/padlock: that binary, not one built from this tree
  (cd "$ROOT" && go build -trimpath -o "$OUT/bin/padlock" ./cmd/padlock)
  PADLOCK=$OUT/bin/padlock
  echo "padlock built from $(cd "$ROOT" && git describe --always --dirty 2>/dev/null)"
fi
(cd "$BENCH/site" && go build -trimpath -o "$OUT/bin/site" .)
CA=$OUT/site-cert.pem
URL="https://127.0.0.1:$TLS_PORT/"
FRONTIER="redis://127.0.0.1:$REDIS_PORT/0"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

for port in "$PORT" "$TLS_PORT" "$REDIS_PORT"; do   # another run (someone else's bench) would get our requests
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use: set PORT, TLS_PORT, REDIS_PORT" >&2; exit 1; fi
done
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
  >"$OUT/redis.log" 2>&1 &
pids+=($!)
"$OUT/bin/site" -n "$N" -port "$PORT" -tls-port "$TLS_PORT" -cert-out "$CA" -redirect-http >"$OUT/site.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 1800); do   # 100,000 pages take a minute or so to generate
  curl -fs "http://127.0.0.1:$PORT/__stats" >/dev/null 2>&1 && redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$PORT/__stats" >/dev/null || { echo "site did not start" >&2; cat "$OUT/site.log"; exit 1; }

used() { redis-cli -p "$REDIS_PORT" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p'; }
stat() { curl -fs "http://127.0.0.1:$PORT/__stats" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
rcpu() { redis-cli -p "$REDIS_PORT" info cpu | awk -F: '/^used_cpu_(sys|user):/{s+=$2} END{printf "%.2f", s}'; }
base=$(used)

TSV="$OUT/runs-N$N-C$CONC.tsv"
printf "run\trep\twall_s\tpages\tpages_per_s\tdup_gets\tstarter_rss_kb\tworker_rss_kb\tredis_peak_b\tredis_cpu_s\tload\texit\n" >"$TSV"
echo "N=$N pages, -c $CONC a process, $(nproc) CPUs, redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')"
for w in $WORKERS; do
  for rep in $(seq 1 "$REPEAT"); do
    curl -fs "http://127.0.0.1:$PORT/__reset" >/dev/null
    run=$((${run:-0} + 1))
    id="bench-$w-$rep-$run-$$"   # a crawl ID is not reused: its done marker outlives the crawl by 10 minutes
    load=$(cut -d' ' -f1 /proc/loadavg)
    wpids=()
    args=(crawl -q -c "$CONC" --ca-file "$CA" --max-pages $((N * 2)) --check-resources none -f json -o "$OUT/report.json")
    if [ "$w" != single ]; then
      args+=(--frontier "$FRONTIER" --crawl-id "$id")
      for k in $(seq 1 "$w"); do
        /usr/bin/time -v -o "$OUT/worker$k-$w-$rep.time" "$PADLOCK" worker -q --frontier "$FRONTIER" --crawl-id "$id" -c "$CONC" \
          >"$OUT/worker$k.out" 2>&1 &
        wpids+=($!)
      done
    fi
    # Redis's memory, sampled until the crawl is over (the starter deletes its keys at the end).
    peakf=$OUT/redis-peak
    echo 0 >"$peakf"
    ( peak=0; while :; do u=$(used || echo 0); [ "${u:-0}" -gt "$peak" ] && { peak=$u; echo "$peak" >"$peakf"; }; sleep 0.2; done ) &
    sampler=$!
    redis-cli -p "$REDIS_PORT" config resetstat >/dev/null
    cpu0=$(rcpu)
    t0=$EPOCHREALTIME
    set +e
    timeout "$TIMEOUT" /usr/bin/time -v -o "$OUT/starter-$w-$rep.time" "$PADLOCK" "${args[@]}" "$URL" >"$OUT/starter.out" 2>&1
    rc=$?
    t1=$EPOCHREALTIME
    for p in "${wpids[@]}"; do wait "$p" || rc=$((rc ? rc : 100)); done
    set -e
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
    rc_cpu=$(awk -v a="$cpu0" -v b="$(rcpu)" 'BEGIN{printf "%.2f", b-a}')
    redis-cli -p "$REDIS_PORT" info commandstats >"$OUT/commandstats-$w-$rep.txt"
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
    pages=$(stat unique_pages_fetched)
    dups=$(stat duplicate_page_gets)
    pps=$(awk -v p="$pages" -v w="$wall" 'BEGIN{printf "%.0f", p/w}')
    wr=""
    for k in $(seq 1 "$w" 2>/dev/null); do [ "$w" = single ] && break; wr="$wr${wr:+,}$(rss "$OUT/worker$k-$w-$rep.time")"; done
    peak=$(( $(cat "$peakf") - base ))
    [ "$w" = single ] && peak=0
    [ "$w" = single ] && rc_cpu=0
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$w" "$rep" "$wall" "$pages" "$pps" "$dups" "$(rss "$OUT/starter-$w-$rep.time")" "${wr:--}" "$peak" "$rc_cpu" "$load" "$rc" >>"$TSV"
    printf "  %-7s rep %s: %7.2f s  %6s pages  %5s p/s  dup GETs %s  starter %s KB  workers %s KB  redis peak %s B  redis CPU %s s  load %s  exit %s\n" \
      "$w" "$rep" "$wall" "$pages" "$pps" "$dups" "$(rss "$OUT/starter-$w-$rep.time")" "${wr:--}" "$peak" "$rc_cpu" "$load" "$rc"
  done
done
echo "runs: $TSV"
