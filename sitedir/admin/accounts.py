"""Making an admin account: one function for the `flask accounts create` command and tests."""

from collections.abc import Iterable

from sitedir.admin.auth import hash_password
from sitedir.admin.models import Account
from sitedir.clock import utc_now
from sitedir.extensions import db
from sitedir.models import Site


def new_account(
    email: str, role: str, sites: Iterable[Site] = (), password: str | None = None
) -> Account:
    """Add an account to the session (uncommitted) and return it; token-only without a
    password, which is stored hashed (argon2)."""
    account = Account(
        email=email,
        role=role,
        created_at=utc_now(),
        sites=list(sites),
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(account)
    return account
