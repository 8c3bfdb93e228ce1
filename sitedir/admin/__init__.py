"""Admin: accounts and tokens, scoped writes with history and audit, the /admin page."""

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def register_admin(app: Flask, api) -> None:
    """Wire the admin API, the admin page, CSRF on its forms, and the CLI groups."""
    from sitedir.admin import models  # noqa: F401 - the tables, for migrations
    from sitedir.admin.api import blp as api_blp
    from sitedir.admin.cli import accounts_cli, tokens_cli
    from sitedir.admin.views import blp as page_blp

    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(api_blp)
    app.register_blueprint(page_blp)
    csrf.init_app(app)
    # The API authenticates with a bearer header, which a browser never sends by itself:
    # no CSRF token there. Every form of the admin page needs one.
    csrf.exempt(api_blp)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(tokens_cli)
