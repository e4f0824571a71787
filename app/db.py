"""Engine, sessions and the schema-version guard.

The caller at the edge (a request dependency, a job wrapper) owns the transaction: helpers
below never commit. Work that must happen only once the data is durable is registered with
`after_commit` and runs after a successful commit; wake-ups noted with `app.queue.wake` are
sent then, all in one call.
"""

from __future__ import annotations

import importlib.resources
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import ARRAY, Connection, Engine, any_, bindparam, event, insert, inspect, text
from sqlalchemy.orm import Session as SASession
from sqlalchemy.orm import instrumentation, make_transient_to_detached
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel, create_engine

from app import queue
from app.settings import Settings, get_settings


def _alembic_dir() -> Path:
    """The migrations: `alembic/` at the top of a source checkout, or the `app.migrations`
    package that setup.py maps that directory to inside an installed wheel."""
    checkout = Path(__file__).resolve().parent.parent / "alembic"
    if (checkout / "env.py").is_file():
        return checkout
    return Path(str(importlib.resources.files("app.migrations")))


ALEMBIC_DIR = _alembic_dir()


def build_engine(settings: Settings) -> Engine:
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_timeout=settings.db_pool_timeout_s,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the API read while the in-process runner writes; FKs are off by default.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # SQLite's own lower() folds ASCII only, so `q=Ås`, a SCIM `displayName eq`, a
            # group search or a name's uniqueness check missed non-ASCII names that Postgres
            # (with a UTF-8 locale) finds. This one folds all of Unicode, a letter at a time
            # as Postgres does.
            dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)
            dbapi_conn.create_function("search_fold", 1, search_fold, deterministic=True)

        return engine
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        pool_timeout=settings.db_pool_timeout_s,
    )

    @event.listens_for(engine, "connect")
    def _custom_plans(dbapi_conn: Any, _record: Any) -> None:
        # psycopg prepares a statement on the server after five runs, and Postgres then may
        # switch to one generic plan for every parameter value. The user list's plans depend
        # on the values (a rare or a common `q=` pattern, a dense or an empty group, a cursor
        # deep in the table): with the generic plan, `GET /users?q=` took 43 ms instead of
        # 26 ms at 20,000 users. Planning each run costs well under a millisecond.
        with dbapi_conn.cursor() as cur:
            cur.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_conn.commit()

    return engine


def _unicode_lower(value: Any) -> Any:
    """SQLite's `lower()` for every Unicode letter (NULL stays NULL, a blob stays itself).

    A letter at a time, each to one letter, as Postgres's lower() does under a UTF-8 locale:
    Python's `str.lower()` looks at the context (a Σ at the end of a word becomes ς, so
    `%ΔΥΣ%` became `%δυς%` and no longer matched `δυσκολος`) and turns İ into two code
    points."""
    if value is None or isinstance(value, bytes):
        return value
    return "".join(_lower_letter(c) for c in str(value))


def _lower_letter(char: str) -> str:
    lowered = char.lower()
    return lowered if len(lowered) == 1 else lowered[0]


def search_fold(value: Any) -> Any:
    """How `q=` compares on SQLite (registered as `search_fold`): NFKC, as the query is
    normalized, then `lower()` as above. Postgres's search text is built the same way (migration
    0021)."""
    if value is None or isinstance(value, bytes):
        return value
    return _unicode_lower(unicodedata.normalize("NFKC", str(value)))


def pool_exhausted(engine: Engine) -> bool:
    """Whether every connection the pool may open is checked out (the next caller waits up
    to `DB_POOL_TIMEOUT_S` and is then shed with a 503)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool) or pool._max_overflow < 0:  # no pool, or unbounded
        return False
    return pool.checkedout() >= pool.size() + pool._max_overflow


@lru_cache
def get_engine() -> Engine:
    return build_engine(get_settings())


def after_commit(session: SASession, callback: Callable[[], Any]) -> None:
    """Run `callback` once the current transaction has committed (dropped on rollback)."""
    session.info.setdefault("after_commit", []).append(callback)


def _run_after_commit(session: SASession) -> None:
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()
    # Every wake-up the transaction noted goes out in one call (one Redis round trip).
    queue.send(queue.take_pending(session))


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            session.info.pop("after_commit", None)
            queue.drop_pending(session)
            raise
        _run_after_commit(session)


@contextmanager
def reading(engine: Engine | None = None) -> Iterator[Connection]:
    """A connection for one or two Core reads that need no snapshot together (a token's
    look-up, which every API request makes): in autocommit, so no BEGIN and no COMMIT go to
    the database, two of the four round trips such a read took, and no ORM session, whose
    machinery cost more than the query. Each statement sees what was committed when it
    began, as under READ COMMITTED. Nothing may be written through it: a write would commit
    on its own."""
    with _autocommit(engine or get_engine()).connect() as connection:
        yield connection


@lru_cache(maxsize=8)
def _autocommit(engine: Engine) -> Engine:
    return engine.execution_options(isolation_level="AUTOCOMMIT")


LOST_RACE_SQLSTATES = frozenset({"40P01", "40001"})
"""deadlock_detected and serialization_failure (PostgreSQL, Appendix A: Error Codes)."""


def lost_race(exc: BaseException) -> bool:
    """Whether the database failed this statement only because a concurrent transaction won
    a race with it: a deadlock (each waited on a key the other had written) or a
    serialization failure. Its transaction, or the savepoint it ran in, is rolled back and
    the same work may run again at once; a lost connection or a busy database is not this."""
    orig = getattr(exc, "orig", None)
    # psycopg 3 names the code `sqlstate`, psycopg2 `pgcode`.
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in LOST_RACE_SQLSTATES


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A nested transaction. When it rolls back, the wake-ups and after-commit callbacks it
    registered go with it: nothing may be announced for rows that were never written."""
    callbacks = len(session.info.get("after_commit", []))
    wakes = queue.mark(session)
    _begin_sqlite(session)
    nested = session.begin_nested()
    try:
        yield
    except BaseException:
        nested.rollback()
        del session.info.setdefault("after_commit", [])[callbacks:]
        queue.rewind(session, wakes)
        raise
    nested.commit()


