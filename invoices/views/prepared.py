"""A one-row query built and compiled by the ORM once per process, then only rerun.

The dashboard's figures are one query of a dozen subqueries: building and compiling it costs
the ORM several times what PostgreSQL takes to run it (bench/pages.py). Its SQL never changes;
only its parameters do (the provider, the month, the time). `PreparedRow` compiles the query
for sample arguments, notes where each argument lands among the SQL parameters, and from then
on runs the same SQL with the request's arguments in those places, passed to the database as
the ORM passes them (SQLite, the demo's database, takes dates and times as text).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet

# Where an argument lands among the SQL parameters: its name, and how the ORM hands it over.
Slot = tuple[str, Callable[[Any], Any]]


class PreparedRow:
    """The single row of `build(**arguments)`, a `.values()` queryset, as a dict.

    `samples` gives two sets of sample arguments, different in every argument. The query is
    compiled for both: a parameter that differs between them must be one of the arguments
    itself (not a value derived from one, such as `now - 48 h`, which could not be replaced),
    or preparing fails loudly instead of running a stale value.
    """

    def __init__(self, build: Callable[..., QuerySet], samples: tuple[dict, dict]) -> None:
        self._build = build
        self._samples = samples
        self._prepared: (
            tuple[str, list, dict[int, Slot], list[str], Any, tuple[Any, list]] | None
        ) = None

    def _compile(self, arguments: dict) -> tuple[str, Any, str, list]:
        queryset = self._build(**arguments)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        return queryset.db, compiler, sql, list(params)

    def _prepare(self) -> tuple[str, list, dict[int, Slot], list[str], Any, tuple[Any, list]]:
        first, second = self._samples
        using, compiler, sql, params = self._compile(first)
        _, _, other_sql, other_params = self._compile(second)
        if other_sql != sql or len(other_params) != len(params):
            raise ValueError("the query's SQL depends on its arguments: it cannot be prepared")
        adapters = _adapters(connections[using].ops)
        slots: dict[int, Slot] = {}
        for position, (value, other) in enumerate(zip(params, other_params, strict=True)):
            if value == other:
                continue
            found = {
                name: adapt
                for name in first
                for adapt in adapters  # where two fit (a date on PostgreSQL), they agree
                if _same(adapt(first[name]), value) and _same(adapt(second[name]), other)
            }
            if len(found) != 1:
                raise ValueError(f"SQL parameter {position} is no argument as given: {value!r}")
            slots[position] = next(iter(found.items()))
        if {name for name, _ in slots.values()} != set(first):
            raise ValueError("an argument does not reach the SQL unchanged")
        columns = [alias for _, _, alias in compiler.select]
        converters = compiler.get_converters([expression for expression, _, _ in compiler.select])
        return sql, params, slots, columns, using, (compiler, converters)

    def get(self, **arguments) -> dict:
        if self._prepared is None:
            self._prepared = self._prepare()
        sql, params, slots, columns, using, (compiler, converters) = self._prepared
        values = list(params)
        for position, (name, adapt) in slots.items():
            values[position] = adapt(arguments[name])
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)
            rows = cursor.fetchall()
        if len(rows) != 1:
            raise ValueError(f"a prepared row query returned {len(rows)} rows")
        row = rows[0]
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        return dict(zip(columns, row, strict=True))


def _adapters(ops) -> tuple[Callable[[Any], Any], ...]:
    """The ways the ORM may hand an argument to the database, the plainest last: as a time, as
    a date (both as text on SQLite, unchanged on PostgreSQL), or as it is."""

    def as_time(value):
        return ops.adapt_datetimefield_value(value) if isinstance(value, dt.datetime) else None

    def as_date(value):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return ops.adapt_datefield_value(value)
        return None

    return (as_time, as_date, lambda value: value)


def _same(argument, value) -> bool:
    return argument is not None and type(argument) is type(value) and argument == value
