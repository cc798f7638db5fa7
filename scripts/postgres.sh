#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for the local server's store checks.
#   scripts/postgres.sh start DIR PORT PASSWORD   (installs Debian's postgresql when missing)
#   scripts/postgres.sh stop DIR
# It has a superuser `postgres` and a database `orders`, both with the given password.
set -euo pipefail

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

case "${1:-}" in
  start)
    dir="$2" port="$3" password="$4"
    if [ -z "$(bindir)" ]; then
      echo "postgres: installing Debian's postgresql" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    fi
    bin="$(bindir)"
    as_pg=()
    if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; chmod o+x "$(dirname "$dir")"; fi
    printf '%s\n' "$password" >"$dir.pw"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir.pw"; fi
    "${as_pg[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=scram-sha-256 --pwfile="$dir.pw" >/dev/null
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-p $port -h 127.0.0.1 -k $dir" start >/dev/null
    PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE orders" >/dev/null
    ;;
  stop)
    dir="$2"
    bin="$(bindir)"
    as_pg=()
    if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir" "$dir.pw"
    ;;
  *) echo "usage: $0 start DIR PORT PASSWORD | stop DIR" >&2; exit 2 ;;
esac
