"""Public events: the outbox written with every change, the change feed, signed webhooks.

The webhooks' admin API lives with the other admin routes (sitedir.admin.webhooks_api):
one bearer check, one rate-limit budget, no CORS.
"""


def register_events(app, api) -> None:
    """Wire the change feed (JSON and Atom) and `flask webhooks`."""
    from sitedir.events import models  # noqa: F401 - the tables, for migrations
    from sitedir.events.cli import feed_cli, webhooks_cli
    from sitedir.events.feed import blp as feed_blp

    api.register_blueprint(feed_blp)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(feed_cli)
