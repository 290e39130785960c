#!/bin/sh
# Seeds the fuzzing corpus with the committed fixtures (valid and malformed), which are small
# real DICOM files of every transfer syntax dpk reads. The corpus is not committed: run this
# once before the first `cargo +nightly fuzz run anonymize`. (The inputs in
# regressions/anonymize are not seeds: they are run one by one, see its README.)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus="$here/corpus/anonymize"
mkdir -p "$corpus"
find "$here/../fixtures" -name '*.dcm' -type f | while read -r f; do
    rel=${f#"$here/../fixtures/"}
    cp "$f" "$corpus/$(printf '%s' "$rel" | tr '/' '_')"
done
echo "$(ls "$corpus" | wc -l) files in $corpus"
