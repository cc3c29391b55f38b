#!/usr/bin/env bash
# The adoption dashboard in a real browser: runs the demo with its dashboard on loopback, renders
# `/adoption` in headless Chromium while the demo runs, saves a screenshot and checks it is not
# blank (.ci/interop/screenshot-check.mjs). Chromium comes from Debian's packages, installed with
# apt-get when missing.
#
#   .ci/dashboard.sh [OUT.png]      # default: target/dashboard.png
#
# Needs the Rust toolchain, Node.js with .ci/node_modules installed (`.ci/run` does it), and
# apt-get (as root, or with sudo) when Chromium is not installed yet.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-target/dashboard.png}
mkdir -p "$(dirname "$out")"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  sudo=
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium
  browser=$(command -v chromium)
fi
"$browser" --version

cargo build -q -p mithril-compat-cli
binary="${CARGO_TARGET_DIR:-target}/debug/mithril-compat"
work=$(mktemp -d)
demo_pid=
finish() {
  if [ -n "$demo_pid" ]; then
    kill "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap finish EXIT

# A free loopback port for the demo's aggregator (its HTTP routes and the dashboard).
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$binary" demo --dashboard "127.0.0.1:${port}" --linger 120 >"$work/demo.log" 2>&1 &
demo_pid=$!

# Wait until the demo has switched to lagrange (epoch 9 of its default run), then take the picture
# while it still runs.
node .ci/interop/screenshot-check.mjs wait "http://127.0.0.1:${port}/adoption.json" 9
if ! kill -0 "$demo_pid" 2>/dev/null; then
  printf 'the demo stopped before the screenshot; its output:\n'
  cat "$work/demo.log"
  exit 1
fi
"$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1280,2300 --screenshot="$out" "http://127.0.0.1:${port}/adoption" 2>"$work/browser.log" \
  || { cat "$work/browser.log"; exit 1; }
node .ci/interop/screenshot-check.mjs check "$out"
