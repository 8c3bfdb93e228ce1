"""`flask accounts ...` and `flask tokens ...`: admins and their API tokens."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import update

from sitedir.admin import accounts, links
from sitedir.admin.auth import (
    DEFAULT_TOKEN_DAYS,
    audit,
    issue_token,
    token_expired,
)
from sitedir.admin.models import ROLES, SITE_ADMIN, TOKEN_SCOPES, Account, ApiToken
from sitedir.domain.clock import utc_now
from sitedir.extensions import changed_one_row, db
from sitedir.models import Site

accounts_cli = AppGroup("accounts", help="Admin accounts.")
tokens_cli = AppGroup("tokens", help="API tokens (shown once, stored hashed).")


def _check_password(password: str) -> None:
    """The page's rules: long enough, not too long, not among the most common."""
    problem = accounts.password_problem(password)
    if problem is not None:
        raise click.ClickException(problem.en)


def _need_public_url() -> None:
    """Refuse, before anything is written, to make links that would be bare paths."""
    problem = links.public_url_problem()
    if problem:
        raise click.UsageError(problem)


def _say_sent(sent: accounts.Sent, what: str) -> None:
    """How the link went (a mail server's failure on one line), then the link, last."""
    if sent.error:
        click.echo(f"{what}: email NOT sent ({sent.error}): pass the link on", err=True)
    click.echo(sent.url)
    if sent.error:
        raise SystemExit(1)


def _account(email: str) -> Account:
    account = db.session.scalar(db.select(Account).where(Account.email == email.lower()))
    if account is None:
        raise click.ClickException(f"no account {email!r}")
    return account


@accounts_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--site", "sites", multiple=True, help="A site id (repeat for several).")
@click.option("--password-stdin", is_flag=True, help="Read a password from standard input.")
def create_account(email, role, sites, password_stdin):
    """Create an admin account (token-only unless --password-stdin)."""
    try:
        email = accounts.normalise_email(email)
    except accounts.AccountError:
        raise click.ClickException("not an email address") from None
    if db.session.scalar(db.select(Account.id).where(Account.email == email)):
        raise click.ClickException(f"{email} already exists")
    if role == SITE_ADMIN and not sites:
        raise click.ClickException("a site admin needs at least one --site")
    found = db.session.scalars(db.select(Site).where(Site.slug.in_(sites))).all() if sites else []
    missing = set(sites) - {s.slug for s in found}
    if missing:
        raise click.ClickException(f"unknown site(s): {', '.join(sorted(missing))}")
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        _check_password(password)
    accounts.new_account(email, role, found, password)
    db.session.flush()
    audit(
        None,
        "account.create",
        f"account:{email}",
        None,
        {"role": role, "sites": sorted(sites), "password": bool(password)},
    )
    db.session.commit()
    click.echo(f"created {email} ({role}{': ' + ', '.join(sorted(sites)) if sites else ''})")


@accounts_cli.command("invite")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--site", "sites", multiple=True, help="A site id (repeat for several).")
def invite_account(email, role, sites):
    """Invite someone: an account without a password, and a 7-day single-use link.

    The link is emailed when SMTP is configured, and printed as the last line either way.
    Needs SITEDIR_PUBLIC_URL. A mail server that fails: the account is made, the link
    printed, and the command exits with status 1.
    """
    _need_public_url()
    try:
        account, sent = accounts.invite(email, role, list(sites), None)
    except accounts.AccountError as exc:
        raise click.ClickException(exc.en) from None
    if sent.emailed:
        click.echo(f"invited {account.email} ({role}); emailed")
    elif not sent.error:
        click.echo(f"invited {account.email} ({role}); not emailed (no SMTP): pass the link on")
    else:
        click.echo(f"invited {account.email} ({role})")
    _say_sent(sent, "invitation")


@accounts_cli.command("resend")
@click.argument("email")
def resend_link(email):
    """A new invitation (or password reset) link; older unused ones stop working."""
    _need_public_url()
    account = _account(email)
    try:
        sent = accounts.resend(account, None)
    except accounts.AccountError as exc:
        raise click.ClickException(exc.en) from None
    click.echo(f"link for {account.email}: " + ("emailed" if sent.emailed else "not emailed"))
    _say_sent(sent, "link")


@accounts_cli.command("set-password")
@click.argument("email")
@click.password_option("--password", prompt="Nouveau mot de passe / new password")
def set_password(email, password):
    """Set (or replace) an account's password; every session and unused link of it ends."""
    _check_password(password)
    account = _account(email)
    # Whoever had the old password, or an emailed link, may not use them any more.
    accounts.set_password(account, password)
    audit(None, "account.set_password", f"account:{account.email}", None, {"sessions_ended": True})
    db.session.commit()
    click.echo(f"password set for {account.email}")


@accounts_cli.command("list")
def list_accounts():
    """List the accounts: email, role, sites, active or disabled, password or tokens only."""
    for account in db.session.scalars(db.select(Account).order_by(Account.email)):
        sites = ",".join(sorted(s.slug for s in account.sites)) or "-"
        state = "active" if account.active else "disabled"
        login = "password" if account.password_hash else "tokens only"
        click.echo(f"{account.email}\t{account.role}\t{sites}\t{state}\t{login}")


@accounts_cli.command("disable")
@click.argument("email")
def disable_account(email):
    """Disable an account (someone left): no login, its sessions ended, its tokens revoked."""
    account = _account(email)
    try:
        revoked = accounts.disable(account, None)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{account.email} disabled; {len(revoked)} token(s) revoked")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--days", default=DEFAULT_TOKEN_DAYS, show_default=True, type=click.IntRange(1, 3650))
@click.option("--name", default=None, help="What the token is for.")
@click.option(
    "--scope",
    type=click.Choice(TOKEN_SCOPES),
    default="full",
    show_default=True,
    help="full: what the account may do; read: GET only; status: a site's status only.",
)
def create_token(email, days, name, scope):
    """Create a token; it is printed once, alone on the last line."""
    account = _account(email)
    row, token = issue_token(account, days=days, name=name, scope=scope)
    db.session.flush()
    audit(
        None,
        "token.create",
        f"account:{account.email}",
        None,
        {"token_id": row.id, "name": name, "days": days, "scope": scope},
    )
    db.session.commit()
    click.echo(f"token {row.id} for {account.email}, expires {row.expires_at:%Y-%m-%d}:")
    click.echo(token)


@tokens_cli.command("list")
@click.argument("email")
def list_tokens(email):
    """List an account's tokens (never the tokens themselves)."""
    for row in _account(email).tokens:
        if row.revoked_at:
            state = "revoked"
        elif token_expired(row):
            state = "expired"
        else:
            state = "active"
        used = row.last_used_at.strftime("%Y-%m-%d %H:%M") if row.last_used_at else "never"
        click.echo(
            f"{row.id}\t{row.name or '-'}\t{state}\texpires {row.expires_at:%Y-%m-%d}"
            f"\tlast used {used}"
        )


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id):
    """Revoke a token by its id."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"no token {token_id}")
    # A conditional UPDATE: a token revoked already (or meanwhile) keeps its first date
    # and gets no second audit entry.
    if not changed_one_row(
        update(ApiToken)
        .where(ApiToken.id == row.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    ):
        db.session.rollback()
        raise click.ClickException(f"token {token_id} was already revoked")
    audit(None, "token.revoke", f"account:{row.account.email}", None, {"token_id": token_id})
    db.session.commit()
    click.echo(f"token {token_id} revoked")
