"""Pieces the reliability tests share: running calls at once, and a failing search service."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from typing import TYPE_CHECKING, Any

from django.db import connections

if TYPE_CHECKING:
    from collections.abc import Callable


def race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the calls at once, each in its own thread and connection: [(outcome, value)]."""
    results: list[tuple[str, Any]] = [("", None)] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = ("ok", calls[i]())
        except BaseException as e:  # noqa: BLE001 - the test inspects it
            results[i] = ("error", e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(not t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


class FailingSearchService:
    """An Elasticsearch stand-in on 127.0.0.1 that answers every request with a 500, after
    `delay` seconds; `hits` counts the requests."""

    def __init__(self, delay: float = 0.0) -> None:
        self.hits = 0
        lock = threading.Lock()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                with lock:
                    service.hits += 1
                time.sleep(delay)
                body = b'{"error": "injected failure"}'
                with contextlib.suppress(OSError):  # the client may give up first, as it should
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("X-Elastic-Product", "Elasticsearch")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FailingSearchService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
