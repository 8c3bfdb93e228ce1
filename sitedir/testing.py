"""A fresh PostgreSQL database for a benchmark or a test (127.0.0.1:5432, trust auth).

Shared by tests/ and bench/, which both import the installed package; nothing in the app
imports it.
"""

import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def fresh_database(name: str) -> str:
    """Drop and create the database `name`; return its URL for DATABASE_URL."""
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return f"postgresql://postgres@127.0.0.1:5432/{name}"
