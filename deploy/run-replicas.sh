#!/usr/bin/env bash
# Try the two-replica deployment on this machine, loopback only: two PortSight replicas on
# 127.0.0.1:8501 and :8502 sharing one PostgreSQL database, behind nginx on 127.0.0.1:8080 with
# the shipped configuration (deploy/nginx/portsight-upstream.conf and portsight-locations.conf,
# ports substituted). Ctrl-C stops all three.
#
#   deploy/run-replicas.sh                    # DATABASE_URL defaults to a local database "portsight_replicas"
#   DATABASE_URL=postgresql+psycopg://user@127.0.0.1:5432/portsight deploy/run-replicas.sh
#   PORTSIGHT_NGINX_PORT=8080 PORTSIGHT_PORTS="8501 8502" deploy/run-replicas.sh
#
# Needs nginx (apt-get install nginx; the system service need not run) and PostgreSQL. Secrets
# (PORTSIGHT_SECRET, STREAMLIT_SERVER_COOKIE_SECRET) are generated once into the state directory
# unless set; both replicas get the same values. The simulator runs on the first replica only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
STATE=${PORTSIGHT_REPLICAS_DIR:-$ROOT/data/replicas}
NGINX_PORT=${PORTSIGHT_NGINX_PORT:-8080}
read -r -a PORTS <<<"${PORTSIGHT_PORTS:-8501 8502}"
mkdir -p "$STATE/nginx-temp"

[ -x "$PY" ] || { echo "No .venv: run ./scripts/run once (it creates .venv and installs requirements)." >&2; exit 2; }
command -v nginx >/dev/null || { echo "nginx is not installed: apt-get install -y nginx" >&2; exit 2; }

if [ -z "${DATABASE_URL:-}" ]; then
  DB=portsight_replicas
  if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    createdb -h 127.0.0.1 -U postgres "$DB"
  fi
  export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$DB"
fi
secret() { [ -s "$STATE/$1" ] || "$PY" -c 'import secrets; print(secrets.token_hex(32))' >"$STATE/$1"; cat "$STATE/$1"; }
export PORTSIGHT_SECRET=${PORTSIGHT_SECRET:-$(secret receipt-secret)}
export STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$(secret cookie-secret)}
export PORTSIGHT_DATA_DIR=${PORTSIGHT_DATA_DIR:-$STATE/data}  # shared: media (photos, snapshots) by SHA-256
export PORTSIGHT_ICE_SERVERS=${PORTSIGHT_ICE_SERVERS:-[]}

# Migrate and seed once, before any replica starts (two concurrent migrations would race).
"$PY" -m portsight db upgrade
"$PY" -m portsight seed --if-empty --weeks "${PORTSIGHT_SEED_WEEKS:-4}" --seed 7 --demo  # a try-out: demo passwords

PIDS=()
cleanup() {
  trap - INT TERM EXIT
  [ -f "$STATE/nginx.pid" ] && kill "$(cat "$STATE/nginx.pid")" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

for i in "${!PORTS[@]}"; do
  port=${PORTS[$i]}
  simulator=off
  [ "$i" = 0 ] && simulator=${PORTSIGHT_SIMULATOR_FIRST:-on}
  PORTSIGHT_SIMULATOR=$simulator PORTSIGHT_REPLICA=$port \
    "$PY" -m streamlit run serve.py --server.port "$port" --server.address 127.0.0.1 --server.headless true \
      --browser.gatherUsageStats false --server.scriptHealthCheckEnabled true \
      --server.maxUploadSize "${PORTSIGHT_MAX_UPLOAD_MB:-10}" \
      >"$STATE/replica-$port.log" 2>&1 &
  PIDS+=($!)
  echo "replica on 127.0.0.1:$port (pid $!, simulator $simulator, log $STATE/replica-$port.log)"
done

# nginx with the shipped upstream and locations, our ports, our state directory.
servers=""
for port in "${PORTS[@]}"; do servers+="    server 127.0.0.1:$port max_fails=1 fail_timeout=10s;\n"; done
sed -e '/^    server 127\.0\.0\.1:85/d' -e "s|^    hash \$portsight_route consistent;|&\n$servers|" \
  deploy/nginx/portsight-upstream.conf >"$STATE/portsight-upstream.conf"
cp deploy/nginx/portsight-locations.conf "$STATE/portsight-locations.conf"
cat >"$STATE/nginx.conf" <<EOF
worker_processes 1;
pid $STATE/nginx.pid;
error_log $STATE/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log $STATE/nginx-access.log;
    client_body_temp_path $STATE/nginx-temp/body;
    proxy_temp_path $STATE/nginx-temp/proxy;
    fastcgi_temp_path $STATE/nginx-temp/fastcgi;
    uwsgi_temp_path $STATE/nginx-temp/uwsgi;
    scgi_temp_path $STATE/nginx-temp/scgi;
    include $STATE/portsight-upstream.conf;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        include $STATE/portsight-locations.conf;
    }
}
EOF
nginx -t -q -c "$STATE/nginx.conf" -p "$STATE" 2>&1 | grep -v "could not open error log file" || true
nginx -c "$STATE/nginx.conf" -p "$STATE" -g 'daemon off;' &
PIDS+=($!)

for port in "${PORTS[@]}"; do
  for _ in $(seq 120); do
    "$PY" -m portsight health --url "http://127.0.0.1:$port" >/dev/null 2>&1 && break
    sleep 0.5
  done
  "$PY" -m portsight health --url "http://127.0.0.1:$port" || echo "replica $port is not healthy yet; see its log" >&2
done
echo
echo "PortSight on http://127.0.0.1:$NGINX_PORT (accounts admin, supervisor, expert, inspector ... password demo)."
echo "Calls: both parties open http://127.0.0.1:$NGINX_PORT/remote_assist?room=<request id>."
echo "Which replica answered: curl -sI http://127.0.0.1:$NGINX_PORT/ | grep X-Upstream. Ctrl-C stops."
wait -n "${PIDS[@]}"
