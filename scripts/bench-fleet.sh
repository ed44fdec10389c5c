#!/usr/bin/env bash
# Fleet benchmark: SITES small HTTPS shops on loopback (PAGES pages each, one port a site, one
# process serving them all), audited with `padlock crawl --sites FILE` in one process, then with
# --frontier over a local Redis and WORKERS `padlock worker` processes (real processes, each under
# GNU time). Prints, per run: wall time of the starting process, sites/s, pages/s (pages the
# sites served / wall), the peak RSS of the starting process and of each worker, and Redis's peak
# memory over the run (INFO memory, sampled every 0.2 s, less the empty instance's).
#
#   scripts/bench-fleet.sh                     # SITES=200 PAGES=10 AT_ONCE=8 RUNS="single 2"
#   SITES=50 RUNS="single 0 1 2" scripts/bench-fleet.sh
#
# Needs redis-server and redis-cli, GNU time. All traffic stays on loopback.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/bench-fleet}
SITES=${SITES:-200}
PAGES=${PAGES:-10}
AT_ONCE=${AT_ONCE:-8}
CONC=${CONC:-8}
RUNS=${RUNS:-"single 2"}   # single = no --frontier; K = the starting process plus K workers
BASE_PORT=${BASE_PORT:-43100}
REDIS_PORT=${REDIS_PORT:-39380}
TIMEOUT=${TIMEOUT:-1800}
[ -x /usr/bin/time ] || { echo "need GNU time: apt-get install -y time" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "need redis-server: apt-get install -y redis-server" >&2; exit 1; }
mkdir -p "$OUT/bin" "$OUT/fleetsite"

if [ -z "${PADLOCK:-}" ]; then
  (cd "$ROOT" && go build -trimpath -o "$OUT/bin/padlock" ./cmd/padlock)
  PADLOCK=$OUT/bin/padlock
  echo "padlock built from $(cd "$ROOT" && git describe --always --dirty 2>/dev/null)"
fi

# The sites: one process, SITES HTTPS listeners on BASE_PORT.., each a small shop whose pages
# link to one another, with an http: image (mixed content) and a third-party script.
cat >"$OUT/fleetsite/main.go" <<'GO'
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

func main() {
	sites := flag.Int("sites", 200, "sites")
	pages := flag.Int("pages", 10, "pages a site")
	base := flag.Int("port", 43100, "first port")
	certOut := flag.String("cert-out", "", "write the certificate here")
	flag.Parse()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fleet"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	os.WriteFile(*certOut, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	var served atomic.Int64
	for s := 0; s < *sites; s++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *base+s))
		if err != nil {
			log.Fatal(err)
		}
		site := s
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			var i int
			if r.URL.Path != "/" {
				if _, err := fmt.Sscanf(r.URL.Path, "/p/%d.html", &i); err != nil || i <= 0 || i >= *pages {
					http.NotFound(w, r)
					return
				}
			}
			served.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!doctype html><title>shop %d page %d</title><h1>Shop %d</h1>", site, i, site)
			for k := 1; k <= 3; k++ {
				fmt.Fprintf(w, `<a href="/p/%d.html">page</a>`, (i*3+k)%*pages)
			}
			fmt.Fprint(w, `<img src="http://img.fleet.test/a.png"><script src="https://cdn.fleet.test/x.js"></script>`)
			if i%5 == 0 {
				fmt.Fprint(w, `<form action="http://pay.fleet.test/checkout" method="post"><input type="password" name="p"></form>`)
			}
		})
		go http.Serve(tls.NewListener(ln, cfg), mux)
	}
	http.HandleFunc("/__stats", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, `{"pages":%d}`, served.Load()) })
	http.HandleFunc("/__reset", func(w http.ResponseWriter, r *http.Request) { served.Store(0) })
	log.Fatal(http.ListenAndServe(fmt.Sprintf("127.0.0.1:%d", *base-1), nil))
}
GO
(cd "$OUT/fleetsite" && { [ -f go.mod ] || go mod init fleetsite >/dev/null 2>&1; } && go build -o "$OUT/bin/fleetsite" .)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for port in $((BASE_PORT - 1)) "$REDIS_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use: set BASE_PORT, REDIS_PORT" >&2; exit 1; fi
done
CA=$OUT/ca.pem
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$OUT/redis.log" 2>&1 &
pids+=($!)
"$OUT/bin/fleetsite" -sites "$SITES" -pages "$PAGES" -port "$BASE_PORT" -cert-out "$CA" >"$OUT/site.log" 2>&1 &
pids+=($!)
STATS="http://127.0.0.1:$((BASE_PORT - 1))"
for _ in $(seq 1 100); do
  curl -fs "$STATS/__stats" >/dev/null 2>&1 && redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$STATS/__stats" >/dev/null || { echo "sites did not start" >&2; cat "$OUT/site.log"; exit 1; }
