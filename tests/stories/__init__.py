"""Stories: people talking to the dispatcher and the services underneath it, each on
SQLite and on PostgreSQL (the `db` fixture of tests/conftest.py), in this process."""
