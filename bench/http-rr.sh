#!/usr/bin/env bash
# http-rr.sh: HTTP/1.1 round-robin benchmark of ballast, HAProxy and NGINX, same run, same pinning.
#
# Three NGINX backends answer a small fixed body. Every balancer is started on CPU 0 (LB_CPU), wrk
# and the backends share CPU 1 (LOAD_CPU). For every balancer: a sanity check (200 from all three
# backends) and a discarded warm-up; then the measured wrk runs go in rounds, each round measuring
# every balancer once in turn (only the measured one has load), so compared runs are seconds
# apart. The balancer's CPU time (utime+stime from /proc/PID/stat, summed over its process tree) is
# read before and after each measured run, giving CPU microseconds per request; the ratio to
# HAProxy is taken round by round and its median reported. A direct run (wrk straight to one
# backend) is the reference row. The Markdown table goes to stdout and to bench/results/.
#
# Usage: bench/http-rr.sh [--duration 20s] [--connections 50] [--warmup 10s]
#                         [--only haproxy,nginx,ballast,direct] [--runs 1] [--install-deps] [--help]
# Every flag has an environment variable of the same meaning: DURATION, CONNECTIONS, WARMUP, ONLY,
# RUNS.
# STICKY=cookie measures session affinity's kept path instead: every balancer pins by a cookie
# (ballast: its sealed AES-GCM cookie; HAProxy: cookie insert; NGINX OSS, which has no sticky
# cookie: hash on the cookie's value), wrk sends the cookie a first request got, so every request
# is a session that keeps its backend.
# TLS=1 measures the same over TLS: every balancer terminates TLS 1.3 with one ECDSA P-256
# certificate the script makes with openssl (HAProxy: bind ... ssl crt; NGINX: listen ... ssl;
# ballast: a listener tls block), wrk keeps its connections, so the figure is the cost of a
# proxied request on an established TLS connection. TLS_KEY=rsa uses an RSA 2048 certificate
# instead. NEW_CONN=1 makes every request a new connection (wrk sends Connection: close and
# reconnects; its TLS client resumes the previous session): with TLS=1 the figure is a resumed
# handshake plus one request. HANDSHAKES=1 (with TLS=1) measures full handshakes instead: the
# load is S_TIME_CLIENTS (4) parallel `openssl s_time -new` clients, each a new connection with a
# full handshake and one HTTP/1.0 GET; req/s is then full handshakes per second and the CPU
# figure the balancer's CPU per full handshake plus request (no latency figures in that mode).
# H2=1 makes the clients speak HTTP/2: the load generator is h2load (-c CONNECTIONS, -m H2_STREAMS
# streams on each, 10 by default, -D DURATION, a small GET) instead of wrk, in cleartext with prior
# knowledge (HAProxy: bind ... proto h2; NGINX: listen ... http2; ballast: any listener) or, with
# TLS=1, h2 by ALPN (HAProxy: alpn h2,http/1.1; NGINX: listen ... ssl http2; ballast: its tls
# block). The backends stay HTTP/1.1; there is no direct row. GRPC=1 (implies H2=1, cleartext)
# measures gRPC unary calls instead: the backends are three grpc-java Echo servers in one JVM on
# CPU 1 (io.ballast.server.testing.GrpcEchoServers, from the server module's test classes; the
# class path is built with mvn unless GRPC_CP gives it), every balancer speaks h2c to them (HAProxy:
# server ... proto h2; NGINX: grpc_pass; ballast: pool protocol h2c) and h2load POSTs a 21-byte gRPC
# frame (16 bytes of "x") to /ballast.test.Echo/Unary; req/s is then calls per second.
# See docs/benchmarks.md for the method and the other knobs (LB_CPU, LOAD_CPU, JAVA, BALLAST_JAR,
# BALLAST_JAVA_OPTS, BALLAST_BUILD, NOISE_LIMIT_PCT, RESULTS_DIR, KEEP_TMP, H2_STREAMS, GRPC_CP).
#
# Exit status: 0 all selected rows measured (or skipped with a reason), 1 a balancer failed its
# checks (non-200 answers, socket errors, crash; with GRPC=1 also a grpc-status other than 0 or a
# reply missing), 2 missing tools or bad arguments.

set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
readonly SCRIPT_DIR REPO_ROOT
readonly REPORT_LUA="$SCRIPT_DIR/wrk-report.lua"
readonly ALL_ROWS="haproxy nginx ballast direct"
# Debian/Ubuntu package names; "nginx" is the real package on Debian 12+ and Ubuntu
# (nginx-light and nginx-core only add modules or are transitional).
readonly APT_PACKAGES="wrk haproxy nginx"

H2="${H2:-0}"
GRPC="${GRPC:-0}"
[[ $GRPC != 1 ]] || H2=1
# Streams h2load keeps in flight on each connection (H2=1).
H2_STREAMS="${H2_STREAMS:-10}"
# The grpc-java backends' class path (GRPC=1); empty: built with mvn from the server module.
GRPC_CP="${GRPC_CP:-}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-50}"
WARMUP="${WARMUP:-10s}"
# The backends speak HTTP/1.1 (or gRPC): an HTTP/2 client has no direct row to compare with.
if [[ $H2 == 1 ]]; then ONLY="${ONLY:-haproxy nginx ballast}"; else ONLY="${ONLY:-$ALL_ROWS}"; fi
LB_CPU="${LB_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
JAVA="${JAVA:-java}"
BALLAST_JAR="${BALLAST_JAR:-$REPO_ROOT/server/target/ballast.jar}"
BALLAST_JAVA_OPTS="${BALLAST_JAVA_OPTS:-}"
BALLAST_BUILD="${BALLAST_BUILD:-1}"
RESULTS_DIR="${RESULTS_DIR:-$SCRIPT_DIR/results}"
KEEP_TMP="${KEEP_TMP:-0}"
# Above this share of foreign user CPU on either pinned CPU, a row is flagged as disturbed.
NOISE_LIMIT_PCT="${NOISE_LIMIT_PCT:-5}"
# Measured runs per balancer (after one warm-up); the table shows the median of each figure.
RUNS="${RUNS:-1}"
INSTALL_DEPS=0
STICKY="${STICKY:-off}"
TLS="${TLS:-0}"
TLS_KEY="${TLS_KEY:-ecdsa}"
NEW_CONN="${NEW_CONN:-0}"
HANDSHAKES="${HANDSHAKES:-0}"
S_TIME_CLIENTS="${S_TIME_CLIENTS:-4}"
# ballast's TLS implementation with TLS=1: auto (BoringSSL), openssl or jdk.
BALLAST_TLS_PROVIDER="${BALLAST_TLS_PROVIDER:-auto}"
# What check_balancer wants from each request, followed by the backend's number.
EXPECTED_ANSWER="200 hello from b"
[[ $GRPC != 1 ]] || EXPECTED_ANSWER="200 grpc-status 0 from b"
GRPC_FRAME=""     # the gRPC request frame h2load and the sanity check send (GRPC=1)
# The Cookie header wrk sends in STICKY=cookie mode, set per balancer before its warm-up.
STICKY_COOKIE=""

TMP=""            # scratch dir for generated configs, pid files and logs
PIDS=()           # every process this script started and has not reaped yet
BACKEND_PORTS=()  # the three NGINX backends
USED_PORTS=" "    # ports handed out in this run, so two picks never collide
ROW_ORDER=()      # rows in the order they were run
NOISY=()          # rows during which other processes used the pinned CPUs
BACKENDS_PID=""
declare -A STATUS RPS P50 P99 P999 CPU_US_REQ CPU_PCT OTHER_PCT RUN_DETAILS
# Per row: its port, PID, sticky cookie, the lists of its runs' figures (space-separated) and the
# worst foreign load; per row and round, its CPU per request; per row, its round-by-round ratios.
declare -A PORT PID COOKIE L_RPS L_P50 L_P99 L_P999 L_CPU L_PCT WORST_LB WORST_LOAD ROUND_CPU \
  ROUND_RATIOS RATIO_CPU

