"""The legal pages a French public site must have: the accessibility statement (RGAA),
the legal notice (mentions légales) and the privacy page (données personnelles).

accessibility.py  what the statement says: the conformance level, the criteria not met, how
                  they were measured (pure data, kept in step with tests/browser/)
publisher.py      the operator's details from the configuration, or visible placeholders
strings.py        the short strings, French then English
views.py          the three pages, and the links of the footer every public page includes
                  (templates/legal/footer.html)

The publisher's name, address, director of publication, host and contacts are the
operator's to set (SITEDIR_PUBLISHER_*): sitedir invents none, and says so on the page
until they are set.
"""


def register_legal(app, api=None) -> None:
    """Wire the three pages and the footer's template global (plain pages: `api` unused)."""
    from sitedir.legal import views
    from sitedir.legal.strings import legal_strings

    app.register_blueprint(views.blp)
    app.add_template_global(views.legal_links, "legal_links")
    app.add_template_global(legal_strings, "legal_strings_for")