def _begin_sqlite(session: Session) -> None:
    """Open the SQLite transaction before the first SAVEPOINT. The sqlite3 module begins one
    only before a write, so a SAVEPOINT issued after mere reads starts its own transaction and
    its RELEASE commits everything so far: a rolled-back import (a dry run, a rejected row)
    would have kept its rows. See SQLAlchemy's "Serializable isolation / Savepoints" notes on
    pysqlite.

    `BEGIN IMMEDIATE`, taking the write lock now (waiting out the busy timeout for it), since
    a savepoint guards writes: a deferred `BEGIN` whose savepoint reads first pins its snapshot
    there, and once another connection commits meanwhile SQLite refuses the write at once
    (`SQLITE_BUSY_SNAPSHOT`; the busy timeout does not apply), so two bulk creates at the same
    moment answered 503."""
    _open_sqlite_transaction(session, "BEGIN IMMEDIATE")


def _open_sqlite_transaction(session: Session, begin: str) -> None:
    """Run `begin` on a SQLite connection that has no transaction open yet; nothing on
    Postgres, or when one is already open (it keeps whatever lock it holds)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql(begin)


@event.listens_for(SASession, "do_orm_execute")
def _sqlite_row_lock(state: Any) -> None:
    """`SELECT ... FOR UPDATE` on SQLite: take the database's write lock before the read.

    SQLite has no row locks and drops `FOR UPDATE`, and the sqlite3 module opens a transaction
    only at the first write, so two requests merging into one JSON column (custom attributes)
    both read the old value and the later write wins: lost updates. `BEGIN IMMEDIATE` makes
    the second reader wait for the first one's commit, which is what the row lock means on
    Postgres. A transaction already open is left as it is: it began at a write, or at a
    `savepoint`, and holds the lock."""
    if not state.is_select:
        return
    statement = state.statement
    if getattr(statement, "_for_update_arg", None) is None:
        return
    _open_sqlite_transaction(state.session, "BEGIN IMMEDIATE")


def get_session() -> Iterator[Session]:
    """Request dependency: one transaction per request, committed before the response."""
    with transaction() as session:
        yield session


class SchemaMismatchError(RuntimeError):
    pass


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_schema(engine: Engine) -> None:
    """Refuse to run on an unmigrated or newer schema: both would corrupt data silently."""
    from alembic.script import ScriptDirectory

    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    cfg = _alembic_config(engine)
    known = {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}
    if current is None:
        raise SchemaMismatchError(
            "The database has no schema yet. Run `provisioner migrate` to create it."
        )
    if current not in known:
        raise SchemaMismatchError(
            f"The database schema ({current}) is newer than this release knows ({head}). "
            "Upgrade the service, or restore a database made by this version."
        )
    raise SchemaMismatchError(
        f"The database schema ({current}) is behind this release ({head}). "
        "Run `provisioner migrate` to upgrade it."
    )


def migrate(engine: Engine | None = None, revision: str = "head") -> None:
    from alembic import command

    engine = engine or get_engine()
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def insert_rows(
    session: Session,
    model: Any,
    rows: Sequence[Mapping[str, Any]],
    returning: Sequence[str] = (),
) -> list[Any]:
    """Insert many rows of `model`'s table, given as plain values (all with the same keys);
    returns the `returning` columns of each inserted row (none unless asked for), in no
    particular order.

    On Postgres: one `INSERT ... SELECT FROM jsonb_to_recordset(:rows)`, the batch sent as a
    single JSON parameter (encoded by orjson: the standard library's encoder costs more than
    the insert for a batch of 1,000 users with their audit entries). An executemany sends
    each row as its own statement in psycopg's pipeline, and a multi-row VALUES list is one
    statement of tens of thousands of parameters that psycopg parses in Python: for 1,000
    rows either costs several times the insert itself. Elsewhere (SQLite), or for a batch
    JSON cannot carry (a NUL character, which `jsonb` refuses), one executemany. Column
    defaults computed in Python fill the columns the rows leave out, as an ORM insert would."""
    if not rows:
        return []
    table = model.__table__
    keys = list(rows[0])
    fill: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in keys or default is None or column.primary_key:
            continue
        if default.is_scalar:
            fill[column.name] = default.arg
        elif default.is_callable:
            fill[column.name] = default.arg(None)
    full = [{**fill, **row} for row in rows] if fill else list(rows)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        payload = orjson.dumps(full, default=_json_value, option=orjson.OPT_NON_STR_KEYS)
        if b"\\u0000" not in payload:
            names = list(full[0])
            spec = ", ".join(
                f'"{n}" {table.c[n].type.compile(dialect=connection.dialect)}' for n in names
            )
            quoted = ", ".join(f'"{n}"' for n in names)
            tail = " RETURNING " + ", ".join(f'"{n}"' for n in returning) if returning else ""
            result = session.execute(
                text(
                    f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} '
                    f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x({spec}){tail}"
                ),
                {"rows": payload.decode()},
            )
            return list(result.all()) if returning else []
    if returning:
        statement = insert(table).returning(*(table.c[n] for n in returning))
        return list(session.execute(statement, full).all())
    session.execute(insert(table), full)
    return []


M = TypeVar("M", bound=SQLModel)


@cache
def _fields(model: type[SQLModel]) -> tuple[tuple[str, Any], ...]:
    """(name, field info) of each field of a table model, read once: pydantic's
    `model_fields` costs tens of microseconds a read."""
    return tuple(model.model_fields.items())


def new_object(model: type[M], **values: Any) -> M:
    """A new (transient) object of table model `model`, equal to `model(**values)`: the same
    fields, the fields left out at their defaults (a factory called), the same fields-set.

    For objects made by the thousand (a bulk create's tasks and assignments): SQLModel's
    `__init__` sets each field through `__setattr__`, SQLAlchemy's instrumentation and
    pydantic's in turn, about 65 microseconds an object, 9 times what this costs. Here the
    object is made as SQLAlchemy makes one it loads (`ClassManager.new_instance`, which runs
    SQLModel's `__new__` for its pydantic state) and its values are put in place at once. No
    validation is lost: a table model's `__init__` does not validate either. Nothing listens
    for SQLAlchemy's `init` event, which this does not fire."""
    obj: M = instrumentation.manager_of_class(model).new_instance()
    state: dict[str, Any] = {}
    for name, info in _fields(model):
        if name in values:
            state[name] = values[name]
        elif not info.is_required():
            state[name] = info.get_default(call_default_factory=True)
    unknown = values.keys() - state.keys()
    if unknown:
        raise TypeError(f"{model.__name__} has no field {sorted(unknown)[0]!r}")
    obj.__dict__.update(state)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    return obj


def insert_objects(session: Session, objects: Sequence[Any], key: Sequence[str]) -> None:
    """Insert these new objects of one table (transient, or pending in `session`) with
    `insert_rows`, and attach them to the session as persistent rows with their ids: what a
    flush does for them. The ORM's own insert of a batch is a multi-row VALUES statement that
    psycopg parses in Python (for 1,000 assignments or tasks it costs more than Postgres
    takes to run it), and building its parameters costs as much again.

    `key`: columns whose values tell the objects apart (a unique key of the table, such as
    (app_id, user_id)); the new ids are matched to the objects by it. Objects that share a key
    are flushed by the ORM instead. Every column must hold its final value (a model object
    built with its defaults does): nothing is read back but the ids."""
    if not objects:
        return
    if any(inspect(o).has_identity for o in objects):
        raise ValueError("insert_objects: an object is already a row")
    table = type(objects[0]).__table__
    (pk,) = (c.name for c in table.primary_key.columns)
    names = [c.name for c in table.columns if c.name != pk]
    rows = [{n: getattr(o, n) for n in names} for o in objects]
    keys = [tuple(row[k] for k in key) for row in rows]
    if len(set(keys)) != len(keys):
        session.add_all(objects)
        session.flush()
        return
    for o in objects:
        if o in session:
            session.expunge(o)
    returned = insert_rows(session, type(objects[0]), rows, returning=(pk, *key))
    ids = {tuple(r[1:]): r[0] for r in returned}
    for o, k in zip(objects, keys, strict=True):
        setattr(o, pk, ids[k])
        make_transient_to_detached(o)
        session.add(o)


def _json_value(value: Any) -> Any:
    """What `insert_rows` sends for a value orjson has no type for."""
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"insert_rows cannot send {type(value).__name__}")


def any_of(session: Session, column: Any, values: Iterable[Any]) -> Any:
    """`column IN (values)`; on Postgres `column = ANY(:values)`, the values sent as one array.

    An IN list is one bound parameter per value: for a batch of 1,000 or 10,000 keys psycopg
    parses a statement of that many placeholders in Python, which costs more than the query.
    Postgres uses the column's index for `= ANY(array)` as it does for IN."""
    listed = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, listed, type_=ARRAY(column.type)))
    return column.in_(listed)
