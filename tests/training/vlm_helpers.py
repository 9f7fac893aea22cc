"""Helpers shared by the training-area tests (importable: this folder is on sys.path)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from training.tiny import steering_bias  # noqa: F401  (re-exported for the tests)


def random_image(seed: int = 0, shape=(64, 80, 3)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


class FakeServer:
    """Answers /v1/models and /v1/chat/completions from a script; records the requests."""

    def __init__(self, answers, status=200):
        self.answers = list(answers)
        self.status = status
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, code, body):
                data = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                outer.requests.append(("GET", self.path, None, dict(self.headers)))
                self._send(200, {"data": [{"id": "iea-7b"}]})

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                outer.requests.append(("POST", self.path, body, dict(self.headers)))
                if outer.status != 200:
                    return self._send(outer.status, {"error": "model is loading"})
                answer = outer.answers.pop(0)
                if isinstance(answer, bytes):
                    return self._send(200, answer)
                self._send(200, {"choices": [{"message": {"role": "assistant",
                                                          "content": answer}}]})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 5
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
