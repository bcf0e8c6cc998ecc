#!/bin/sh
# A throw-away PostgreSQL + PostGIS for the tests, on a unix socket in a temporary folder.
#   tests/pg.sh start DIR   -> initdb in DIR, start the server, create the database, print its URL
#   tests/pg.sh stop DIR    -> stop the server and remove DIR
# PostgreSQL refuses to run as root: as root, the server runs as the "postgres" system user.
set -eu
cmd=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ "$(id -u)" = 0 ]; then as="runuser -u postgres --"; else as=""; fi
case "$cmd" in
start)
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  $as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  $as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  $as "$bin/createdb" -h "$dir" -U postgres geo_clsm_test
  echo "postgresql://postgres@/geo_clsm_test?host=$dir"
  ;;
stop)
  $as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
esac
