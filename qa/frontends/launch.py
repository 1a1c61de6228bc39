"""Start `qa serve` as a child process and wait until it answers: for the tests and
benchmarks that need a live server, and for scripts that drive one.

One helper, so every caller starts, waits for and stops the server the same way, and a
server that does not come up fails with its own log. The server listens on loopback.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT_S = 180.0
"""How long `qa serve` may take to answer /healthz (imports and index load, busy machine)."""

STOP_TIMEOUT_S = 30.0
"""How long a stopped server may take to exit before it is killed."""


@dataclass(frozen=True)
class Server:
    """A running `qa serve`: its base URL, process id, log file and start-up time."""

    url: str
    pid: int
    log_path: Path
    startup_s: float
    """Seconds from starting the process until /healthz answered 200."""


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(index_dir: "Path | str", *, workdir: Path | None = None, port: int | None = None,
                   env: dict[str, str] | None = None, timeout_s: float = STARTUP_TIMEOUT_S):
    """`qa serve --index-dir index_dir` on a loopback port; yields a `Server` once /healthz
    answers, and stops the server on exit.

    Args:
        workdir: the server's working directory, where `serve.log` is written (default: a
            temporary folder, removed afterwards).
        port: the port (default: a free one).
        env: variables added to this process's environment for the server.
    Raises:
        RuntimeError: the server exited before answering (with the end of its log).
        TimeoutError: /healthz did not answer within `timeout_s`.
    """
    with contextlib.ExitStack() as stack:
        folder = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qa-serve-")))
        port = port or free_port()
        log_path = folder / "serve.log"
        log = stack.enter_context(open(log_path, "w+", encoding="utf-8"))
        began = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "qa", "serve", "--index-dir", str(index_dir), "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, cwd=folder,
            env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})})
        url = f"http://127.0.0.1:{port}"
        try:
            startup_s = wait_for_health(url, process, log_path, began, timeout_s)
            yield Server(url, process.pid, log_path, startup_s)
        finally:
            stop(process)


def wait_for_health(url: str, process: subprocess.Popen, log_path: Path, began: float, timeout_s: float) -> float:
    """Seconds since `began` when GET /healthz first answers 200."""
    while time.perf_counter() - began < timeout_s:
        if process.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"qa serve exited with {process.returncode}: {tail}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - began
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"qa serve did not answer {url}/healthz within {timeout_s:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Ask the server to stop (SIGTERM), and kill it if it does not."""
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)
