#!/usr/bin/env bash
# One command on a fresh machine: set up, then build the demo portal from the shipped records/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== 检查并构建演示门户（按 2026-11-23 判断期限）"
.venv/bin/huifang build --as-of 2026-11-23
