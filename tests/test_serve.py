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


def _wait_for(url: str, seconds: float = 90, words: str = "") -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                text = r.read().decode("utf-8")
                if words in text:
                    return text
                time.sleep(0.5)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
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
        # the visit is a section of its customer's archive (anchor hf-20261103-001)
        page = _wait_for(f"http://127.0.0.1:{port}/customers/CUST-0001.html", words="hf-20261103-001")
        assert "漏水" in page
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "检测到改动" in out and "已停止" in out


def test_serve_on_a_busy_port_says_so_in_one_line_before_building(repo):
    repo.add(CUSTOMER)
    exe = Path(sys.executable).with_name("huifang")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([str(exe), "serve", "--port", str(port)], cwd=repo.root, capture_output=True,
                              text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"端口 {port} 已被占用" in lines[0] and f"--port {port + 1}" in lines[0]
    assert not (repo.root / "site").exists() and not (repo.root / ".huifang").exists()  # nothing was built


def test_serve_refuses_an_invalid_port_in_chinese(repo):
    repo.add(CUSTOMER)
    exe = Path(sys.executable).with_name("huifang")
    for bad in ("70000", "0", "abc"):
        proc = subprocess.run([str(exe), "serve", "--port", bad], cwd=repo.root, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 2
        assert f"端口“{bad}”无效，应是 1 到 65535 之间的整数" in proc.stderr
        assert "Traceback" not in proc.stderr and not (repo.root / "site").exists()


def test_serve_answers_please_wait_while_the_first_build_runs(repo):
    """The port is taken before the build; a browser that comes early is told to wait, not left hanging."""
    import http.server
    import threading
    from generator.site import _Quiet
    import functools
    site = repo.root / "site"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        try:
            urllib.request.urlopen(url, timeout=10)
            raise AssertionError("expected 503")
        except urllib.error.HTTPError as e:
            assert e.code == 503 and "正在构建门户" in e.read().decode("utf-8")
        site.mkdir()
        (site / "index.html").write_text("<p>门户</p>", encoding="utf-8")
        with urllib.request.urlopen(url, timeout=10) as r:
            assert "门户" in r.read().decode("utf-8")
    finally:
        server.shutdown()
        server.server_close()
