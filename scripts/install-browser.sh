#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser tests (test/dashboard), if it is missing.
# playwright-core drives it at /usr/bin/chromium; no browser is downloaded by Playwright itself.
# Needs root (CI runs as root) and Debian's package archive. Always exits 0: when Chromium cannot
# be had, the browser tests skip themselves with a message saying so.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  echo "chromium: already installed ($("$CHROMIUM" --version 2>/dev/null || echo "version unknown"))"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: $CHROMIUM is missing and apt-get is not available; the dashboard's browser tests will be skipped" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "chromium: not root and no sudo; cannot install it (the dashboard's browser tests will be skipped)" >&2
    exit 0
  fi
fi
echo "chromium: installing Debian's package"
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -q && $SUDO apt-get install -y -q chromium fonts-dejavu-core; }; then
  echo "chromium: the install failed; the dashboard's browser tests will be skipped" >&2
  exit 0
fi
"$CHROMIUM" --version
