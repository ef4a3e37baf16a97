#!/usr/bin/env bash
# hyperconf developer entry point for a Debian 12 machine (run as root, or
# with sudo available for the package step).
#
#   bash data/dev.sh run    install what is missing, build, run the server
#                           on http://localhost:8080 (extra args go to it)
#   bash data/dev.sh test   install what is missing, then build and run
#                           every test: unit, media (webrtcbin), end to end
#                           (protocol, and browsers: Chromium, and a mixed
#                           room of Chromium and Firefox ESR), the unit
#                           and protocol suites again under AddressSanitizer
#                           and LeakSanitizer with the churn of synthetic
#                           participants, and each fuzzer for
#                           HC_FUZZ_SECONDS (60) seconds; ends with one line
#                           "N passed, M failed"
#   bash data/dev.sh deps   only install what is missing
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
  local missing=()
  while read -r pkg; do
    case "$pkg" in ''|'#'*) continue ;; esac
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done < data/debian-packages.txt
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

install_test_deps() {
  # Node.js may come from elsewhere than Debian (its npm then conflicts
  # with Debian's npm package): install Debian's only when there is none.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
  fi
  # The end-to-end tests' npm packages, pinned by package-lock.json.  They
  # drive Debian's chromium and firefox-esr (data/debian-packages.txt):
  # playwright-core and puppeteer-core download no browser, and
  # PUPPETEER_SKIP_DOWNLOAD says so should a full puppeteer ever come in.
  if [ ! -d tests/e2e/node_modules ] \
     || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules ]; then
    (cd tests/e2e && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    touch tests/e2e/node_modules
  fi
}

# configure DIR [meson options...]: set up once, reconfigure when asked for
# other options.
configure() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
}

run_suite() {
  # meson test's own exit code is kept in the log; the summary counts.
  meson test -C "$@" --print-errorlogs || true
}

case "${1:-}" in
  deps)
    install_deps
    ;;
  run)
    shift
    install_deps
    configure build
    ninja -C build
    exec ./build/src/app/hyperconf "$@"
    ;;
  test)
    install_deps
    install_test_deps
    rm -f build*/meson-logs/testlog.json
    configure build -Db_sanitize=none
    ninja -C build
    run_suite build

    # The unit and protocol end-to-end suites again with ASan+LSan: any
    # leak or memory error fails them (the server must exit 0 after
    # SIGTERM), and the churn of synthetic participants (tests/churn-asan.py:
    # joins, leaves and vanishings, then no leak report and the room's
    # elements, fds and threads back).  The media and browser suites are
    # too slow under ASan.
    configure build-asan -Db_sanitize=address,undefined -Db_lundef=false
    ninja -C build-asan
    ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
      LSAN_OPTIONS=suppressions="$top/tests/lsan.supp":print_suppressions=0 \
      G_SLICE=always-malloc run_suite build-asan --suite unit --suite e2e \
      --suite churn

    # libFuzzer targets need clang.
    if [ ! -f build-fuzz/build.ninja ]; then
      CC=clang meson setup build-fuzz -Dfuzzing=true -De2e=disabled
    fi
    ninja -C build-fuzz
    G_SLICE=always-malloc run_suite build-fuzz --suite fuzz

    python3 tests/summarize.py build build-asan build-fuzz
    ;;
  *)
    sed -n '2,15p' "$0"
    exit 2
    ;;
esac