: >"$OUT/sites.txt"
for s in $(seq 0 $((SITES - 1))); do echo "https://127.0.0.1:$((BASE_PORT + s))/" >>"$OUT/sites.txt"; done

used() { redis-cli -p "$REDIS_PORT" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p'; }
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
base=$(used)
FRONTIER="redis://127.0.0.1:$REDIS_PORT/0"
echo "$SITES sites x $PAGES pages, $AT_ONCE sites at once, -c $CONC a process, $(nproc) CPUs"
for w in $RUNS; do
  curl -fs "$STATS/__reset" >/dev/null
  rm -rf "$OUT/reports-$w"
  load=$(cut -d' ' -f1 /proc/loadavg)
  args=(crawl -q --sites "$OUT/sites.txt" --sites-at-once "$AT_ONCE" -c "$CONC" --ca-file "$CA" --ignore-robots
    --check-resources none --fail-on never -o "$OUT/reports-$w")
  wpids=()
  if [ "$w" != single ]; then
    args+=(--frontier "$FRONTIER" --crawl-id "fleet-$w-$$")
    for k in $(seq 1 "$w"); do
      /usr/bin/time -v -o "$OUT/worker$k-$w.time" "$PADLOCK" worker -q --frontier "$FRONTIER" --wait 3s -c "$CONC" \
        >"$OUT/worker$k-$w.out" 2>&1 &
      wpids+=($!)
    done
  fi
  peakf=$OUT/redis-peak
  echo 0 >"$peakf"
  ( peak=0; while :; do u=$(used || echo 0); [ "${u:-0}" -gt "$peak" ] && { peak=$u; echo "$peak" >"$peakf"; }; sleep 0.2; done ) &
  sampler=$!
  t0=$EPOCHREALTIME
  set +e
  timeout "$TIMEOUT" /usr/bin/time -v -o "$OUT/starter-$w.time" "$PADLOCK" "${args[@]}" >"$OUT/starter-$w.out" 2>&1
  rc=$?
  t1=$EPOCHREALTIME
  for p in "${wpids[@]}"; do wait "$p" || rc=$((rc ? rc : 100)); done
  set -e
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
  pages=$(curl -fs "$STATS/__stats" | sed -n 's/.*"pages":\([0-9]*\).*/\1/p')
  reports=$(find "$OUT/reports-$w" -name padlock.json | wc -l)
  wr=""
  if [ "$w" != single ]; then for k in $(seq 1 "$w"); do wr="$wr${wr:+,}$(rss "$OUT/worker$k-$w.time")"; done; fi
  peak=$(( $(cat "$peakf") - base ))
  [ "$w" = single ] && peak=0
  printf "  %-7s %7.2f s  %s reports  %5.1f sites/s  %6s pages  %5.0f p/s  starter %s KB  workers %s KB  redis peak %s B  load %s  exit %s\n" \
    "$w" "$wall" "$reports" "$(awk -v n="$SITES" -v w="$wall" 'BEGIN{print n/w}')" "$pages" \
    "$(awk -v p="$pages" -v w="$wall" 'BEGIN{print p/w}')" "$(rss "$OUT/starter-$w.time")" "${wr:--}" "$peak" "$load" "$rc"
done
