"""Run the real `qa serve` in a subprocess for tests that need a live server (browser, load).

One helper so every such test starts, waits for and stops the server the same way, and
fails with the server's own log when it does not come up.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

STARTUP_TIMEOUT_S = 180
"""How long `qa serve` may take to answer /healthz (imports and index load, busy machine)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(index_dir: Path, workdir: Path):
    """`qa serve` over `index_dir` on a free loopback port; yields url, pid and log path.

    The server is stopped on exit; its log stays at `workdir / "serve.log"`.
    """
    port = free_port()
    log_path = workdir / "serve.log"
    log = open(log_path, "w+")
    process = subprocess.Popen([sys.executable, "-m", "qa.frontends.cli", "serve", "--index-dir", str(index_dir),
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, cwd=workdir,
                               env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process, log)
        log.seek(0)
        assert f"Serving on {url}/" in log.read()
        yield SimpleNamespace(url=url, pid=process.pid, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        log.close()


def wait_for_health(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"qa serve exited with {process.returncode}: {log.read()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"qa serve did not answer /healthz within {STARTUP_TIMEOUT_S} s")
