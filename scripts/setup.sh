#!/usr/bin/env bash
# Create .venv and install huifang into it (editable, so templates/ and records/ are used in place).
# Usage: scripts/setup.sh [test]   — "test" also installs the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== 创建虚拟环境 .venv"
  "$PY" -m venv .venv
fi
extra=""
[ "${1:-}" = "test" ] && extra="[test]"
echo "== 安装 huifang${extra} 及其依赖"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extra}"
