"""The schema revision this predtrack needs, importable without SQLAlchemy.

The newest migration; a test checks it equals Alembic's head. Every command checks the
database against it with one cheap SELECT instead of loading Alembic (~300 ms), and the
driver-level score path (predtrack/direct_db.py) reads it without loading SQLAlchemy at all.
"""

SCHEMA_HEAD = "0004"
