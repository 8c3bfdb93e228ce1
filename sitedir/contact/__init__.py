"""Contact requests: a referring doctor asks a site to contact them (or reports an error in
its data), through the page, the widget's frame or the API; routed to the site's admins.

models.py       the table (the doctor's details only, never a patient's)
identifying.py  French phone numbers, RPPS numbers, and what a message must not hold (pure)
form_token.py   the signed form token: minimum fill time, maximum age, spent once
schemas.py      the one validation, for the API and the page
limits.py       per address and per email, on the app's Flask-Limiter storage
intake.py       the steps after the schema, shared by the API and the page
service.py      store, email, scope, handle, purge
mails.py        the emails' words
api.py          the public POST and form token; the admin API's list
views.py        the form as a page (full size or in the frame), and the card's links
admin_views.py  the admin page's "Demandes de contact"
cli.py          `flask contact-requests purge`

This file imports nothing at module level, so that identifying.py stays importable
without the web stack (tests/test_contact_identifying.py checks it).
"""


def register_contact(app, api) -> None:
    """Wire the API, the pages, the card's template helpers, the limits and the CLI.

    Called before register_admin: the admin read joins the admin API's blueprint, which
    must hold it when it is registered.
    """
    from sitedir.admin import csrf
    from sitedir.contact import admin_views, models, views  # noqa: F401
    from sitedir.contact import api as contact_api
    from sitedir.contact.cli import contact_cli
    from sitedir.contact.limits import limit_addresses
    from sitedir.contact.strings import contact_strings

    api.register_blueprint(contact_api.blp)
    app.register_blueprint(views.blp)
    app.register_blueprint(admin_views.blp)
    # The public form is protected by its signed token, not a session: nothing to forge
    # (and the widget's frame has no cookie to carry a CSRF token).
    csrf.exempt(views.blp)
    csrf.exempt(contact_api.blp)
    limit_addresses(app, ("contact_api.ContactRequests", "contact.form"))
    app.add_template_global(views.contact_href, "contact_href")
    app.add_template_global(contact_strings, "contact_strings")
    app.cli.add_command(contact_cli)
