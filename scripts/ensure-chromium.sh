#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests in e2e/ when it is missing.
set -uo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not installed and cannot install it here (needs root and apt-get); browser tests will fail in CI and skip locally" >&2
  exit 0
fi
for attempt in 1 2; do
  echo "chromium: installing Debian's chromium (attempt $attempt)"
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
    exit 0
  fi
  sleep 5
done
echo "chromium: installation failed" >&2
exit 1
