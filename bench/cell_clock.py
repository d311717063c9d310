"""A pytest plugin for the benchmark: where a chapter's time goes on `make test`'s path.

Loaded with `-p bench.cell_clock` next to the root conftest.py (nbval, the output recording and the
execution-cache write unchanged). For every chapter it writes one JSON line to the file named by
the environment variable BENCH_CELL_CLOCK: the chapter's wall time from its first cell's set-up
(the kernel start) to its last cell's teardown (the kernel stop and the cache write), the kernel
start, the cache write, the kernel stop, and per code cell the seconds pytest spent on it (set-up,
call and teardown) beside the seconds the kernel spent executing it (its `execute_input` message to
its `idle` status, both stamped by the kernel: what nbclient's per-cell timestamps measure too).
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime

import pytest

ENVIRONMENT = "BENCH_CELL_CLOCK"


def kernel_seconds(messages: list[dict]) -> float | None:
    """Seconds between the kernel's `execute_input` and its `idle` status for that request, or None."""
    inputs = [message for message in messages if message["msg_type"] == "execute_input"]
    if not inputs:
        return None
    request = inputs[-1]["parent_header"].get("msg_id")
    idle = [
        message
        for message in messages
        if message["msg_type"] == "status"
        and message["content"].get("execution_state") == "idle"
        and message["parent_header"].get("msg_id") == request
    ]
    if not idle:
        return None
    return (_date(idle[-1]) - _date(inputs[-1])).total_seconds()


def _date(message: dict) -> datetime:
    date = message["header"]["date"]
    return date if isinstance(date, datetime) else datetime.fromisoformat(str(date).replace("Z", "+00:00"))


class Clock:
    """The chapter being timed and what has been measured of it so far."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.chapter: object | None = None
        self.record: dict = {}

    def _timed(self, notebook: object, method: str, key: str) -> None:
        original = getattr(notebook, method)

        def timed(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.record[key] = self.record.get(key, 0.0) + time.perf_counter() - begin

        setattr(notebook, method, timed)  # an attribute of this one notebook: nbval's class is unchanged

    def start(self, notebook: object) -> None:
        self.finish()
        self.chapter = notebook
        self.record = {"chapter": os.path.basename(str(notebook.path)).removesuffix(".md"), "cells": [],
                       "began": time.perf_counter()}
        self._timed(notebook, "setup", "kernel_start")
        self._timed(notebook, "outcome", "cache_write")
        self._timed(notebook, "teardown", "teardown")

    def finish(self) -> None:
        if self.chapter is None:
            return
        record = self.record
        record["seconds"] = record.pop("ended", time.perf_counter()) - record.pop("began")
        record["kernel_stop"] = record.get("teardown", 0.0) - record.get("cache_write", 0.0)
        record["stored"] = list(getattr(self.chapter, "passed", {}))  # cells recorded as passed
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        self.chapter = None


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(ENVIRONMENT)
    if path:
        config.stash[CLOCK] = Clock(path)


CLOCK = pytest.StashKey[Clock]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    clock = item.config.stash.get(CLOCK, None)
    notebook = item.parent
    is_cell = clock is not None and hasattr(notebook, "messages") and hasattr(notebook, "outcome")
    if is_cell and clock.chapter is not notebook:
        clock.start(notebook)
    begin = time.perf_counter()
    yield
    if is_cell:
        clock.record["cells"].append(
            {"cell": item.name, "pytest": time.perf_counter() - begin, "kernel": kernel_seconds(notebook.messages)}
        )
        if nextitem is None or nextitem.parent is not notebook:
            clock.record["ended"] = time.perf_counter()
            clock.finish()
