"""Taking a request in: the steps after the schema, the same for the API and the page."""

from sitedir.contact import form_token, service
from sitedir.contact.limits import email_retry_after
from sitedir.contact.models import ContactRequest
from sitedir.models import Site


class TooMany(Exception):
    """This email sent too many requests lately: retry after `seconds`."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def submit(site: Site, data: dict, lang: str) -> ContactRequest:
    """Store a request that ContactRequestInSchema loaded, and send its emails.

    Raises form_token.TokenRefused (missing, altered, too fast, too old),
    TooMany (per email) and service.TokenSpent (a token used before); nothing is stored then.
    """
    nonce = form_token.check(data["token"], site.slug)
    wait = email_retry_after(data["email"])
    if wait is not None:
        raise TooMany(wait)
    return service.create(site, data, nonce, data.get("lang") or lang)
