"""`crm dashboard --serve`: the dashboard in a browser through textual-serve (the optional 'web' extra)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("textual_serve")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return int(s.getsockname()[1])


async def _screen_text(port: int, wanted: bytes) -> bytes:
    import aiohttp

    got = b""
    async with aiohttp.ClientSession() as http:
        for _ in range(100):  # the server needs a moment to listen
            try:
                async with http.get(f"http://localhost:{port}/") as page:
                    assert page.status == 200
                    break
            except aiohttp.ClientConnectorError:
                await asyncio.sleep(0.1)
        async with http.ws_connect(f"http://localhost:{port}/ws") as ws:
            await ws.send_str(json.dumps(["resize", {"width": 120, "height": 36}]))
            async with asyncio.timeout(60):
                async for msg in ws:
                    got += msg.data if isinstance(msg.data, bytes) else msg.data.encode()
                    if wanted in got:
                        break
    return got


def test_serve_runs_the_dashboard_for_a_browser(db_path: Path, make_customer: Any) -> None:
    make_customer("深圳市明达电子科技有限公司")
    port = _free_port()
    env = dict(os.environ, CRM_DB=str(db_path), CRM_USER="boss")
    server = subprocess.Popen([sys.executable, "-m", "crm_cli", "dashboard", "--serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        text = asyncio.run(_screen_text(port, b"My customers"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert b"My customers" in text and b"boss" in text
