# idle-common.sh: what bench/idle-tls.sh, bench/idle-h2.sh and bench/slowloris.sh share: a
# scratch directory and the processes to stop, one NGINX backend, the three balancers started in
# turn in front of it (lb_start), and, for the idle scripts, the measurement of memory per idle
# connection. Sourced, not run.
#
# The sourcing script sets ONLY, JAVA, BALLAST_JAR, LB_CPU, LOAD_CPU and NAME (for the scratch
# directory), and defines how each balancer listens:
#   haproxy_bind PORT      the frontend's bind line
#   haproxy_global         extra lines of HAProxy's global section (may print nothing)
#   nginx_server PORT      the server block's listen line and TLS directives
#   ballast_listener PORT  the ballast listener (a YAML list item)
# An idle script also sets N, writes its client to "$TMP/hold.py" (argv: port, n, then
# HOLD_ARGS; it prints "held <n>" once every connection is up), then calls: idle_setup;
# idle_backend; idle_run "table header".
# Only 127.0.0.1 is used; every process is stopped by its PID.

idle_setup() {
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/ballast-$NAME.XXXXXX")
  chmod 755 "$TMP"
  PIDS=()
  trap idle_cleanup EXIT
}

idle_cleanup() {
  local p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  local i
  for ((i = 0; i < 300; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on $1" >&2
  return 1
}

# rss_kb PID: VmRSS of PID and its children (an NGINX master and its worker).
rss_kb() {
  local total=0 p kb
  for p in "$1" $(pgrep -P "$1" || true); do
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# idle_backend: one NGINX answering "ok" on $BACKEND, on the load CPU.
idle_backend() {
  BACKEND=$(free_port)
  mkdir -p "$TMP/backend"
  cat >"$TMP/backend.conf" <<CONF
daemon off; worker_processes 1; pid $TMP/backend/nginx.pid; error_log $TMP/backend/error.log warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $TMP/backend/b; proxy_temp_path $TMP/backend/p;
  fastcgi_temp_path $TMP/backend/f; uwsgi_temp_path $TMP/backend/u; scgi_temp_path $TMP/backend/s;
  server { listen 127.0.0.1:$BACKEND; location / { return 200 "ok\n"; } } }
CONF
  taskset -c "$LOAD_CPU" nginx -p "$TMP/backend" -e "$TMP/backend/error.log" -c "$TMP/backend.conf" &
  PIDS+=($!)
  wait_port "$BACKEND"
}

# measure NAME PID PORT: one table row, from the RSS before and while N connections are held.
measure() {
  local name=$1 pid=$2 port=$3 before held client i
  wait_port "$port"
  # Warm: a few connections first, so that lazily loaded code does not count as per-connection.
  timeout 60 taskset -c "$LOAD_CPU" python3 "$TMP/hold.py" "$port" 50 "${HOLD_ARGS[@]}" \
    >"$TMP/warm.out" 2>&1 &
  local warm=$!
  sleep 3; kill "$warm" 2>/dev/null || true; wait "$warm" 2>/dev/null || true
  grep -q '^held 50' "$TMP/warm.out" || { echo "$name: warm-up failed: $(tail -3 "$TMP/warm.out")" >&2; return 1; }
  sleep 2
  if [[ $name == ballast ]]; then jcmd "$pid" GC.run >/dev/null 2>&1 || true; sleep 1; fi
  before=$(rss_kb "$pid")
  taskset -c "$LOAD_CPU" python3 "$TMP/hold.py" "$port" "$N" "${HOLD_ARGS[@]}" >"$TMP/hold.out" 2>&1 &
  client=$!
  for ((i = 0; i < 600; i++)); do
    grep -q '^held' "$TMP/hold.out" 2>/dev/null && break
    kill -0 "$client" 2>/dev/null || { echo "$name: client failed: $(tail -3 "$TMP/hold.out")" >&2; return 1; }
    sleep 0.2
  done
  grep -q '^held' "$TMP/hold.out" || { echo "$name: the client did not open $N connections in 120 s" >&2; kill "$client"; return 1; }
  sleep 1
  if [[ $name == ballast ]]; then jcmd "$pid" GC.run >/dev/null 2>&1 || true; sleep 1; fi
  held=$(rss_kb "$pid")
  kill "$client" 2>/dev/null || true; wait "$client" 2>/dev/null || true
  echo "| $name | $N | $((before / 1024)) | $((held / 1024)) | $(awk -v a="$before" -v b="$held" -v n="$N" 'BEGIN { printf "%.1f", (b - a) * 1024 / n / 1024 }') |"
}

# lb_start NAME PORT: starts balancer NAME on LB_CPU, listening as the hooks above say, in front of
# $BACKEND; sets LB_PID. Each balancer's limits come from:
#   LB_MAXCONN  HAProxy's maxconn; NGINX's worker_connections and descriptors are 900 more (its
#               backend connections count too)
#   LB_IDLE     how long an idle client connection is kept (HAProxy timeout client and
#               http-keep-alive, NGINX keepalive_timeout, ballast timeouts.client_idle)
#   LB_HEAD     the request head deadline (HAProxy timeout http-request, NGINX
#               client_header_timeout, ballast limits.request_head_timeout)
#   LB_REUSE    HAProxy's http-reuse (empty: its default)
lb_start() {
  local name=$1 port=$2
  case $name in
    haproxy)
      cat >"$TMP/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn $LB_MAXCONN
$(haproxy_global)
defaults
  mode http
  option http-keep-alive
${LB_REUSE:+  http-reuse $LB_REUSE}
  timeout connect 2s
  timeout client $LB_IDLE
  timeout server 30s
  timeout http-keep-alive $LB_IDLE
  timeout http-request $LB_HEAD
frontend f
  $(haproxy_bind "$port")
  default_backend b
backend b
  server s 127.0.0.1:$BACKEND
CONF
      taskset -c "$LB_CPU" haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.out" 2>&1 &
      ;;
    nginx)
      mkdir -p "$TMP/proxy"
      cat >"$TMP/proxy.conf" <<CONF
daemon off; worker_processes 1; worker_rlimit_nofile $((LB_MAXCONN + 900)); pid $TMP/proxy/nginx.pid; error_log $TMP/proxy/error.log warn;
events { worker_connections $((LB_MAXCONN + 900)); }
http { access_log off; keepalive_timeout $LB_IDLE; keepalive_requests 1000000; client_header_timeout $LB_HEAD;
  client_body_temp_path $TMP/proxy/b; proxy_temp_path $TMP/proxy/p;
  fastcgi_temp_path $TMP/proxy/f; uwsgi_temp_path $TMP/proxy/u; scgi_temp_path $TMP/proxy/s;
  upstream b { server 127.0.0.1:$BACKEND; keepalive 64; }
  server { $(nginx_server "$port")
    location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
      taskset -c "$LB_CPU" nginx -p "$TMP/proxy" -e "$TMP/proxy/error.log" -c "$TMP/proxy.conf" &
      ;;
    ballast)
      cat >"$TMP/ballast.yaml" <<CONF
listeners:
$(ballast_listener "$port")
pools:
  - {name: b, algorithm: round-robin, backends: [{address: "127.0.0.1:$BACKEND"}]}
timeouts: {client_idle: $LB_IDLE}
limits: {request_head_timeout: $LB_HEAD}
admin: {enabled: false}
access_log: {enabled: false}
CONF
      taskset -c "$LB_CPU" "$JAVA" -jar "$BALLAST_JAR" run -c "$TMP/ballast.yaml" >"$TMP/ballast.out" 2>&1 &
      ;;
    *) echo "unknown: $name" >&2; exit 2 ;;
  esac
  LB_PID=$!
  PIDS+=("$LB_PID")
}

# idle_run HEADER: the table, one row per balancer of ONLY, each started on the balancer CPU in
# turn, measured, and stopped. Idle timeouts and head deadlines are 600 s for every balancer.
idle_run() {
  local name port
  echo "| balancer | $1 | RSS before (MiB) | RSS held (MiB) | KiB per idle connection |"
  echo "|---|---:|---:|---:|---:|"
  LB_MAXCONN=$((N + 100)) LB_IDLE=600s LB_HEAD=600s
  for name in ${ONLY//,/ }; do
    port=$(free_port)
    lb_start "$name" "$port"
    measure "$name" "$LB_PID" "$port" || true
    kill "$LB_PID" 2>/dev/null || true
    wait "$LB_PID" 2>/dev/null || true
  done
}
