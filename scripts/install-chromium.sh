#!/bin/sh
# Install what the portal's browser tests (tests/test_browser.py) need from Debian:
#   chromium        — the headless browser Playwright drives (executable_path=/usr/bin/chromium;
#                     Playwright's own browser download is not used)
#   fonts-noto-cjk  — Chinese glyphs, so screenshots and layout widths are those a reader sees
#                     (falls back to fonts-wqy-microhei where Noto CJK is not packaged)
# Idempotent: installs only what is missing and says what it installs. Needs root (or sudo).
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

has_cjk_font() {
    command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]
}

need=""
if [ ! -x /usr/bin/chromium ]; then
    need="chromium"
fi
if ! has_cjk_font; then
    need="$need fonts-noto-cjk"
fi

if [ -z "$need" ]; then
    echo "== 浏览器测试所需已齐全：$(/usr/bin/chromium --version 2>/dev/null | head -n 1)；中文字体：$(fc-list :lang=zh family | head -n 1)"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "== 安装浏览器测试所需的 Debian 软件包：$need"
$SUDO apt-get update -q
pkgs=""
for p in $need; do
    if [ "$p" = "fonts-noto-cjk" ] && ! apt-cache show fonts-noto-cjk >/dev/null 2>&1; then
        echo "   软件源里没有 fonts-noto-cjk，改装 fonts-wqy-microhei"
        p="fonts-wqy-microhei"
    fi
    pkgs="$pkgs $p"
done
# fontconfig provides fc-list (used above to find a Chinese font)
$SUDO apt-get install -y -q --no-install-recommends $pkgs fontconfig
echo "== 已安装：$pkgs"
echo "   $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
echo "   中文字体：$(fc-list :lang=zh family | head -n 1)"
