#!/usr/bin/env bash
# One command on a fresh machine: set up (venv, test tools, headless Chromium), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# HUIFANG_CHROMIUM=/path/to/chrome uses a browser you already have (no apt, no root); see README.
if [ -z "${HUIFANG_CHROMIUM:-}" ]; then
  bash scripts/install-chromium.sh
else
  echo "== 浏览器测试使用 HUIFANG_CHROMIUM=$HUIFANG_CHROMIUM"
fi
echo "== 运行测试"
.venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
