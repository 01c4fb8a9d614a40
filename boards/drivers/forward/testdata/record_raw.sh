#!/bin/bash
# Records how Linux's SCMI raw mode behaves, on the e2e guest's kernel (raw mode with COEX):
# serves raw_record.toml over vhost-user, boots the guest with raw_guest_init as its PID 1
# (appended to the harness's initramfs), and writes the guest's report to raw_mode.txt.
# Needs ../../../../../shared/e2e/linux-guest set up (its setup.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
harness=$(cd "$repo/../shared/e2e/linux-guest" && pwd)
cache=${SCMI_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vscmi-e2e}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/cache/out" "$work/init" "$work/run"
ln -s "$cache/root" "$work/cache/root"
ln -s "$cache/out/Image" "$work/cache/out/Image"
cp "$here/raw_guest_init" "$work/init/init"
(cd "$work/init" && echo init | cpio -o -H newc --quiet | gzip) >"$work/extra.cpio.gz"
cat "$cache/out/initramfs.cpio.gz" "$work/extra.cpio.gz" >"$work/cache/out/initramfs.cpio.gz"
deno run -A "$repo/main.ts" dt "$here/raw_record.toml" --agent vm1 >"$work/vm1.dtsi"
deno run -A "$repo/main.ts" serve "$here/raw_record.toml" --run-dir "$work/run" --no-journal \
  >"$work/serve.log" 2>&1 &
server=$!
SCMI_E2E_CACHE="$work/cache" SCMI_OUT_DIR="$work/out" SCMI_PROTOCOLS="" SCMI_REGULATORS="" \
  SCMI_DT_EXTRA="$work/vm1.dtsi" bash "$harness/run.sh" "$work/run/vm1.sock" 240 || true
sed -n '/@@@ RAW-BEGIN/,/@@@ RAW-END/p' "$work/out/console.log" | tr -d '\r' >"$here/raw_mode.txt"
wc -l "$here/raw_mode.txt"
