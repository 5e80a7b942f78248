"""`huifang serve`: a real server on localhost that rebuilds when a record changes, and stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import CUSTOMER

VISIT = """
id: HF-20261103-001
date: 2026-11-03 10:00:00+08:00
recorded: 2026-11-03 17:00:00+08:00
method: 电话
purpose: 例行回访
customer: CUST-0001
visitor: 李娜
content: 电话回访，业主反映厨房漏水已修好。
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float = 90) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode("utf-8")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise AssertionError(f"{url} did not appear within {seconds} s")


def test_serve_rebuilds_on_change_and_stops_on_ctrl_c(repo):
    repo.add(CUSTOMER)
    port = _free_port()
    exe = Path(sys.executable).with_name("huifang")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--as-of", "2026-11-30"], cwd=repo.root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    try:
        home = _wait_for(f"http://127.0.0.1:{port}/")
        assert "回访门户" in home
        repo.add(VISIT)
        page = _wait_for(f"http://127.0.0.1:{port}/records/visits/HF-20261103-001.html")
        assert "漏水" in page
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "检测到改动" in out and "已停止" in out
