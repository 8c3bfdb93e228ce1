"""URL rules whose `url_for` builders are compiled when first used, not at start-up.

Werkzeug compiles two builder functions for every rule it adds (an AST turned into code,
twice): three quarters of `create_app`'s CPU once the OpenAPI document is lazy
(web/lazy_spec.py), for some 85 rules of which a process builds URLs for a handful.
Matching is untouched: the rule's pattern and parts are still made at once.
"""

from flask import Flask
from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    """A Rule that compiles each of its two URL builders on its first call."""

    def _compile_builder(self, append_unknown: bool = True):
        # Werkzeug binds what this returns as the rule's `_build` (append_unknown False) or
        # `_build_unknown`; the first call compiles Werkzeug's own builder, puts it in
        # its place and answers with it. Two threads at once compile the same function.
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_then_replace(rule: Rule, **values):
            compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, compiled)
            return compiled(**values)

        return build_then_replace


def use_lazy_builders(app: Flask) -> None:
    """Make every rule added to `app` from now on a LazyBuilderRule."""
    app.url_rule_class = LazyBuilderRule
