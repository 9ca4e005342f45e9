"""Kavosh's application: the search core (`app.search`, Flask-free), the web
app and JSON API (`app.http`), the settings and the command line.

`create_app` is here for `kavosh serve`; Flask is only
imported when it is called, so `import app.search` stays Flask-free.
"""

from __future__ import annotations


def create_app(test_config: dict | None = None, *, preload_index: bool = False):
    """Build the web app, a `flask.Flask` (see `app.http.factory.create_app`)."""
    from app.http.factory import create_app as build

    return build(test_config, preload_index=preload_index)
