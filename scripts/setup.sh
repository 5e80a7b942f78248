#!/usr/bin/env bash
# Create .venv and install huifang into it (editable, so templates/ and records/ are used in place).
# Usage: scripts/setup.sh [test]   — "test" also installs the test tools.
# Says what it installs: the versions pyproject.toml asks for, then what pip actually installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== 创建虚拟环境 .venv（$("$PY" --version 2>&1)）"
  "$PY" -m venv .venv
fi
extra=""
[ "${1:-}" = "test" ] && extra="test"
echo "== 安装 huifang${extra:+[$extra]}（可编辑安装）及 pyproject.toml 写明的依赖："
.venv/bin/python - "$extra" <<'PYEOF'
import sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
wanted = list(project["dependencies"])
if sys.argv[1]:
    wanted += project["optional-dependencies"][sys.argv[1]]
print("   " + "、".join(wanted))
PYEOF
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run_pip() {
  if ! .venv/bin/python -m pip install --disable-pip-version-check "$@" >"$log" 2>&1; then
    cat "$log"
    exit 1
  fi
  sed -n 's/^Successfully installed /   已安装：/p' "$log"
}
run_pip --upgrade pip
run_pip -e ".${extra:+[$extra]}"
echo "== 虚拟环境 .venv 就绪：$(.venv/bin/huifang --help >/dev/null && echo "huifang $(.venv/bin/python -c 'import generator; print(generator.__version__)')")"
