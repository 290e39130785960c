#!/usr/bin/env bash
# dpk against the I/O floor, in one run on one machine: wall time and peak memory of
# `cp -r` / `cp`, `dpk anonymize --jobs 1`, `dpk anonymize --jobs 2` and `dpk score`, on a
# folder of typical CT slices and on one large multi-frame file, with each figure as a
# ratio to cp's.
#
#   bash benches/throughput.sh [WORK_DIR] [FILES] [BIG_MIB]
#
# Defaults: a temporary folder, 2000 files, a 1024 MiB file. Needs about 3 × (FILES × 0.5 MiB
# + BIG_MIB) of free disk. The page cache is warm (the data was just written), so the figures
# compare the programs, not the disk's cold reads. dpk flushes its outputs to the disk before
# it exits, cp does not: compare dpk with "cp -r, then sync", and dpk --no-sync with cp -r.
#
# The commands take turns, three rounds after one unmeasured round, and each keeps its best
# time: a shared machine's load, and the file system's state, then weigh on all of them
# alike. Each run follows the removal of the run before's output. On a file system that
# has just freed thousands of inodes, creating files costs more (ext4 without a journal
# steps over recently deleted inodes): every command, cp included, pays that, so compare
# the ratios of one run, not times across runs.
set -euo pipefail
cd "$(dirname "$0")/.."

work=${1:-$(mktemp -d)}
files=${2:-2000}
big_mib=${3:-1024}
mkdir -p "$work"
export DPK_SALT=throughput-benchmark-salt-0001

cargo build --release --quiet --bin dpk --example make_bench_data
bin=${CARGO_TARGET_DIR:-target}/release
dpk=$bin/dpk
if [ ! -e "$work/data/big.dcm" ]; then
    echo "making $files files and a $big_mib MiB file in $work/data ..." >&2
    "$bin/examples/make_bench_data" "$work/data" "$files" "$big_mib"
fi

# Runs a command once under GNU time after removing the output of the run before and
# flushing dirty pages, so that no run pays for the writes of another; prints
# "seconds peak_kib".
measure_once() {
    local log start end
    log=$(mktemp)
    rm -rf "$work/out"
    sync
    start=$(date +%s%N)
    if ! /usr/bin/time -q -f "%M" -o "$log" "$@" >/dev/null 2>"$log.err"; then
        echo "failed: $*" >&2
        tail -3 "$log.err" >&2
        exit 1
    fi
    end=$(date +%s%N)
    awk -v a="$start" -v b="$end" -v k="$(cat "$log")" 'BEGIN { printf "%.3f %d\n", (b - a) / 1e9, k }'
    rm -f "$log" "$log.err"
}

labels=("cp -r" "cp -r, then sync" "dpk anonymize --jobs 1" "dpk anonymize --jobs 2"
    "dpk anonymize --jobs 2 --no-sync" "dpk score")

run() { # index input
    case $1 in
    0) measure_once cp -r "$2" "$work/out" ;;
    1) measure_once sh -c 'cp -r "$1" "$2" && sync' sh "$2" "$work/out" ;;
    2) measure_once "$dpk" anonymize "$2" -o "$work/out" --jobs 1 ;;
    3) measure_once "$dpk" anonymize "$2" -o "$work/out" --jobs 2 ;;
    4) measure_once "$dpk" anonymize "$2" -o "$work/out" --jobs 2 --no-sync ;;
    5) measure_once "$dpk" score "$2" ;;
    esac
}

report() { # title input
    local title=$1 input=$2 round i secs kib
    local -a best=() peak=()
    echo
    echo "$title"
    for round in 0 1 2 3; do
        for i in "${!labels[@]}"; do
            read -r secs kib < <(run "$i" "$input")
            [ "$round" -eq 0 ] && continue
            if [ -z "${best[i]:-}" ] || awk -v a="$secs" -v b="${best[i]}" 'BEGIN { exit !(a < b) }'; then
                best[i]=$secs
            fi
            [ "$kib" -gt "${peak[i]:-0}" ] && peak[i]=$kib
        done
    done
    rm -rf "$work/out"
    for i in "${!labels[@]}"; do
        awk -v l="${labels[i]}" -v s="${best[i]}" -v k="${peak[i]}" -v bs="${best[0]}" -v bk="${peak[0]}" 'BEGIN {
            printf "%-34s %8.3f s %8.1f MiB   %5.2f× time  %6.2f× memory\n", l, s, k / 1024, s / bs, k / bk }'
    done
}

echo "dpk throughput, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
du -sh "$work/data/folder" "$work/data/big.dcm" | sed 's/^/data: /'
report "folder of $files CT slices" "$work/data/folder"
report "one multi-frame file of $big_mib MiB" "$work/data/big.dcm"
