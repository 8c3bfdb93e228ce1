"""The `cursor` of a paged list in the query: its key, or a 400 the API documents."""

from flask_smorest import abort

from sitedir.directory.paging import BadCursor, decode_cursor
from sitedir.i18n import t


def page_cursor(args: dict) -> str | None:
    """The key a page starts after, from the query's `cursor`; a 400 for one not made here."""
    if "cursor" not in args:
        return None
    try:
        return decode_cursor(args["cursor"])
    except BadCursor:
        abort(
            400,
            message=t(
                "Curseur de page invalide : suivez le lien « next ».",
                "Invalid page cursor: follow the next link.",
            ),
            errors={"query": {"cursor": ["not a cursor from this API"]}},
        )
