"""Alembic environment: always runs on a connection handed in by `storage.db.Database`.

`o2o db upgrade` (and start-up) open an async connection and call Alembic inside
`run_sync`, so there is no second engine and no event-loop juggling here.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata


def _ours(obj: object, name: str | None, type_: str, reflected: bool, _compare: object) -> bool:
    # APScheduler keeps campaign timers in its own table (bot.pushes); not ours to manage.
    return not (type_ == "table" and name == "scheduled_jobs")


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `o2o db upgrade` (storage.db.Database)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
