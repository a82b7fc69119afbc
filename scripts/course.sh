#!/usr/bin/env bash
# The course's table: its Python pollers (examples/course/) and fleetbench's five Rust
# strategies in one `compare --external` run each, on the classic fleet (the course's three
# routers, `--profile classic`) and on N `instant` devices (default 1000), then the ratio of
# the fastest Rust strategy to the fastest Python poller on the big fleet.
#
# Usage: scripts/course.sh [--runs R] [--devices N] [--workers W] [--process-workers P]
#                          [--classic-only | --fleet-only] [--out DIR]
#   --runs R             measured runs per row (default 1; no warm-up)
#   --devices N          the big fleet (default 1000)
#   --workers W          threads / asyncio sessions of the Python pollers on the big fleet
#                        (default 100); on the classic fleet every poller but sequential
#                        gets one worker per router (3), like the course's threading example
#   --process-workers P  processes of the process-based pollers on the big fleet (default
#                        64, the Rust processes strategy's default)
#   --out DIR            keep the JSON reports and timeline plots there
# Environment: FLEETBENCH_VENV (a venv to reuse; default examples/course/.venv, made from
# examples/course/requirements.txt if needed), FLEETBENCH_BIN (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=1 devices=1000 workers=100 pworkers=64 classic=1 fleet=1 out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --devices) devices=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --process-workers) pworkers=$2; shift 2 ;;
        --classic-only) fleet=0; shift ;;
        --fleet-only) classic=0; shift ;;
        --out) out=$2; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "course.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
for n in "$runs" "$devices" "$workers" "$pworkers"; do
    case "$n" in ''|*[!0-9]*|0) echo "course.sh: expected a positive number, got '$n'" >&2; exit 2 ;; esac
done

# The Python side: reuse a venv that has the course's packages, else make one.
venv=${FLEETBENCH_VENV:-examples/course/.venv}
req=examples/course/requirements.txt
if ! "$venv/bin/python" -c 'import netmiko, scrapli, asyncssh, nornir, nornir_netmiko, yaml' 2>/dev/null; then
    echo "course.sh: installing $req into $venv" >&2
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
fi
py=$(cd "$venv/bin" && pwd)/python

# The Rust side.
if [ -z "${FLEETBENCH_BIN:-}" ]; then
    cargo build --release --locked --quiet
    FLEETBENCH_BIN=target/release/fleetbench
fi
bin=$FLEETBENCH_BIN

if [ -n "$out" ]; then
    mkdir -p "$out"
    keep=$(cd "$out" && pwd)
else
    keep=$(mktemp -d)
    trap 'rm -rf "$keep"' EXIT
fi
course=$PWD/examples/course

# One --external per poller: NAME, script, inventory placeholder, its worker option.
ext() { # name script inventory-placeholder [poller options...]
    local name=$1 script=$2 inv=$3
    shift 3
    printf -- "--external\n%s='%s' '%s/%s' %s {command} --quiet %s\n" \
        "$name" "$py" "$course" "$script" "$inv" "$*"
}

table() { # label fleet-args... -- external-lines
    local label=$1 json=$2
    shift 2
    echo
    echo "== $label"
    local -a args=()
    while IFS= read -r line; do args+=("$line"); done
    local start=$SECONDS rc=0
    "$bin" compare "$@" --runs "$runs" --warmup 0 --json "$json" \
        --plots "${json%.json}-plots" "${args[@]}" || rc=$?
    echo "($label: $((SECONDS - start)) s)"
    return "$rc"
}
# compare's exit status 1 means the table is there with a device that failed in some row:
# go on to the next table, and exit 1 at the end; anything else stops here.
failed=0
check() { local rc=$1; [ "$rc" -le 1 ] || exit "$rc"; [ "$rc" = 0 ] || failed=1; }

if [ "$classic" = 1 ]; then
    {
        ext py-sequential netmiko_sequential.py {inventory}
        ext py-threading netmiko_threading_queue.py {inventory} -w 3
        ext py-multiprocessing netmiko_multiprocessing_queue.py {inventory} -w 3
        ext py-threadpool netmiko_threadpool.py {inventory} -w 3
        ext py-threadpool-submit netmiko_threadpool_submit.py {inventory} -w 3
        ext py-processpool netmiko_processpool.py {inventory} -w 3
        ext py-processpool-submit netmiko_processpool_submit.py {inventory} -w 3
        ext py-asyncio scrapli_asyncio.py {inventory} -w 3
        ext py-nornir nornir_runner.py {nornir} -w 3
    } | table "the course's three routers (--profile classic)" "$keep/classic.json" \
        --emulate 3 --profile classic || check $?
fi

if [ "$fleet" = 1 ]; then
    # The pools stand for threads and processes here (the queue versions cost the same and
    # double the time); no sequential Python row: at about 0.4 s a netmiko session it would
    # take minutes alone (the classic table shows its cost per device).
    {
        ext py-threadpool netmiko_threadpool.py {inventory} -w "$workers"
        ext py-processpool netmiko_processpool.py {inventory} -w "$pworkers"
        ext py-asyncio scrapli_asyncio.py {inventory} -w "$workers"
        ext py-nornir nornir_runner.py {nornir} -w "$workers"
    } | table "$devices instant devices" "$keep/fleet.json" --emulate "$devices" --profile instant \
        || check $?

    "$py" - "$keep/fleet.json" <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1]))["strategies"]
def fastest(external):
    side = [r for r in rows if bool(r.get("external")) == external and r["runs"]]
    return min(side, key=lambda r: r["wall_s"]["median"]) if side else None
def show(r):
    ok = sum(run["ok"] for run in r["runs"])
    failed = sum(run["failed"] for run in r["runs"])
    return f"{r['strategy']} {r['wall_s']['median']:.2f} s ({ok} ok, {failed} failed)"
rust, python = fastest(False), fastest(True)
if rust and python:
    ratio = python["wall_s"]["median"] / rust["wall_s"]["median"]
    print(f"\nfastest Rust: {show(rust)}; fastest Python: {show(python)}; "
          f"Rust is {ratio:.1f}x faster")
EOF
fi
if [ -n "$out" ]; then echo "reports and plots: $keep"; fi
exit "$failed"
