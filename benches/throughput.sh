#!/usr/bin/env bash
# dpk against the I/O floor, in one run on one machine: wall time and peak memory of
# `cp -r` / `cp`, `dpk anonymize --jobs 1`, `dpk anonymize --jobs 2` and `dpk score`, on a
# folder of typical CT slices and on one large multi-frame file, with each figure as a
# ratio to cp's.
#
#   bash benches/throughput.sh [WORK_DIR] [FILES] [BIG_MIB]
#
# Defaults: a temporary folder, 2000 files, a 1024 MiB file. Needs about 3 × (FILES × 0.5 MiB
# + BIG_MIB) of free disk. Every command runs three times with a warm page cache (the data
# was just written) and its best time is kept, so the figures compare the programs, not the
# disk's cold reads. dpk flushes its outputs to the disk before it exits, cp does not: compare
# dpk with "cp -r, then sync", and dpk --no-sync with cp -r.
set -euo pipefail
cd "$(dirname "$0")/.."

work=${1:-$(mktemp -d)}
files=${2:-2000}
big_mib=${3:-1024}
mkdir -p "$work"
export DPK_SALT=throughput-benchmark-salt-0001

cargo build --release --quiet --bin dpk --example make_bench_data
dpk=target/release/dpk
if [ ! -e "$work/data/big.dcm" ]; then
    echo "making $files files and a $big_mib MiB file in $work/data ..." >&2
    target/release/examples/make_bench_data "$work/data" "$files" "$big_mib"
fi

# Runs a command under GNU time, best of three; prints "seconds peak_kib" (the fastest
# run's time, the largest peak). Dirty pages are flushed before each run, so that no run
# pays for the writes of the one before.
measure() {
    local log start end best="" peak=0 secs kib
    log=$(mktemp)
    for _ in 1 2 3; do
        [ -n "${clean:-}" ] && rm -rf "$clean"
        sync
        start=$(date +%s%N)
        if ! /usr/bin/time -q -f "%M" -o "$log" "$@" >/dev/null 2>"$log.err"; then
            echo "failed: $*" >&2
            tail -3 "$log.err" >&2
            exit 1
        fi
        end=$(date +%s%N)
        secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
        kib=$(cat "$log")
        if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$secs; fi
        [ "$kib" -gt "$peak" ] && peak=$kib
    done
    rm -f "$log" "$log.err"
    echo "$best $peak"
}

row() { # label seconds kib base_seconds base_kib
    awk -v l="$1" -v s="$2" -v k="$3" -v bs="$4" -v bk="$5" 'BEGIN {
        printf "%-34s %8.3f s %8.1f MiB   %5.2f× time  %6.2f× memory\n", l, s, k / 1024, s / bs, k / bk }'
}

report() { # title input
    local title=$1 input=$2
    echo
    echo "$title"
    clean="$work/out"
    read -r cs ck < <(measure cp -r "$input" "$work/out")
    row "cp -r" "$cs" "$ck" "$cs" "$ck"
    read -r s k < <(measure sh -c 'cp -r "$1" "$2" && sync' sh "$input" "$work/out")
    row "cp -r, then sync" "$s" "$k" "$cs" "$ck"
    for jobs in 1 2; do
        read -r s k < <(measure "$dpk" anonymize "$input" -o "$work/out" --jobs "$jobs")
        row "dpk anonymize --jobs $jobs" "$s" "$k" "$cs" "$ck"
    done
    read -r s k < <(measure "$dpk" anonymize "$input" -o "$work/out" --jobs 2 --no-sync)
    row "dpk anonymize --jobs 2 --no-sync" "$s" "$k" "$cs" "$ck"
    clean=""
    read -r s k < <(measure "$dpk" score "$input")
    row "dpk score" "$s" "$k" "$cs" "$ck"
    rm -rf "$work/out"
}

echo "dpk throughput, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
du -sh "$work/data/folder" "$work/data/big.dcm" | sed 's/^/data: /'
report "folder of $files CT slices" "$work/data/folder"
report "one multi-frame file of $big_mib MiB" "$work/data/big.dcm"
