"""The Kavosh web app: `create_app` wires the search core to the page and
the JSON API. There is no global app; `kavosh serve` calls `app:create_app()`,
which builds it here: the one module outside the views that imports Flask."""

from __future__ import annotations

from flask import Flask

from app.settings import instance_path, load_settings


def create_app(test_config: dict | None = None, *, preload_index: bool = False) -> Flask:
    """Build the app; settings are layered defaults → instance config → env → test_config.

    `preload_index` opens and warms the index before the first request
    (`kavosh serve`, see `app.http.searcher.init_app`)."""
    app = Flask("app", instance_path=str(instance_path()))
    app.config.update(load_settings(test_config))
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    from app.http import api, errors, headers, limits, searcher, web

    searcher.init_app(app, preload_index=preload_index)
    errors.init_app(app)
    headers.init_app(app)
    limits.init_app(app)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(web.blueprint)
    return app
