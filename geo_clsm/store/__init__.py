"""The database of record: schema and migrations, SQLite and PostgreSQL, history, users, reports.

``open_store`` (:mod:`.startup`) is what the service calls at start-up: a brand-new database is created at
the latest schema and filled from the shipped layers; an existing one must already be at
the latest schema (else :class:`SchemaBehindError` says to run ``geo-clsm db upgrade``).
"""
