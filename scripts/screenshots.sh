#!/bin/sh
# Render the career-coaching report in Finnish and English and take a
# screenshot (PNG) and a print (A4 PDF) of each with headless Chromium,
# into target/screenshots/. Look at them before calling a report change
# done. Not run by CI.
#
#   scripts/screenshots.sh            # needs `chromium` (Debian package)
#   CHROMIUM=/path/to/chrome scripts/screenshots.sh
set -eu
cd "$(dirname "$0")/.."
chromium=${CHROMIUM:-chromium}
out=target/screenshots
mkdir -p "$out"
cargo build --quiet
for lang in fi en; do
    page="$out/career-coaching-$lang.html"
    target/debug/tulos report contracts/career-coaching/contract.toml \
        --records contracts/career-coaching/records.jsonl --as-of 2026-12-31 \
        --lang "$lang" --out "$page"
    # Chromium wants absolute paths; --no-sandbox because CI-like
    # containers run as root.
    abs="$(pwd)/$out"
    "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --screenshot="$abs/career-coaching-$lang.png" --window-size=1200,5200 "file://$abs/career-coaching-$lang.html" 2>/dev/null
    "$chromium" --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
        --print-to-pdf="$abs/career-coaching-$lang.pdf" "file://$abs/career-coaching-$lang.html" 2>/dev/null
    echo "$out/career-coaching-$lang.png and .pdf"
done
