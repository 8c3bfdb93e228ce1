"""Templates compiled once per process, not once per app.

Jinja compiles a template (parse, generate Python, `compile`) the first time each app's
environment renders it. A process makes one app in production, but a test run makes
thousands, and compiling the pages was then a third of a page test's CPU. This cache keeps
the compiled code of every template for the process; Jinja checks it against the source's
checksum before using it, so an edited template is compiled again. Jinja keys it on the
template's name and file only: every app of sitedir's has the same Jinja settings.
"""

import threading

from flask import Flask
from jinja2.bccache import Bucket, BytecodeCache


class ProcessBytecodeCache(BytecodeCache):
    """Jinja's compiled templates kept in memory for the whole process, across apps."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # ignored (reset) if the source has changed

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


BYTECODE_CACHE = ProcessBytecodeCache()


def share_compiled_templates(app: Flask) -> None:
    """Make `app`'s Jinja environment use the process's compiled templates."""
    app.jinja_options = {**app.jinja_options, "bytecode_cache": BYTECODE_CACHE}
