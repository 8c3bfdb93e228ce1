"""The domain: pure Python facts about places, distances, statuses, studies and time.

Nothing here imports Flask, SQLAlchemy or marshmallow (import-linter's contract, run by
`./dev lint`); the features and the plumbing build on it.
"""
