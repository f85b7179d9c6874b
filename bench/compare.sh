#!/usr/bin/env bash
# Side by side, alternating, in one run: two streamd daemons on loopback against the
# plain splice copy between two processes (bench/splice_copy.cpp).
#
#   bench/compare.sh [BUILD_DIR] [SIZE_MIB] [ROUNDS] [STREAMS...]
#
# Files live on tmpfs (/dev/shm) so that the disk's writeback does not decide the
# result. Prints each run and the median seconds per contender.
set -euo pipefail
build=$(realpath "${1:-build}")
size_mib=${2:-1024}
rounds=${3:-5}
shift $(($# < 3 ? $# : 3))
streams=("${@:-1 4 8}")
streams=(${streams[@]})

work=$(mktemp -d /dev/shm/streamd-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/source"
mkdir -p "$work/a/in" "$work/b/in"

# start_daemon NAME -> sets BUS_<NAME> and PORT_<NAME>
start_daemon() {
    local name=$1 dir=$work/$1
    local bus_pid bus_addr
    read -r bus_addr < <(dbus-daemon --session --fork --print-address=1 --print-pid=3 3>"$dir/bus.pid")
    pids+=("$(cat "$dir/bus.pid")")
    printf '[listen]\naddress = "127.0.0.1"\nport = 0\n[storage]\nincoming = "%s/in"\n' "$dir" > "$dir/streamd.toml"
    python3 - "$dir/notify" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + '.bound', 'w').close()
while True:
    msg = s.recv(4096).decode()
    if 'READY=1' in msg:
        print([l for l in msg.splitlines() if l.startswith('STATUS=')][0].rsplit(':', 1)[1])
        break
PY
    local reader=$!
    until [ -e "$dir/notify.bound" ]; do :; done
    NOTIFY_SOCKET=$dir/notify DBUS_SESSION_BUS_ADDRESS=$bus_addr \
        "$build/daemon/streamd" --user --config "$dir/streamd.toml" 2>"$dir/log" &
    pids+=($!)
    printf -v "BUS_$name" '%s' "$bus_addr"
    printf -v "PORT_$name" '%s' "$(wait $reader; cat /dev/null)"
}

start_daemon a
start_daemon b
echo "bench: $size_mib MiB, $rounds rounds, streams ${streams[*]}; daemons on ports $PORT_a and $PORT_b"
