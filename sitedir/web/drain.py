"""The drain switch: while its file exists, /readyz answers 503 "draining".

A deploy takes an instance out of the load balancer's rotation first (`flask drain on`,
then wait for the balancer's probe interval and for the requests under way), restarts it
on the new code, and puts it back (`flask drain off`). A file, not a setting in memory:
every worker of an instance, and the command run beside them, see the same switch, and it
survives the restart (a restarted instance stays out until someone says it is good).
"""

import os

import click
from flask import current_app
from flask.cli import with_appcontext


def is_draining(app=None) -> bool:
    """True while the drain file exists."""
    path = (app or current_app).config.get("DRAIN_FILE")
    return bool(path and os.path.exists(path))


@click.command("drain")
@click.argument("state", type=click.Choice(["on", "off", "status"]))
@with_appcontext
def drain_command(state):
    """Take this instance out of rotation (on: /readyz answers 503), back (off), or tell."""
    path = current_app.config["DRAIN_FILE"]
    if state == "on":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "a"):
            pass
    elif state == "off" and os.path.exists(path):
        os.remove(path)
    draining = is_draining()
    click.echo(f"draining: /readyz answers 503 ({path})" if draining else "serving: not draining")
