#!/usr/bin/env bash
# One command on a fresh machine: set up (venv, test tools, headless Chromium), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
bash scripts/install-chromium.sh
echo "== 运行测试"
.venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
