"""The HTTP server of `kavosh serve`: the web app under granian, with the index opened
and warmed once before the workers fork.

Why granian, measured on 2 cores (figures in the README, "Reliability"): its
Rust event loop reads each request's head before a Python thread sees it, so
a client that sends half a header and waits costs a socket, not a worker.
Every gunicorn sync worker is held by one such client, and every thread of a
threaded worker too, even with a read timeout; 200 of them starved both.

What the server itself refuses, before the app sees it, answers without a
body (granian has no hook for its own errors): a request head over
`HEAD_BUFFER` bytes or with more than 100 header fields (431), a target over
64 KB (414), bad syntax (400), and a head not complete in `HEADER_TIMEOUT`
seconds (the connection is closed). Everything smaller reaches the app, whose
own limits (`app.http.limits`) answer in the JSON error shape.

The app is built in this process; the workers are forked from it (so they
share the warm caches copy-on-write, as gunicorn's `--preload` did) and a
worker that dies is forked again. Before the fork, everything the warm app
holds is frozen out of the cyclic garbage collector (`gc.freeze`): a full
collection in a worker would otherwise walk the 315,000 objects of an open
WikiText-2 index (270-850 ms, measured, a request stalled that long) and,
by writing each object's header, copy every page the workers share.
"""

from __future__ import annotations

import errno
import gc
import multiprocessing
import os
import socket
from collections import deque
from collections.abc import Callable, Iterable

import click
from flask import Flask

# A request head may fill this much (hyper's read buffer); over it: 431.
HEAD_BUFFER = 64 * 1024
# Seconds a client has to send a whole request head.
HEADER_TIMEOUT = 10
# Python threads per worker. The search is CPU-bound, so more would only
# contend for the GIL; two let a light request through beside a costly one
# (and measured best: 2 workers x 2 threads beat 2 x 1 and 4 x 1).
THREADS = 2
# Connections one worker holds at once (slow ones included).
CONNECTIONS_PER_WORKER = 1024


def default_workers() -> int:
    """One worker process per core, at least two, at most eight."""
    return max(2, min(8, os.cpu_count() or 1))


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another process listens on, in one line, before anything
    slow starts. (granian binds with SO_REUSEPORT, so a second `kavosh serve`
    would otherwise share the port with the first.)"""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise click.ClickException(_busy(host, port)) from None
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from None


def _busy(host: str, port: int) -> str:
    return (
        f"port {port} on {host} is in use by another server: stop it, or choose another with --port"
    )


def serve(app: Flask, host: str, port: int, workers: int) -> None:
    """Serve `app` until SIGINT or SIGTERM; returns when every worker stopped."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    app.wsgi_app = without_process_environment(app.wsgi_app)
    # Forked, the workers inherit the warm app; spawned, they would rebuild it.
    multiprocessing.set_start_method("fork", force=True)
    server = Server(
        "app:create_app",  # only named in granian's logs: the loader below gives the app
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=THREADS,
        backpressure=CONNECTIONS_PER_WORKER,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(
            header_read_timeout=HEADER_TIMEOUT * 1000, max_buffer_size=HEAD_BUFFER
        ),
        websockets=False,
        # Off unless asked for: granian formats each line in Python, under the
        # GIL, after the answer (about 0.1 ms of CPU a request, measured).
        log_access=bool(app.config.get("ACCESS_LOG", False)),
        respawn_failed_workers=True,
        workers_kill_timeout=10,
    )
    freeze_warm_objects()
    try:
        server.serve(target_loader=lambda _target: app)
    except RuntimeError as error:  # granian's bind errors (a race with check_port_free)
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        if "in use" in first_line:
            raise click.ClickException(_busy(host, port)) from None
        raise click.ClickException(f"cannot serve on {host}:{port}: {first_line}") from None


def freeze_warm_objects() -> None:
    """Collect once, then keep every object alive now out of later collections
    (the index, its caches, the app): they live as long as the process, and a
    worker's collections then only walk what its requests allocated."""
    gc.collect()
    gc.freeze()


# The keys of a WSGI environ that describe the request itself (PEP 3333).
_REQUEST_KEYS = frozenset(
    "REQUEST_METHOD SCRIPT_NAME PATH_INFO QUERY_STRING CONTENT_TYPE CONTENT_LENGTH "
    "SERVER_NAME SERVER_PORT SERVER_PROTOCOL REMOTE_ADDR REMOTE_PORT".split()
)
# Keys granian sets itself over the copy of `os.environ`.
_SERVER_KEYS = frozenset(("GATEWAY_INTERFACE", "SERVER_SOFTWARE"))


def without_process_environment(wsgi_app: Callable) -> Callable:
    """granian starts every WSGI environ from a copy of `os.environ`; drop what
    came from there, so no setting (a Typesense key) rides along with a request
    and no variable (`HTTP_PROXY`) poses as a header the client sent.

    Only a header (`HTTP_*`) or a key granian sets can hold a value of the
    request's own under an inherited name, so only those are compared; the
    rest are popped in one pass in C (comparing all ~40 variables of a shell
    cost 12 µs a request, measured; popping them, 1.5 µs)."""
    inherited = {key: value for key, value in os.environ.items() if key not in _REQUEST_KEYS}
    compared = {
        key: value
        for key, value in inherited.items()
        if key.startswith("HTTP_") or key in _SERVER_KEYS
    }
    popped = tuple(key for key in inherited if key not in compared)
    nothing = tuple(None for _ in popped)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        deque(map(environ.pop, popped, nothing), maxlen=0)
        for key, value in compared.items():
            if environ.get(key) == value:
                del environ[key]
        return wsgi_app(environ, start_response)

    return application
