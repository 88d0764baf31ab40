"""A local stand-in for an OpenAI-compatible chat endpoint (http.server on 127.0.0.1:0, in a thread)."""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # many concurrent clients (the default backlog is 5)
    daemon_threads = True


@contextmanager
def stub_chat_server(
    answer=lambda payload: "Score: 7",
    status=200,
    delay: float = 0.0,
    error_body: bytes = b'{"error": "model not found"}',
):
    """Yields ``(base_url, requests_seen)``; ``answer(payload) -> reply text``.

    ``status`` is an HTTP status, or ``status(n) -> status`` of the n-th request (0-based), e.g. 429 for the
    first ones; a non-200 answer has ``error_body``. ``delay`` seconds are spent on each request. Each
    entry of ``requests_seen`` records ``in_flight``: how many requests the server held when it arrived.
    """
    seen: list[dict] = []
    lock = threading.Lock()
    live = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                live[0] += 1
                n = len(seen)
                seen.append(
                    {
                        "path": self.path,
                        "payload": payload,
                        "auth": self.headers.get("Authorization"),
                        "in_flight": live[0],
                    }
                )
            try:
                time.sleep(delay)
                code = status(n) if callable(status) else status
                if code != 200:
                    body = error_body
                else:
                    body = json.dumps(
                        {
                            "id": "x",
                            "object": "chat.completion",
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": answer(payload)},
                                    "finish_reason": "stop",
                                }
                            ],
                        }
                    ).encode()
            finally:
                with lock:
                    live[0] -= 1
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (a port just bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
