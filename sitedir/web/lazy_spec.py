"""flask-smorest's Api, with its OpenAPI document written when it is first read.

Documenting the views is about half of `create_app`'s CPU: apispec resolves every
marshmallow schema and deep-copies its fields, once per blueprint. Nothing but the
document's own routes (`openapi.json`, the docs pages) reads it, so an app that never
serves them (a command, a test) never pays for it, and `wsgi.py` writes it before the
workers fork. The document is the same, written in the same order: the blueprints and
components recorded as the features register them, then replayed on the first read.
"""

import threading
from collections.abc import Callable

from apispec import APISpec
from flask import Flask
from flask_smorest import Api
from flask_smorest.spec import openapi_cli

# A part of the document: called with the spec once it exists.
DocumentStep = Callable[[APISpec], object]


class LazySpecApi(Api):
    """An Api whose `spec` is built on first read, from the steps recorded until then."""

    def __init__(self, app=None, **kwargs):
        self._spec: APISpec | None = None
        self._spec_options: dict | None = None  # flask-smorest's _init_spec arguments
        self._steps: list[DocumentStep] = []
        self._written = False
        self._writing = threading.RLock()  # two first requests at once: one writes
        super().__init__(app, **kwargs)

    @property
    def spec(self) -> APISpec:
        """The OpenAPI document, written now if it is not yet."""
        self.write_document()
        return self._spec  # type: ignore[return-value]  # None only inside flask-smorest's init

    @spec.setter
    def spec(self, value: APISpec | None) -> None:
        self._spec = value

    @property
    def spec_written(self) -> bool:
        """Whether the document has been written (read at least once)."""
        return self._written

    def write_document(self) -> None:
        """Write the document now (wsgi.py, before the workers fork), if not yet."""
        if not self._written and self._spec_options is not None:
            self._write()

    def document(self, step: DocumentStep) -> None:
        """Add a part to the document (a component, a security scheme), in order."""
        if self._written:
            step(self._spec)  # type: ignore[arg-type]
        else:
            self._steps.append(step)

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register the blueprint's views now, and its part of the document for later."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

        def views_and_tag(spec: APISpec) -> None:
            blp.register_views_in_doc(self, self._app, spec, name=name, parameters=parameters)
            spec.tag({"name": name, "description": blp.description})

        self.document(views_and_tag)

    def register_field(self, field, *args):
        """Map a marshmallow field to an OpenAPI type (applied when the spec is written)."""
        self._fields.append((field, *args))
        if self._written:
            self._register_field(field, *args)

    def register_converter(self, converter, func):
        """Document a URL converter (applied when the spec is written)."""
        self._converters.append((converter, func))
        if self._written:
            self._register_converter(converter, func)

    def _init_spec(self, **options):
        # Called by init_app: keep the arguments, build nothing yet but the `flask openapi`
        # commands that flask-smorest's own start-up of the spec adds (they read `spec`).
        self._spec_options = options
        self._app.cli.add_command(openapi_cli)

    def _write(self) -> None:
        with self._writing:
            if self._written or self._spec is not None:  # written, or being written here
                return
            # flask-smorest's own start-up of the spec (plugins, fields, converters, the
            # error responses), then every recorded part in the order it was registered.
            super()._init_spec(**(self._spec_options or {}))
            for step in self._steps:
                step(self._spec)  # type: ignore[arg-type]
            self._steps.clear()
            self._written = True


def api_of(app: Flask) -> LazySpecApi:
    """The app's Api (the one `register_web` made), where flask-smorest keeps it."""
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
