"""The start and stop of the tests' local HTTP servers (KvK API, webhook
receiver): a threading server on 127.0.0.1 on a free port, whose request
handler reaches its owner as ``self.server.owner``."""

import threading
from http.server import ThreadingHTTPServer


class LocalTestServer:
    """Base class: set ``handler_class`` and ``thread_name``; use it as a
    context manager or with ``start()`` / ``stop()``."""

    handler_class = None
    thread_name = "local-test-server"

    def __init__(self):
        # Set on stop: a handler waiting to answer late returns at once.
        self.stopped = threading.Event()
        self._httpd = None
        self._thread = None

    @property
    def base_url(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._httpd:
            self.stopped.set()
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
