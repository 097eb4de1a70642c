# tests/lib/pg.sh - sourced by the test runners (tests/integration/run, tests/browser/run): a
# throwaway PostgreSQL cluster in a fresh temp folder on a random port, fsync off, stopped and
# removed when the runner exits (kept with CT_IT_KEEP=1). After ct_pg_start PREFIX:
#   CT_TMP     the temp folder (world-searchable: the cluster runs as postgres under root)
#   CT_PG_URL  URL of its "clausetrack" database; ct_pg_url_for NAME gives another database's.
ct_pg_start() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    CT_ROOT=$here
    CT_TMP=$(mktemp -d "/tmp/$1.XXXXXX")
    chmod 755 "$CT_TMP"
    export CT_PG_DIR="$CT_TMP/pg" CT_PG_PORT=$((20000 + RANDOM % 20000)) CT_PG_FSYNC=off
    trap ct_pg_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    "$CT_ROOT/ops/pg" start "$CT_PG_DIR" >"$CT_TMP/pg-start.log" 2>&1 || { cat "$CT_TMP/pg-start.log" >&2; return 1; }
    CT_PG_URL=$("$CT_ROOT/ops/pg" url "$CT_PG_DIR")
    export CT_ROOT CT_TMP CT_PG_URL
}

ct_pg_url_for() {
    echo "${CT_PG_URL/\/clausetrack\?//$1?}"
}

# Runs at exit: the runner's own ct_cleanup_hook first (if it defines one), then the cluster.
ct_pg_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if declare -F ct_cleanup_hook >/dev/null; then ct_cleanup_hook || true; fi
    "$CT_ROOT/ops/pg" stop "$CT_PG_DIR" >/dev/null 2>&1 || true
    [ -n "${CT_IT_KEEP:-}" ] || rm -rf "$CT_TMP"
    exit "$rc"
}
