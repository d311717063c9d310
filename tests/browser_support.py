"""What the browser tests of the built site share: the site to check and a local server for it.

A test module takes the fixtures by importing them (`from browser_support import built_html, site`);
`serve_directory` serves any folder the same way, for a module that wants its own `site` fixture.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging each request to stderr."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) while the block runs; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def built_html(request: pytest.FixtureRequest) -> Path:
    """The built site: $COURSE_BUILT_HTML, or the book this test run builds."""
    override = os.environ.get("COURSE_BUILT_HTML")
    if override:
        return Path(override)
    # Asked for by name, so that a given COURSE_BUILT_HTML never starts a build.
    return request.getfixturevalue("built_book").html


@pytest.fixture(scope="module")
def site(built_html: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1 (a free port) for this module; its base URL."""
    with serve_directory(built_html) as base_url:
        yield base_url
