"""The HTTP side of the fake: requests in, JSON or chunked streams out, each one recorded."""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tests.fake_kube.records import DropConnection, Request
from tests.fake_kube.status import ApiError
from tests.fake_kube.streams import Reply

if TYPE_CHECKING:
    from tests.fake_kube.server import FakeKube


class Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a cancelled watch, a closed pool) is not an error here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def handler(fake: FakeKube) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: with Nagle's algorithm on, the body waits
        # for the client's delayed ACK (~40 ms a response). The real API server (Go) sets
        # TCP_NODELAY, and so does this one.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            content_type = self.headers.get("Content-Type", "")
            body: Any = None
            status = 0
            reply: Reply | None = None
            try:
                if raw:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        raise ApiError(
                            400, "the body of the request could not be decoded as JSON"
                        ) from None
                auth = self.headers.get("Authorization", "")
                if fake.token is not None and auth != f"Bearer {fake.token}":
                    raise ApiError(401, "Unauthorized", reason="Unauthorized")
                reply = fake.api.handle(
                    method, url.path, query, content_type, body, self.headers.get("User-Agent", "")
                )
            except ApiError as err:
                reply = Reply(err.code, err.body())
            except DropConnection:
                fake.record(
                    Request(
                        method,
                        url.path,
                        query,
                        content_type,
                        body,
                        time.monotonic(),
                        0,
                        {k.lower(): v for k, v in self.headers.items()},
                    )
                )
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            status = reply.code
            fake.record(
                Request(
                    method,
                    url.path,
                    query,
                    content_type,
                    body,
                    time.monotonic(),
                    status,
                    {k.lower(): v for k, v in self.headers.items()},
                )
            )
            if reply.stream is None:
                self._send_json(reply)
            else:
                self._send_stream(reply.stream, reply.content_type)

        def _send_json(self, reply: Reply) -> None:
            data = json.dumps(reply.body).encode()
            self.send_response(reply.code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send_stream(self, chunks: Iterator[bytes], content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            try:
                for chunk in chunks:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except ConnectionAbortedError:
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler
