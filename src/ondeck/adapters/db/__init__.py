"""SQLite and PostgreSQL storage through SQLAlchemy Core."""
