"""`civility serve` as a newcomer runs it: it refuses the placeholder secret outside demo mode,
and `serve --demo` migrates an empty database, loads the sample site, prints a working
moderator login and answers on the port (a real subprocess, stopped with SIGTERM)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVILITY_")}
    env.update(
        {
            "CIVILITY_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
            "CIVILITY_MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            "CIVILITY_MODERATION": "hold",
            **extra,
        }
    )
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_refuses_the_placeholder_secret(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "civility", "serve", "--port", "1"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "secret_key is the placeholder" in done.stderr
    assert not (tmp_path / "serve.db").exists()  # refused before touching the database


def test_serve_demo_prints_a_working_login(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "civility", "serve", "--demo", "--port", str(port), "--log-level", "warning"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, password = [], None
        deadline = time.monotonic() + 90
        while password is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if found := re.search(r"password:\s+(\S+)", line):
                password = found.group(1)
        assert password, "no demo login printed:\n" + "".join(output)
        text = "".join(output)
        assert f"http://127.0.0.1:{port}/moderate" in text and "sign in as:    demo" in text
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert "Ceasefire talks resume" in httpx.get(f"{base}/", timeout=5).text
        session = httpx.post(f"{base}/api/moderator/session", json={"name": "demo", "password": password}, timeout=10)
        assert session.status_code == 201
        queue = httpx.get(
            f"{base}/api/moderation/queue", headers={"Authorization": f"Bearer {session.json()['token']}"}, timeout=5
        ).json()
        assert queue["items"], "the demo has comments waiting for review"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