# ---------------------------------------------------------------------------------------------
# Small helpers

log() { printf '[http-rr] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

usage() {
  sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# "20s", "1m", "90" → seconds (wrk accepts the same forms).
to_seconds() {
  local v=$1
  [[ $v =~ ^([0-9]+)([smh]?)$ ]] || die "duration: '$v' (expected: N, Ns, Nm or Nh)"
  local n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]}
  case $unit in
    m) echo $((n * 60)) ;;
    h) echo $((n * 3600)) ;;
    *) echo "$n" ;;
  esac
}

row_selected() { [[ " ${ONLY//,/ } " == *" $1 "* ]]; }

parse_args() {
  while (($#)); do
    case $1 in
      --duration) DURATION=${2:?--duration needs a value}; shift 2 ;;
      --connections) CONNECTIONS=${2:?--connections needs a value}; shift 2 ;;
      --warmup) WARMUP=${2:?--warmup needs a value}; shift 2 ;;
      --only) ONLY=${2:?--only needs a value}; shift 2 ;;
      --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
      --install-deps) INSTALL_DEPS=1; shift ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown argument: $1 (see --help)" ;;
    esac
  done
  to_seconds "$DURATION" >/dev/null
  to_seconds "$WARMUP" >/dev/null
  [[ $CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "connections: '$CONNECTIONS' (expected: > 0)"
  [[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "runs: '$RUNS' (expected: > 0)"
  [[ $TLS == 0 || $TLS == 1 ]] || die "TLS: '$TLS' (expected: 0 or 1)"
  [[ $TLS == 0 || $STICKY != cookie ]] || die "TLS=1 and STICKY=cookie together are not supported"
  [[ $TLS_KEY == ecdsa || $TLS_KEY == rsa ]] || die "TLS_KEY: '$TLS_KEY' (expected: ecdsa or rsa)"
  [[ $NEW_CONN == 0 || $NEW_CONN == 1 ]] || die "NEW_CONN: '$NEW_CONN' (expected: 0 or 1)"
  [[ $HANDSHAKES == 0 || $TLS == 1 ]] || die "HANDSHAKES=1 needs TLS=1"
  [[ $S_TIME_CLIENTS =~ ^[1-9][0-9]*$ ]] || die "S_TIME_CLIENTS: '$S_TIME_CLIENTS' (expected: > 0)"
  [[ $BALLAST_TLS_PROVIDER =~ ^(auto|openssl|jdk)$ ]] ||
    die "BALLAST_TLS_PROVIDER: '$BALLAST_TLS_PROVIDER' (expected: auto, openssl or jdk)"
  [[ $NOISE_LIMIT_PCT =~ ^[0-9]+$ ]] || die "NOISE_LIMIT_PCT: '$NOISE_LIMIT_PCT' (expected: 0..100)"
  [[ $H2 == 0 || $H2 == 1 ]] || die "H2: '$H2' (expected: 0 or 1)"
  [[ $GRPC == 0 || $GRPC == 1 ]] || die "GRPC: '$GRPC' (expected: 0 or 1)"
  [[ $H2_STREAMS =~ ^[1-9][0-9]*$ ]] || die "H2_STREAMS: '$H2_STREAMS' (expected: > 0)"
  if ((H2)); then
    [[ $STICKY != cookie && $NEW_CONN == 0 && $HANDSHAKES == 0 ]] ||
      die "H2=1 (or GRPC=1) with STICKY, NEW_CONN or HANDSHAKES is not supported"
    ! row_selected direct || die "H2=1 (or GRPC=1) has no direct row: the backends do not speak the clients' HTTP/2"
  fi
  [[ $GRPC == 0 || $TLS == 0 ]] || die "GRPC=1 with TLS=1 is not supported (gRPC is measured in cleartext)"
  local r
  for r in ${ONLY//,/ }; do
    [[ " $ALL_ROWS " == *" $r "* ]] || die "only: '$r' (expected: one of ${ALL_ROWS// /, })"
  done
  [[ -n ${ONLY//[, ]/} ]] || die "only: empty (expected: one or more of ${ALL_ROWS// /, })"
}

# ---------------------------------------------------------------------------------------------
# Tools

check_tools() {
  local missing=() pkgs=()
  if ((H2)); then
    command -v h2load >/dev/null || { missing+=(h2load); pkgs+=(nghttp2-client); }
    command -v curl >/dev/null || { missing+=(curl); pkgs+=(curl); }
  else
    command -v wrk >/dev/null || { missing+=(wrk); pkgs+=(wrk); }
  fi
  command -v nginx >/dev/null || { missing+=(nginx); pkgs+=(nginx); }  # backends always need it
  if row_selected haproxy && ! command -v haproxy >/dev/null; then
    missing+=(haproxy); pkgs+=(haproxy)
  fi
  command -v taskset >/dev/null || { missing+=(taskset); pkgs+=(util-linux); }
  if ((${#missing[@]})); then
    if ((INSTALL_DEPS)); then
      local sudo=()
      ((EUID == 0)) || sudo=(sudo)
      log "installing: ${pkgs[*]}"
      "${sudo[@]}" apt-get update
      "${sudo[@]}" apt-get install -y "${pkgs[@]}"
    else
      local line=$APT_PACKAGES
      ((!H2)) || line+=" nghttp2-client curl"
      [[ " ${pkgs[*]} " != *" util-linux "* ]] || line+=" util-linux"
      log "missing: ${missing[*]}"
      log "install them with:  apt-get update && apt-get install -y $line"
      log "(or run this script with --install-deps)"
      exit 2
    fi
  fi
  local ncpu
  ncpu=$(getconf _NPROCESSORS_ONLN)
  ((ncpu >= 2)) || die "this benchmark needs 2 CPUs (found $ncpu): the balancer and the load must not share one"
  [[ $LB_CPU =~ ^[0-9]+$ ]] || die "LB_CPU: '$LB_CPU' (expected: one CPU number)"
  [[ $LOAD_CPU =~ ^[0-9]+$ ]] || die "LOAD_CPU: '$LOAD_CPU' (expected: one CPU number)"
  # taskset fails loudly if a CPU is not in our allowed set (e.g. a cgroup cpuset).
  taskset -c "$LB_CPU" true 2>/dev/null || die "LB_CPU: $LB_CPU (expected: a CPU this process may use)"
  taskset -c "$LOAD_CPU" true 2>/dev/null || die "LOAD_CPU: $LOAD_CPU (expected: a CPU this process may use)"
  [[ $LB_CPU != "$LOAD_CPU" ]] || die "LB_CPU and LOAD_CPU are both $LB_CPU (expected: two different CPUs)"
}

# ---------------------------------------------------------------------------------------------
# Processes: start in the background, track by PID, stop by PID (and the PID's descendants,
# because an NGINX master killed hard would leave its worker behind).

# start_bg LOGFILE CMD... ; sets STARTED_PID.
start_bg() {
  local logfile=$1
  shift
  "$@" >"$logfile" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

untrack() {
  local pid=$1 kept=() p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  PIDS=("${kept[@]+"${kept[@]}"}")
}

# A zombie still has /proc/PID, so look at the state letter too.
alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# Prints every descendant of PID (children first level, then theirs), from /proc only.
descendants() {
  local want=" $1 " found=1 f stat fields pid
  declare -A seen=()
  while ((found)); do
    found=0
    for f in /proc/[0-9]*/stat; do
      { read -r stat <"$f"; } 2>/dev/null || continue
      pid=${stat%% *}
      [[ -z ${seen[$pid]:-} ]] || continue
      fields=${stat##*) }
      read -r -a fields <<<"$fields"
      if [[ $want == *" ${fields[1]} "* ]]; then
        seen[$pid]=1
        want+="$pid "
        found=1
        echo "$pid"
      fi
    done
  done
}

stop_tree() {
  local pid=$1 all i p
  alive "$pid" || { wait "$pid" 2>/dev/null || true; untrack "$pid"; return 0; }
  mapfile -t all < <(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  for p in "$pid" "${all[@]+"${all[@]}"}"; do
    if alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
  done
  wait "$pid" 2>/dev/null || true
  untrack "$pid"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do stop_tree "$pid"; done
  if [[ -n $TMP && -d $TMP ]]; then
    if [[ $KEEP_TMP == 1 ]]; then log "kept scratch dir $TMP"; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}

# "USER TOTAL": utime and utime+stime clock ticks of PID and its descendants. /proc/PID/stat
# already includes every thread of the process, live or exited, so a JVM's GC and JIT threads
# are counted. No PID: "0 0".
proc_ticks() {
  local user=0 total=0 p stat fields
  [[ -n $1 ]] || { echo "0 0"; return 0; }
  for p in "$1" $(descendants "$1"); do
    { read -r stat <"/proc/$p/stat"; } 2>/dev/null || continue
    fields=${stat##*) }
    read -r -a fields <<<"$fields"
    # fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
    user=$((user + fields[11]))
    total=$((total + fields[11] + fields[12]))
  done
  echo "$user $total"
}

# User+nice ticks a CPU spent, from /proc/stat (same USER_HZ unit as /proc/PID/stat).
cpu_user_ticks() {
  awk -v cpu="cpu$1" '$1 == cpu { print $2 + $3; exit }' /proc/stat
}

# User ticks of every child this shell has reaped (cutime, field 16): wrk, once its run ends.
reaped_user_ticks() {
  local stat fields
  read -r stat <"/proc/$$/stat"
  fields=${stat##*) }
  read -r -a fields <<<"$fields"
  echo "${fields[13]}"
}

# One line of counters for measure(): balancer user, balancer total, LB CPU user, load CPU user,
# backends user, reaped children user. Differences of two snapshots tell how much CPU the
# balancer used, and how much user CPU processes that are not ours took on the pinned CPUs
# (other builds or tests on a shared box make the figures worthless; we report it).
snapshot() {
  local lb backends
  lb=$(proc_ticks "$1")
  backends=$(proc_ticks "$BACKENDS_PID")
  echo "$lb $(cpu_user_ticks "$LB_CPU") $(cpu_user_ticks "$LOAD_CPU") ${backends%% *} $(reaped_user_ticks)"
}

# ---------------------------------------------------------------------------------------------
# Ports and HTTP probes (bash /dev/tcp only, so no python or curl is needed)

port_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Sets PICKED_PORT to a free port below the kernel's ephemeral range, so wrk's and the balancers'
# outgoing connections never take it between the probe and the bind. (A global, not an echo:
# a $(...) subshell would lose the USED_PORTS bookkeeping.)
pick_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 12000))
    [[ $USED_PORTS == *" $p "* ]] && continue
    port_listening "$p" && continue
    USED_PORTS+="$p "
    PICKED_PORT=$p
    return 0
  done
  die "no free port found on 127.0.0.1"
}

# wait_for_port NAME PID PORT TIMEOUT_S LOGFILE: fails if the process dies or the time is up.
wait_for_port() {
  local name=$1 pid=$2 port=$3 limit=$(($4 * 10)) logfile=$5 i
  for ((i = 0; i < limit; i++)); do
    port_listening "$port" && return 0
    if ! alive "$pid"; then
      log "$name exited before listening on 127.0.0.1:$port; last lines of $logfile:"
      tail -n 20 "$logfile" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  log "$name did not listen on 127.0.0.1:$port within $4 s; last lines of $logfile:"
  tail -n 20 "$logfile" >&2 || true
  return 1
}

# One GET on a fresh connection; prints the status code and the body's first line. Runs in a
# subshell so the socket closes with it; read -t bounds a balancer that accepts but never answers.
# tls_port PORT: true when PORT is a balancer's listener in TLS mode (the backends stay plain).
tls_port() { [[ $TLS == 1 && $1 != "${BACKEND_PORTS[0]}" ]]; }

http_get() (
  local status="" body=0 line
  if ((H2)); then
    h2_get "$1"
    exit 0
  fi
  if tls_port "$1"; then
    exec 3< <(printf 'GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n' |
      timeout 5 openssl s_client -quiet -connect "127.0.0.1:$1" -servername localhost 2>/dev/null)
  else
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
  fi
  local extra=""
  [[ -z $STICKY_COOKIE ]] || extra="Cookie: $STICKY_COOKIE"$'\r\n'
  tls_port "$1" || printf 'GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n%s\r\n' "$extra" >&3
  while IFS= read -r -t 5 line <&3; do
    line=${line%$'\r'}
    if [[ -z $status ]]; then
      status=${line#* }
      status=${status%% *}
    elif ((body)); then
      echo "$status $line"
      exit 0
    elif [[ -z $line ]]; then
      body=1
    fi
  done
  echo "${status:-none}"
)

# One HTTP/2 request with curl (prior knowledge, or h2 by ALPN on a TLS port), printed as http_get
# does: "200 hello from bN" for a GET that came back over HTTP/2. With GRPC=1 one unary call:
# "200 grpc-status 0 from bN" when the answer is HTTP 200, its trailers say grpc-status 0 and the
# reply is the request's message echoed (HTTP 200 alone does not prove a call succeeded).
h2_get() {
  local port=$1 scheme=http opts=(--http2-prior-knowledge) out code version served grpc_status echoed=""
  if tls_port "$port"; then scheme=https opts=(--http2 -k); fi
  if ((GRPC)); then
    out=$(curl -sv --max-time 5 "${opts[@]}" -H 'content-type: application/grpc' -H 'te: trailers' \
      --data-binary "@$GRPC_FRAME" -o "$TMP/grpc-answer.bin" \
      "$scheme://127.0.0.1:$port/ballast.test.Echo/Unary" 2>&1 | tr -d '\r') || { echo none; return 0; }
    code=$(sed -n 's/^< HTTP\/2 \([0-9]*\).*/\1/p' <<<"$out" | head -n 1)
    grpc_status=$(sed -n 's/^< grpc-status: *\([0-9]*\).*/\1/p' <<<"$out" | tail -n 1)
    served=$(sed -n 's/^< x-served-by: *\(b[0-9]*\).*/\1/p' <<<"$out" | head -n 1)
    cmp -s "$GRPC_FRAME" "$TMP/grpc-answer.bin" || echoed=" (reply is not the echo)"
    echo "${code:-none} grpc-status ${grpc_status:-none}$echoed from ${served:-none}"
  else
    out=$(curl -s --max-time 5 "${opts[@]}" -w '\n%{http_code} %{http_version}' \
      "$scheme://127.0.0.1:$port/") || { echo none; return 0; }
    read -r code version <<<"$(tail -n 1 <<<"$out")"
    if [[ $version != 2 ]]; then echo "$code over HTTP/$version"; return 0; fi
    echo "$code $(head -n 1 <<<"$out")"
  fi
}

# The SRV cookie a first answer sets (NGINX sets none: any value is one session), written to
# TMP/NAME.cookie; the balancer must then keep five requests carrying it on one backend.
sticky_cookie() (
  local name=$1 port=$2 line cookie="" answer first="" i
  exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
  printf 'GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n' >&3
  while IFS= read -r -t 5 line <&3; do
    line=${line%$'\r'}
    [[ -z $line ]] && break
    if [[ ${line,,} == "set-cookie: srv="* ]]; then
      cookie=${line#*: }
      cookie=${cookie%%;*}
    fi
  done
  exec 3>&-
  if [[ -z $cookie ]]; then
    [[ $name == nginx ]] || { log "$name: no Set-Cookie: SRV=... in the first answer"; exit 1; }
    cookie="SRV=bench-session"
  fi
  for ((i = 0; i < 5; i++)); do
    answer=$(STICKY_COOKIE=$cookie http_get "$port") || exit 1
    first=${first:-$answer}
    if [[ $answer != "$first" || $answer != "200 hello from b"* ]]; then
      log "$name: the session moved or failed: '$first' then '$answer'"
      exit 1
    fi
  done
  echo "$cookie" >"$TMP/$name.cookie"
)

# The balancer must answer 200 and reach all three backends within nine fresh connections:
# a balancer that errors or does not balance would make the figures meaningless.
check_balancer() {
  local name=$1 port=$2 i answer reached=" "
  for ((i = 0; i < 9; i++)); do
    answer=$(http_get "$port") || { log "$name: no answer on 127.0.0.1:$port"; return 1; }
    if [[ $answer != "$EXPECTED_ANSWER"* ]]; then
      log "$name: unexpected answer '$answer' (expected: ${EXPECTED_ANSWER}N)"
      return 1
    fi
    reached+="${answer##* } "
  done
  [[ $name == direct ]] && return 0
  # NGINX's sticky stand-in hashes the cookie: without one, every request has the same key.
  [[ $STICKY == cookie && $name == nginx ]] && return 0
  local b
  for b in b1 b2 b3; do
    if [[ $reached != *" $b "* ]]; then
      log "$name: reached only [${reached# }] in 9 requests (expected: b1, b2 and b3 each)"
      return 1
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Generated configurations

# Paths NGINX would otherwise create under its compiled-in prefix (/var/lib/nginx), which may not
# exist or be writable; everything of ours stays in the scratch dir.
nginx_common() {
  local name=$1
  mkdir -p "$TMP/$name"
  cat <<EOF
daemon off;
worker_processes 1;
pid $TMP/$name/nginx.pid;
error_log $TMP/$name/error.log warn;
events { worker_connections 4096; }
EOF
}

nginx_http_common() {
  local name=$1
  cat <<EOF
  access_log off;
  client_body_temp_path $TMP/$name/client_body;
  proxy_temp_path $TMP/$name/proxy;
  fastcgi_temp_path $TMP/$name/fastcgi;
  uwsgi_temp_path $TMP/$name/uwsgi;
  scgi_temp_path $TMP/$name/scgi;
  # NGINX closes a keep-alive connection after 1000 requests by default; that would add a
  # reconnect every 1000 requests to every row, so we lift it.
  keepalive_requests 1000000;
  keepalive_timeout 65s;
EOF
}

write_backends_conf() {
  local conf=$TMP/backends.conf i
  {
    nginx_common backends
    echo "http {"
    nginx_http_common backends
    echo "  default_type text/plain;"
    for i in 1 2 3; do
      printf '  server { listen 127.0.0.1:%s; location / { return 200 "hello from b%s\\n"; } }\n' \
        "${BACKEND_PORTS[i - 1]}" "$i"
    done
    echo "}"
  } >"$conf"
  echo "$conf"
}

# H2=1: cleartext HTTP/2 with prior knowledge, or h2 offered by ALPN on TLS.
haproxy_h2_bind() {
  ((H2)) || return 0
  if ((TLS)); then echo " alpn h2,http/1.1"; else echo " proto h2"; fi
}

write_haproxy_conf() {
  local port=$1 conf=$TMP/haproxy.cfg i
  cat >"$conf" <<EOF
global
  nbthread 1
  # HAProxy reserves about two descriptors per connection and refuses to start when the
  # hard limit is lower; 4096 is far above the benchmark's connection count.
  maxconn 4096

defaults
  mode http
  option http-keep-alive
  # Share idle backend connections across client connections, as NGINX's upstream keepalive
  # pool and ballast's per-event-loop pools do.
  http-reuse always
  timeout connect 2s
  timeout client 60s
  timeout server 30s
  timeout http-keep-alive 60s
  timeout http-request 10s

frontend bench
  bind 127.0.0.1:$port$( ((TLS)) && echo " ssl crt $TMP/tls/combined.pem ssl-min-ver TLSv1.2")$(haproxy_h2_bind)
  default_backend bench

backend bench
  balance roundrobin
EOF
  if [[ $STICKY == cookie ]]; then echo "  cookie SRV insert indirect nocache" >>"$conf"; fi
  for i in 1 2 3; do
    if [[ $STICKY == cookie ]]; then
      echo "  server b$i 127.0.0.1:${BACKEND_PORTS[i - 1]} cookie b$i" >>"$conf"
    else
      echo "  server b$i 127.0.0.1:${BACKEND_PORTS[i - 1]}$( ((GRPC)) && echo " proto h2")" >>"$conf"
    fi
  done
  echo "$conf"
}

write_nginx_proxy_conf() {
  local port=$1 conf=$TMP/nginx-proxy.conf i
  {
    nginx_common nginx-proxy
    echo "http {"
    nginx_http_common nginx-proxy
    echo "  upstream bench {"
    if [[ $STICKY == cookie ]]; then echo "    hash \$cookie_SRV consistent;"; fi
    for i in 1 2 3; do echo "    server 127.0.0.1:${BACKEND_PORTS[i - 1]};"; done
    cat <<EOF
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:$port$( ((TLS)) && echo " ssl")$( ((H2)) && echo " http2");
$( ((TLS)) && printf '    ssl_certificate %s;\n    ssl_certificate_key %s;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_session_cache shared:SSL:10m;\n' "$TMP/tls/cert.pem" "$TMP/tls/key.pem")
    location / {
$(if ((GRPC)); then
    echo "      grpc_pass grpc://bench;"
  else
    printf '      proxy_pass http://bench;\n      proxy_http_version 1.1;\n      proxy_set_header Connection "";\n'
  fi)
    }
  }
}
EOF
  } >"$conf"
  echo "$conf"
}

# ballast's config has no event-loop thread count; under taskset the JVM sees one CPU, so the
# proxy's default (one event loop per core) gives one event loop anyway.
write_ballast_conf() {
  local port=$1 conf=$TMP/ballast.yaml i
  cat >"$conf" <<EOF
listeners:
  - name: bench
    bind: "127.0.0.1:$port"
    pool: bench
$( ((TLS)) && printf '    tls:\n      certificates: [{cert: "%s", key: "%s"}]\n      provider: %s\n' "$TMP/tls/cert.pem" "$TMP/tls/key.pem" "$BALLAST_TLS_PROVIDER")
pools:
  - name: bench
    algorithm: round-robin
$( ((GRPC)) && echo "    protocol: h2c")
    backends:
EOF
  for i in 1 2 3; do
    echo "      - address: \"127.0.0.1:${BACKEND_PORTS[i - 1]}\"" >>"$conf"
  done
  if [[ $STICKY == cookie ]]; then
    cat >>"$conf" <<EOF
    affinity:
      by: cookie
      cookie: {name: SRV, keys: ["q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="]}
EOF
  fi
  cat >>"$conf" <<EOF
admin:
  enabled: false
access_log:
  enabled: false
EOF
  echo "$conf"
}

# ---------------------------------------------------------------------------------------------
# Starting each process; every start function sets STARTED_PID and returns non-zero on failure.

start_nginx() {  # start_nginx NAME CONF PORT CPU
  local name=$1 conf=$2 port=$3 cpu=$4
  # -e: NGINX opens its compiled-in error log before reading the config; point it at ours.
  start_bg "$TMP/$name.out" taskset -c "$cpu" nginx -p "$TMP/$name" -e "$TMP/$name/error.log" -c "$conf"
  wait_for_port "$name" "$STARTED_PID" "$port" 10 "$TMP/$name/error.log"
}

# One certificate (ECDSA P-256, or RSA 2048 with TLS_KEY=rsa) for localhost and 127.0.0.1, for
# every balancer alike.
make_certificate() {
  command -v openssl >/dev/null || die "TLS=1 needs openssl (apt-get install -y openssl)"
  mkdir -p "$TMP/tls"
  local key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
  [[ $TLS_KEY == rsa ]] && key=(-newkey rsa:2048)
  openssl req -x509 "${key[@]}" -nodes -days 2 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$TMP/tls/key.pem" -out "$TMP/tls/cert.pem" >"$TMP/tls/openssl.out" 2>&1 ||
    die "openssl could not make the certificate (see $TMP/tls/openssl.out)"
  cat "$TMP/tls/cert.pem" "$TMP/tls/key.pem" >"$TMP/tls/combined.pem"
  chmod 644 "$TMP/tls/"*.pem
}

# Sets GRPC_CP to the class path of io.ballast.server.testing.GrpcEchoServers (the server module's
# test classes and their test-scope dependencies), compiling them with mvn when needed.
ensure_grpc_classpath() {
  [[ -z $GRPC_CP ]] || return 0
  local out=$TMP/grpc-classpath.out
  command -v mvn >/dev/null || die "GRPC=1 needs mvn to build the gRPC backends' class path (or set GRPC_CP)"
  log "grpc backends: compiling the server module's test classes and resolving their class path (mvn)"
  (cd "$REPO_ROOT" && timeout 900 mvn -B -ntp -q -pl server -am test-compile -DskipTests \
    dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$TMP/grpc-cp.txt") \
    >"$out" 2>&1 || { tail -n 20 "$out" >&2; die "could not build the gRPC backends' class path (see $out)"; }
  GRPC_CP="$REPO_ROOT/server/target/test-classes:$REPO_ROOT/server/target/classes:$(<"$TMP/grpc-cp.txt")"
}

# GRPC=1: three grpc-java Echo servers (b1, b2, b3) in one JVM on the load CPU, like the one NGINX
# process of three servers otherwise.
start_grpc_backends() {
  ensure_grpc_classpath
  start_bg "$TMP/grpc-backends.out" taskset -c "$LOAD_CPU" "$JAVA" -cp "$GRPC_CP" \
    io.ballast.server.testing.GrpcEchoServers "${BACKEND_PORTS[@]}"
  local i
  for i in 1 2 3; do
    wait_for_port grpc-backends "$STARTED_PID" "${BACKEND_PORTS[i - 1]}" 30 "$TMP/grpc-backends.out" ||
      die "gRPC backends did not start"
  done
  BACKENDS_PID=$STARTED_PID
  log "backends: grpc-java Echo servers, pid $STARTED_PID on 127.0.0.1:${BACKEND_PORTS[*]} (CPU $LOAD_CPU)"
}

start_backends() {
  local i
  for i in 1 2 3; do
    pick_port
    BACKEND_PORTS+=("$PICKED_PORT")
  done
  if ((GRPC)); then
    start_grpc_backends
    return
  fi
  local conf
  conf=$(write_backends_conf)
  start_nginx backends "$conf" "${BACKEND_PORTS[0]}" "$LOAD_CPU" || die "backends did not start"
  for i in 1 2 3; do
    wait_for_port backends "$STARTED_PID" "${BACKEND_PORTS[i - 1]}" 10 "$TMP/backends/error.log" ||
      die "backends did not start"
  done
  BACKENDS_PID=$STARTED_PID
  log "backends: NGINX pid $STARTED_PID on 127.0.0.1:${BACKEND_PORTS[*]} (CPU $LOAD_CPU)"
}

start_haproxy() {
  local port=$1 conf
  conf=$(write_haproxy_conf "$port")
  haproxy -c -q -f "$conf" >"$TMP/haproxy-check.out" 2>&1 || {
    cat "$TMP/haproxy-check.out" >&2
    return 1
  }
  # -db: stay in the foreground, no master process, so the PID we track is the one working.
  start_bg "$TMP/haproxy.out" taskset -c "$LB_CPU" haproxy -db -f "$conf"
  wait_for_port haproxy "$STARTED_PID" "$port" 10 "$TMP/haproxy.out"
}

start_nginx_proxy() {
  local port=$1 conf
  conf=$(write_nginx_proxy_conf "$port")
  start_nginx nginx-proxy "$conf" "$port" "$LB_CPU"
}

java_feature_version() {
  local v
  v=$("$JAVA" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
  v=${v#1.}  # "1.8.0" → "8.0"
  echo "${v%%[.+-]*}"
}

# Sets SKIP_REASON and returns 1 when the jar is missing and cannot be built.
ensure_ballast_jar() {
  SKIP_REASON=""
  command -v "$JAVA" >/dev/null || { SKIP_REASON="no java ($JAVA)"; return 1; }
  [[ -f $BALLAST_JAR ]] && return 0
  if [[ $BALLAST_BUILD != 1 ]]; then
    SKIP_REASON="$BALLAST_JAR missing and BALLAST_BUILD=$BALLAST_BUILD"
    return 1
  fi
  if ! command -v mvn >/dev/null || [[ ! -f $REPO_ROOT/pom.xml ]]; then
    SKIP_REASON="$BALLAST_JAR missing and no mvn or pom.xml to build it"
    return 1
  fi
  log "ballast: $BALLAST_JAR missing, building it (mvn -B -ntp -q -DskipTests package)"
  if ! (cd "$REPO_ROOT" && timeout 900 mvn -B -ntp -q -DskipTests package) >"$TMP/ballast-build.out" 2>&1; then
    tail -n 20 "$TMP/ballast-build.out" >&2 || true
    keep_files ballast-build.out
    SKIP_REASON="$BALLAST_JAR missing and the build failed (see ballast-build.out)"
    return 1
  fi
  [[ -f $BALLAST_JAR ]] || { SKIP_REASON="the build did not produce $BALLAST_JAR"; return 1; }
}

start_ballast() {
  local port=$1 conf opts=() feature
  conf=$(write_ballast_conf "$port")
  feature=$(java_feature_version)
  # Newer JDKs turn off what Netty needs for its fast buffers unless asked (see STACK.md).
  if [[ $feature =~ ^[0-9]+$ ]] && ((feature >= 24)); then
    opts+=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
  fi
  local extra=()
  read -r -a extra <<<"$BALLAST_JAVA_OPTS"
  start_bg "$TMP/ballast.out" taskset -c "$LB_CPU" "$JAVA" "${opts[@]+"${opts[@]}"}" \
    "${extra[@]+"${extra[@]}"}" -jar "$BALLAST_JAR" run -c "$conf"
  # A JVM takes a moment; 30 s also covers a slow first start on a loaded machine.
  wait_for_port ballast "$STARTED_PID" "$port" 30 "$TMP/ballast.out"
}

# ---------------------------------------------------------------------------------------------
# Load

# run_wrk PORT DURATION OUTFILE: wrk pinned to LOAD_CPU, bounded by timeout, interruptible
# (run in the background and waited for, so Ctrl-C reaches our trap at once).
run_wrk() {
  if ((H2)); then
    run_h2load "$@"
    return
  fi
  if ((HANDSHAKES)) && tls_port "$1"; then
    run_s_time "$@"
    return
  fi
  local port=$1 duration=$2 out=$3 limit rc=0
  limit=$(($(to_seconds "$duration") + 30))
  start_bg "$out" timeout "$limit" taskset -c "$LOAD_CPU" \
    wrk -t1 -c"$CONNECTIONS" -d"$duration" --latency -s "$REPORT_LUA" \
    ${STICKY_COOKIE:+-H "Cookie: $STICKY_COOKIE"} \
    $( ((NEW_CONN)) && echo "-H Connection:close") "$(tls_port "$port" && echo https || echo http)://127.0.0.1:$port/"
  local pid=$STARTED_PID
  wait "$pid" || rc=$?
  untrack "$pid"
  return "$rc"
}

# run_h2load PORT DURATION OUTFILE: h2load pinned to LOAD_CPU and bounded by timeout, CONNECTIONS
# connections with H2_STREAMS streams each for DURATION; a GET of / (H2=1) or a gRPC unary call
# (GRPC=1). Appends a BENCH_RESULT line like wrk-report.lua's: the latencies are exact percentiles
# of h2load's per-request log (--log-file); errors are h2load's failed, errored and timed-out
# requests and answers above 399; with GRPC=1, DATA bytes short of one reply per call count as
# status errors (a failed call is a trailers-only 200 without a reply).
run_h2load() {
  local port=$1 duration=$2 out=$3 secs rc=0 url args=()
  secs=$(to_seconds "$duration")
  url="$(tls_port "$port" && echo https || echo http)://127.0.0.1:$port/"
  if ((GRPC)); then
    url+="ballast.test.Echo/Unary"
    args=(-d "$GRPC_FRAME" -H 'content-type: application/grpc' -H 'te: trailers')
  fi
  start_bg "$out" timeout $((secs + 30)) taskset -c "$LOAD_CPU" \
    h2load -t1 -c"$CONNECTIONS" -m"$H2_STREAMS" -D"$secs" --log-file="$out.log" \
    "${args[@]+"${args[@]}"}" "$url"
  local pid=$STARTED_PID
  wait "$pid" || rc=$?
  untrack "$pid"
  ((rc == 0)) || return "$rc"
  local req line done_ failed errored timeout_ s4 s5 data dur_s pct short=0
  line=$(grep '^requests:' "$out") || { log "h2load: no result in $out"; return 1; }
  # "requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed, 0 errored, 0 timeout"
  read -r done_ failed errored timeout_ < <(awk '{ print $6, $10, $12, $14 }' <<<"$line")
  # "status codes: 1000 2xx, 0 3xx, 0 4xx, 0 5xx"
  read -r s4 s5 < <(awk '/^status codes:/ { print $7, $9 }' "$out")
  # "finished in 10.00s, 43210.00 req/s, 1.2MB/s"
  dur_s=$(sed -n 's/^finished in \([0-9.]*\)s,.*/\1/p' "$out")
  req=$done_
  if ((GRPC)); then
    # "traffic: 3.94MB (4132609) total, 1.85MB (1935086) headers (space savings 10.42%), 461.45KB (472521) data"
    data=$(sed -n 's/^traffic:.*(\([0-9]*\)) data.*/\1/p' "$out")
    local frame_len
    frame_len=$(stat -c %s "$GRPC_FRAME")
    short=$(( (req * frame_len - data) / frame_len ))
    ((short > 0)) || short=0
  fi
  pct=$(cut -f3 "$out.log" | sort -n | awk '{ v[NR] = $1 }
    END { if (NR == 0) { print "0 0 0"; exit }
          i50 = int(NR * 0.50); i99 = int(NR * 0.99); i999 = int(NR * 0.999)
          print v[i50 < 1 ? 1 : i50], v[i99 < 1 ? 1 : i99], v[i999 < 1 ? 1 : i999] }')
  read -r -a pct <<<"$pct"
  echo "BENCH_RESULT requests=$req duration_us=$(awk -v d="$dur_s" 'BEGIN { printf "%.0f", d * 1e6 }')" \
    "p50_us=${pct[0]} p99_us=${pct[1]} p999_us=${pct[2]} err_connect=0 err_read=$((failed - s4 - s5))" \
    "err_write=$errored err_status=$((s4 + s5 + short)) err_timeout=$timeout_" >>"$out"
  rm -f "$out.log"
}

# run_s_time PORT DURATION OUTFILE: S_TIME_CLIENTS parallel `openssl s_time -new` clients (a full
# handshake and one GET per connection), pinned to LOAD_CPU; writes a BENCH_RESULT line with the
# connections made as requests (latencies 0: s_time measures none).
run_s_time() {
  local port=$1 duration=$2 out=$3 secs i rc=0 total=0 n pids=()
  secs=$(to_seconds "$duration")
  for ((i = 0; i < S_TIME_CLIENTS; i++)); do
    start_bg "$out.$i" timeout $((secs + 30)) taskset -c "$LOAD_CPU" \
      openssl s_time -connect "127.0.0.1:$port" -new -www / -time "$secs"
    pids+=("$STARTED_PID")
  done
  for i in "${pids[@]}"; do
    wait "$i" || rc=$?
    untrack "$i"
  done
  ((rc == 0)) || return "$rc"
  for ((i = 0; i < S_TIME_CLIENTS; i++)); do
    n=$(sed -n 's/^\([0-9]*\) connections in [0-9]* real seconds.*/\1/p' "$out.$i" | head -n 1)
    [[ -n $n ]] || { log "s_time: no result in $out.$i"; return 1; }
    total=$((total + n))
  done
  echo "BENCH_RESULT requests=$total duration_us=$((secs * 1000000)) p50_us=0 p99_us=0" \
    "p999_us=0 err_connect=0 err_read=0 err_write=0 err_status=0 err_timeout=0" >"$out"
}

# field LINE KEY → value of KEY=value in a BENCH_RESULT line.
field() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<"$1"; }

# median V... → the middle value (the mean of the two middle ones for an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# busy_pct TICKS HZ WALL_S → whole percent of one CPU over the wall time (negative → 0: the
# per-CPU and per-process counters are sampled a few ms apart).
busy_pct() {
  awk -v t="$1" -v hz="$2" -v w="$3" 'BEGIN { t = 100 * t / hz / w; printf "%.0f", t < 0 ? 0 : t }'
}

# measure_once NAME PORT PID OUTFILE: one measured wrk run with CPU accounting. Sets M_RPS,
# M_P50, M_P99, M_P999 (ms), M_CPU (µs/request, empty without PID), M_PCT, M_OTHER_LB and
# M_OTHER_LOAD (percent); on failure sets STATUS[NAME] and returns 1.
measure_once() {
  local name=$1 port=$2 pid=$3 out=$4
  local s0 s1 wall0 wall1
  s0=$(snapshot "$pid")
  wall0=$(date +%s%N)
  run_wrk "$port" "$DURATION" "$out" || { STATUS[$name]="FAILED: wrk exited non-zero"; return 1; }
  wall1=$(date +%s%N)
  s1=$(snapshot "$pid")
  if [[ -n $pid ]] && ! alive "$pid"; then
    STATUS[$name]="FAILED: the balancer exited during the run"
    return 1
  fi

  local line
  line=$(grep '^BENCH_RESULT ' "$out" || true)
  [[ -n $line ]] || { STATUS[$name]="FAILED: no BENCH_RESULT line from wrk"; return 1; }
  local requests dur_us errs="" k v
  requests=$(field "$line" requests)
  dur_us=$(field "$line" duration_us)
  for k in connect read write status timeout; do
    v=$(field "$line" "err_$k")
    ((v == 0)) || errs+="$k=$v "
  done
  if [[ -n $errs ]]; then
    STATUS[$name]="FAILED: wrk errors ${errs% } (status = answers above 399)"
    return 1
  fi
  ((requests > 0)) || { STATUS[$name]="FAILED: no requests completed"; return 1; }

  M_RPS=$(awk -v r="$requests" -v d="$dur_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
  M_P50=$(awk -v v="$(field "$line" p50_us)" 'BEGIN { printf "%.3f", v / 1000 }')
  M_P99=$(awk -v v="$(field "$line" p99_us)" 'BEGIN { printf "%.3f", v / 1000 }')
  M_P999=$(awk -v v="$(field "$line" p999_us)" 'BEGIN { printf "%.3f", v / 1000 }')
  local a b hz wall_s
  read -r -a a <<<"$s0"
  read -r -a b <<<"$s1"
  hz=$(getconf CLK_TCK)
  wall_s=$(awk -v w="$((wall1 - wall0))" 'BEGIN { print w / 1e9 }')
  M_CPU="" M_PCT=""
  if [[ -n $pid ]]; then
    M_CPU=$(awk -v t="$((b[1] - a[1]))" -v hz="$hz" -v r="$requests" \
      'BEGIN { printf "%.2f", t * 1e6 / hz / r }')
    M_PCT=$(awk -v t="$((b[1] - a[1]))" -v hz="$hz" -v w="$wall_s" \
      'BEGIN { printf "%.0f", 100 * t / hz / w }')
  fi
  # Foreign user CPU = the CPU's user ticks minus those of our processes pinned to it.
  M_OTHER_LB=$(busy_pct "$(((b[2] - a[2]) - (b[0] - a[0])))" "$hz" "$wall_s")
  M_OTHER_LOAD=$(busy_pct "$(((b[3] - a[3]) - (b[4] - a[4]) - (b[5] - a[5])))" "$hz" "$wall_s")
}

# prepare NAME PORT: sanity check, sticky cookie, discarded warm-up. On failure sets STATUS[NAME].
prepare() {
  local name=$1 port=$2 raw=$RAW_DIR/$1
  log "$name: sanity check"
  check_balancer "$name" "$port" || { STATUS[$name]="FAILED: sanity check (see log)"; return 1; }
  if [[ $STICKY == cookie && $name != direct ]]; then
    STICKY_COOKIE=""
    sticky_cookie "$name" "$port" || { STATUS[$name]="FAILED: no sticky session (see log)"; return 1; }
    COOKIE[$name]=$(<"$TMP/$name.cookie")
    log "$name: every request carries Cookie: ${COOKIE[$name]}"
  fi
  STICKY_COOKIE=${COOKIE[$name]:-}
  log "$name: warm-up $WARMUP (discarded)"
  run_wrk "$port" "$WARMUP" "$raw-warmup.txt" || { STATUS[$name]="FAILED: wrk warm-up exited non-zero"; return 1; }
  STATUS[$name]=running
}

# measure_round NAME ROUND: one measured run of a running row; its figures join the row's lists.
measure_round() {
  local name=$1 r=$2
  local out=$RAW_DIR/$name.txt
  ((RUNS == 1)) || out=$RAW_DIR/$name-run$r.txt
  STICKY_COOKIE=${COOKIE[$name]:-}
  log "$name: measured run $r/$RUNS, $DURATION, $CONNECTIONS connections"
  measure_once "$name" "${PORT[$name]}" "${PID[$name]:-}" "$out" || return 1
  L_RPS[$name]+="$M_RPS " L_P50[$name]+="$M_P50 " L_P99[$name]+="$M_P99 " L_P999[$name]+="$M_P999 "
  if [[ -n $M_CPU ]]; then
    L_CPU[$name]+="$M_CPU " L_PCT[$name]+="$M_PCT "
    ROUND_CPU[$name,$r]=$M_CPU
  fi
  local worst=${WORST_LB[$name]:-0}
  local worst_load=${WORST_LOAD[$name]:-0}
  ((M_OTHER_LB <= worst)) || WORST_LB[$name]=$M_OTHER_LB
  ((M_OTHER_LOAD <= worst_load)) || WORST_LOAD[$name]=$M_OTHER_LOAD
  RUN_DETAILS[$name]+="$M_RPS req/s${M_CPU:+ at $M_CPU µs/request}, p99 $M_P99 ms; "
  log "$name: run $r: $M_RPS req/s, p99 $M_P99 ms, CPU ${M_CPU:-n/a} µs/request," \
    "other load $M_OTHER_LB / $M_OTHER_LOAD %"
}

# summarise NAME: the row gets the median of each figure over its runs (and the worst foreign
# load), so one disturbed run does not make the row.
summarise() {
  local name=$1
  local other_lb=${WORST_LB[$name]:-0} other_load=${WORST_LOAD[$name]:-0}
  # shellcheck disable=SC2086 # the lists are space-separated numbers
  {
    RPS[$name]=$(median ${L_RPS[$name]})
    P50[$name]=$(median ${L_P50[$name]})
    P99[$name]=$(median ${L_P99[$name]})
    P999[$name]=$(median ${L_P999[$name]})
    if [[ -n ${L_CPU[$name]:-} ]]; then
      CPU_US_REQ[$name]=$(printf '%.2f' "$(median ${L_CPU[$name]})")
      CPU_PCT[$name]=$(printf '%.0f' "$(median ${L_PCT[$name]})")
    fi
  }
  RPS[$name]=${RPS[$name]%.*}
  OTHER_PCT[$name]="$other_lb / $other_load"
  RUN_DETAILS[$name]=${RUN_DETAILS[$name]%; }
  if ((other_lb > NOISE_LIMIT_PCT || other_load > NOISE_LIMIT_PCT)); then
    NOISY+=("$name")
    log "$name: warning: other processes used up to $other_lb / $other_load % user CPU on CPUs" \
      "$LB_CPU / $LOAD_CPU during the measured runs"
  fi
  STATUS[$name]=ok
  log "$name: ${RPS[$name]} req/s, p99 ${P99[$name]} ms, CPU ${CPU_US_REQ[$name]:-n/a} µs/request"
}

# CPU per request against HAProxy's, run by run: for each round where both were measured, the
# ratio of the two runs (seconds apart); RATIO_CPU[NAME] is the median of those ratios,
# ROUND_RATIOS[NAME] the list.
round_ratio() {
  local name=$1 r ratios=()
  for ((r = 1; r <= RUNS; r++)); do
    [[ -n ${ROUND_CPU[$name,$r]:-} && -n ${ROUND_CPU[haproxy,$r]:-} ]] || continue
    ratios+=("$(ratio "${ROUND_CPU[$name,$r]}" "${ROUND_CPU[haproxy,$r]}")")
  done
  ((${#ratios[@]})) || return 0
  ROUND_RATIOS[$name]="${ratios[*]}"
  RATIO_CPU[$name]=$(printf '%.2f' "$(median "${ratios[@]}")")
}

# start_row NAME: start the balancer (or nothing, for direct) and prepare it. A row that cannot
# start or prepare is reported with its reason and skipped by the rounds.
start_row() {
  local name=$1
  ROW_ORDER+=("$name")
  if [[ $name == direct ]]; then
    PORT[direct]=${BACKEND_PORTS[0]}
    prepare direct "${PORT[direct]}" || log "direct: ${STATUS[direct]}"
    return 0
  fi
  if [[ $name == ballast ]] && ! ensure_ballast_jar; then
    STATUS[ballast]="skipped: $SKIP_REASON"
    log "ballast: skipped: $SKIP_REASON"
    return 0
  fi
  pick_port
  PORT[$name]=$PICKED_PORT
  log "$name: starting on 127.0.0.1:${PORT[$name]} (CPU $LB_CPU)"
  STARTED_PID=""
  local started=0
  case $name in
    haproxy) start_haproxy "${PORT[$name]}" && started=1 ;;
    nginx) start_nginx_proxy "${PORT[$name]}" && started=1 ;;
    ballast) start_ballast "${PORT[$name]}" && started=1 ;;
  esac
  if ((!started)); then
    STATUS[$name]="FAILED: did not start (see the log above and $(basename "$RAW_DIR")/)"
    if [[ -n $STARTED_PID ]]; then stop_tree "$STARTED_PID"; fi
    keep_row_files "$name"
    keep_files ballast-build.out
    return 0
  fi
  PID[$name]=$STARTED_PID
  prepare "$name" "${PORT[$name]}" || { log "$name: ${STATUS[$name]}"; stop_row "$name"; }
}

stop_row() {
  local name=$1
  if [[ -n ${PID[$name]:-} ]]; then
    stop_tree "${PID[$name]}"
    PID[$name]=""
  fi
  keep_row_files "$name"
}

keep_row_files() {
  case $1 in
    haproxy) keep_files haproxy.cfg haproxy-check.out haproxy.out ;;
    nginx) keep_files nginx-proxy.conf nginx-proxy.out nginx-proxy/error.log ;;
    ballast) keep_files ballast.yaml ballast.out ;;
  esac
}

# run_rows: every selected balancer is started and warmed up first, then the measured runs go in
# rounds (each round measures every row once, in turn), so the runs that are compared are seconds
# apart rather than minutes. The machine's drift then moves both sides of a ratio alike.
run_rows() {
  local row r
  for row in $ALL_ROWS; do
    if row_selected "$row"; then start_row "$row"; fi
  done
  for ((r = 1; r <= RUNS; r++)); do
    for row in "${ROW_ORDER[@]}"; do
      [[ ${STATUS[$row]:-} == running ]] || continue
      if ! measure_round "$row" "$r"; then
        log "$row: ${STATUS[$row]}"
        stop_row "$row"
      fi
    done
  done
  for row in "${ROW_ORDER[@]}"; do
    if [[ ${STATUS[$row]:-} == running ]]; then summarise "$row"; fi
    stop_row "$row"
  done
  for row in "${ROW_ORDER[@]}"; do
    if [[ ${STATUS[$row]} == ok ]]; then round_ratio "$row"; fi
  done
}

# Copy generated configs and logs (paths relative to the scratch dir) next to the wrk output, so
# a failure can still be read once the scratch dir is gone. "x/error.log" becomes "x-error.log".
keep_files() {
  local f
  for f in "$@"; do
    if [[ -f $TMP/$f ]]; then cp "$TMP/$f" "$RAW_DIR/${f//\//-}"; fi
  done
}

# ---------------------------------------------------------------------------------------------
# Report

ratio() {  # ratio VALUE BASE → "1.23" or "–"
  if [[ -z $1 || -z $2 ]]; then echo "–"; return; fi
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "–" }'
}

print_table() {
  local base_p99=${P99[haproxy]:-} name label
  echo "| balancer | req/s | p50 ms | p99 ms | p99.9 ms | CPU µs/request | CPU/request vs HAProxy | p99 vs HAProxy | balancer CPU % | other load % (CPU $LB_CPU / $LOAD_CPU) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for name in "${ROW_ORDER[@]}"; do
    label=$name
    [[ $name == direct ]] && label="direct (wrk → one backend, reference)"
    if [[ ${STATUS[$name]} != ok ]]; then
      echo "| $label | ${STATUS[$name]} | | | | | | | | |"
      continue
    fi
    if [[ $name == direct ]]; then
      echo "| $label | ${RPS[$name]} | ${P50[$name]} | ${P99[$name]} | ${P999[$name]} | – | – | – | – | ${OTHER_PCT[$name]} |"
    else
      echo "| $label | ${RPS[$name]} | ${P50[$name]} | ${P99[$name]} | ${P999[$name]} | ${CPU_US_REQ[$name]}" \
        "| ${RATIO_CPU[$name]:-–} | $(ratio "${P99[$name]}" "$base_p99") | ${CPU_PCT[$name]} | ${OTHER_PCT[$name]} |"
    fi
  done
}

first_line() { "$@" 2>&1 | head -n 1 || true; }

print_environment() {
  local cpu_model
  cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- kernel: $(uname -srm)"
  echo "- CPU: ${cpu_model:-unknown} ($(getconf _NPROCESSORS_ONLN) online); balancer on CPU $LB_CPU, the load generator and backends on CPU $LOAD_CPU"
  if ((GRPC)); then
    echo "- load: h2load -t1 -c$CONNECTIONS -m$H2_STREAMS -D$(to_seconds "$DURATION"), gRPC unary calls (POST /ballast.test.Echo/Unary, a 16-byte message)," \
      "$RUNS measured run(s) after a $WARMUP warm-up; 3 grpc-java Echo backends (one JVM), round robin, h2c to the backends"
  elif ((H2)); then
    echo "- load: h2load -t1 -c$CONNECTIONS -m$H2_STREAMS -D$(to_seconds "$DURATION"), GET /, $RUNS measured run(s) after a $WARMUP warm-up;" \
      "3 NGINX backends (HTTP/1.1), round robin$( ((TLS)) && echo ", over TLS, h2 by ALPN (TLS=1, $TLS_KEY certificate, ballast's provider $BALLAST_TLS_PROVIDER)" || echo ", cleartext HTTP/2 with prior knowledge")"
  else
    echo "- load: wrk -t1 -c$CONNECTIONS -d$DURATION --latency, $RUNS measured run(s) after a $WARMUP warm-up;" \
      "3 NGINX backends, round robin$([[ $STICKY == cookie ]] && echo ", every request a session that keeps its backend by cookie (STICKY=cookie)")$( ((TLS)) && echo ", over TLS (TLS=1, $TLS_KEY certificate, the client's TLS 1.3, ballast's provider $BALLAST_TLS_PROVIDER)")$( ((NEW_CONN)) && echo ", a new connection per request (NEW_CONN=1)")$( ((HANDSHAKES)) && echo ", full handshakes by $S_TIME_CLIENTS openssl s_time -new clients (HANDSHAKES=1)")"
  fi
  if ((H2)); then echo "- h2load: $(first_line h2load --version)"; else echo "- wrk: $(first_line wrk -v)"; fi
  echo "- NGINX: $(first_line nginx -v)"
  if command -v haproxy >/dev/null; then echo "- HAProxy: $(first_line haproxy -v)"; fi
  if command -v "$JAVA" >/dev/null; then
    echo "- java: $("$JAVA" -version 2>&1 | head -n 2 | paste -sd ';' - | sed 's/;/; /')"
  fi
  if [[ -f $BALLAST_JAR ]]; then
    # The commit is this checkout's only for a jar built here; another jar is named by its digest.
    local made_from
    if [[ $(realpath "$BALLAST_JAR") == "$REPO_ROOT"/* ]]; then
      made_from=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no git')
    else
      made_from="sha256 $(sha256sum "$BALLAST_JAR" | cut -c1-12), built outside this checkout"
    fi
    echo "- ballast jar: $BALLAST_JAR ($made_from)"
  fi
}

# ---------------------------------------------------------------------------------------------

main() {
  parse_args "$@"
  check_tools
  [[ -f $REPORT_LUA ]] || die "missing $REPORT_LUA"

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/ballast-http-rr.XXXXXX")
  # NGINX workers run as an unprivileged user when started as root; they must reach the
  # scratch dir's temp paths.
  chmod 755 "$TMP"

  local stamp
  stamp=$(date -u '+%Y%m%d-%H%M%S')
  mkdir -p "$RESULTS_DIR"
  RAW_DIR=$RESULTS_DIR/http-rr-$stamp.raw
  mkdir -p "$RAW_DIR"

  if ((TLS)); then make_certificate; fi
  if ((GRPC)); then
    # One gRPC message frame: not compressed (0), length 16 (big-endian), 16 bytes of "x".
    GRPC_FRAME=$TMP/grpc-frame.bin
    printf '\x00\x00\x00\x00\x10xxxxxxxxxxxxxxxx' >"$GRPC_FRAME"
  fi
  start_backends
  run_rows
  local row

  keep_files backends.conf backends/error.log
  local report=$RESULTS_DIR/http-rr-$stamp.md
  {
    echo "# ballast $( ((GRPC)) && echo "gRPC unary" || { ((H2)) && echo "HTTP/2" || echo "HTTP/1.1"; }) round-robin benchmark ($stamp)"
    echo
    print_environment
    echo
    print_table
    echo
    echo "CPU µs/request: the balancer's utime+stime during the measured run / requests."
    echo "Other load: user CPU that processes other than ours took on the pinned CPUs during the run."
    if ((RUNS > 1)); then
      echo "Each figure is the median of $RUNS measured runs, taken in rounds (every balancer once a"
      echo "round, in turn); CPU/request vs HAProxy is the median of the round-by-round ratios."
      echo "Other load is the worst run. Runs, in round order:"
      echo
      for row in "${ROW_ORDER[@]}"; do
        if [[ -n ${RUN_DETAILS[$row]:-} ]]; then echo "- $row: ${RUN_DETAILS[$row]}"; fi
      done
      for row in "${ROW_ORDER[@]}"; do
        if [[ $row != haproxy && -n ${ROUND_RATIOS[$row]:-} ]]; then
          echo "- $row / haproxy CPU per request, round by round: ${ROUND_RATIOS[$row]}"
        fi
      done
    fi
    if ((${#NOISY[@]})); then
      echo
      echo "**Warning: other processes used more than $NOISE_LIMIT_PCT % of a pinned CPU during: ${NOISY[*]}." \
        "Those rows are disturbed; rerun on a quiet machine.**"
    fi
    if [[ ${STATUS[ballast]:-} == skipped:* ]]; then
      echo
      echo "ballast: not measured in this run (${STATUS[ballast]#skipped: })."
    fi
    echo
    echo "Raw load-generator output and the generated configurations: $(basename "$RAW_DIR")/"
  } >"$report"
  echo
  cat "$report"
  log "report written to $report"

  local failed=0
  for row in "${ROW_ORDER[@]}"; do
    if [[ ${STATUS[$row]} == FAILED* ]]; then
      log "$row: ${STATUS[$row]}"
      failed=1
    fi
  done
  return "$failed"
}

main "$@"
