"""A hostile HTTP server on loopback standing where Prometheus (or a proxy in front of it) would:
it echoes the request's headers in an error body, or answers with a huge body (declared or not)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    server: FaultServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._answer()

    def _answer(self) -> None:
        mode = self.server.mode
        if mode == "echo":
            # What a misconfigured proxy does: every header back in its error message.
            headers = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
            body = json.dumps(
                {"status": "error", "errorType": "proxy", "error": f"denied ({headers})"}
            ).encode()
            self._send(502, body)
        elif mode == "echo-text":
            headers = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
            self._send(502, f"<html>bad gateway\n{headers}</html>".encode())
        elif mode == "text":
            self._send(502, self.server.text.encode())
        elif mode in ("huge", "huge-undeclared"):
            self._huge(declared=mode == "huge")
        else:
            raise AssertionError(mode)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _huge(self, declared: bool) -> None:
        """A valid vector answer of about ``server.huge_bytes``: many small series, as a query
        that forgot to aggregate returns (each one a few Python objects once parsed)."""
        series = b'{"metric":{"pod":"llama-v1-7d9c5b8f4-x2x9k","le":"0.5"},"value":[1,"1"]},'
        head = b'{"status":"success","data":{"resultType":"vector","result":['
        tail = b'{"metric":{},"value":[1,"1"]}]}}'
        count = max(0, (self.server.huge_bytes - len(head) - len(tail)) // len(series))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if declared:
            self.send_header("Content-Length", str(len(head) + count * len(series) + len(tail)))
        self.end_headers()  # undeclared: HTTP/1.0, the body ends when the connection closes
        try:
            self.wfile.write(head)
            block = series * 1000
            left = count
            while left > 0:
                self.wfile.write(block if left >= 1000 else series * left)
                left -= 1000
            self.wfile.write(tail)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what it should do


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mode: str, huge_bytes: int = 20 * 2**20) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.huge_bytes = huge_bytes
        self.text = ""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
