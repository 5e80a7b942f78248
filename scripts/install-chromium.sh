#!/bin/sh
# Install headless Chromium for the portal's browser test (tests/test_site.py).
# Idempotent: does nothing when /usr/bin/chromium already exists.
set -eu
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    echo "chromium 已安装：$(command -v chromium || echo /usr/bin/chromium)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y chromium
echo "chromium 已安装：$(command -v chromium)"
