"""Schema migrations of the platform's database (Alembic), applied at every service's start.

Tables are created from the models (`create_all`: new tables, on any backend); a change to an existing
table (a column added, renamed, retyped) is a revision in `versions/`, written to be idempotent so it
is correct both on a database that predates it and on one `create_all` just made. Every service runs
`upgrade()` under a lock at start; `llm4gov db upgrade` does the same by hand.
"""
