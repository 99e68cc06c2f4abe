"""`make run` (scripts/run), as a newcomer meets it (issue 21): the demo accounts, then
「已启动：URL」 only once the server answers there, and the worker and server stop with it."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_says_where_once_the_server_answers(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PY": sys.executable,
        "PORT": str(port),
        "DEMO": "1",
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    run = subprocess.Popen(
        ["scripts/run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 300
        for line in run.stdout:
            lines.append(line.rstrip())
            if line.startswith("已启动：") or time.monotonic() > deadline:
                break
        assert lines[-1] == f"已启动：http://127.0.0.1:{port}/", lines
        # Said only once the server answers: the login page is there at once.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as page:
            assert page.status == 200
            stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page.read().decode())[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{stylesheet}") as css:
            assert css.status == 200
        # The error pages are the product's own, in Chinese, not Django's debug pages.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/")
        assert missing.value.code == 404
        page = missing.value.read().decode()
        assert "页面不存在" in page
        assert "返回首页" in page
        assert "Django" not in page
        accounts = [line.split()[0] for line in lines if "bangfu-2016" in line]
        assert accounts[:4] == ["admin", "province", "city", "county"]
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=30)
    time.sleep(1)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # the server stopped with it
