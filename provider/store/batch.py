"""The statements of one store commit, batched as few as DuckDB allows (each costs ~0.3 ms there).

Pure: builds SQL text and parameters, runs nothing (provider/store/duck.py executes them).

>>> batch = Batch(); batch.insert("rules", ("arn-1", "listener-1", 10, "{}")); batch.statements()
[('INSERT INTO rules VALUES (?, ?, ?, ?)', ['arn-1', 'listener-1', 10, '{}'])]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FEW = 4  # up to this many rows a statement per key beats one statement joined against the whole key list

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Child:
    """Rows owned by one parent in their own table (a resource's tags). The first ``key_len`` columns, the
    parent's first, are the primary key; ``unique`` indexes the other columns under a UNIQUE constraint."""

    name: str
    columns: tuple[str, ...]
    key_len: int
    unique: tuple[int, ...] = ()


@dataclass
class Batch:
    """The statements of one commit, each kept to the fewest (every statement costs ~0.3 ms in DuckDB).

    They run as every DELETE, then every UPDATE, then every INSERT. UPDATEs never change a key or unique column
    (a row whose unique columns change is deleted and inserted), so the unique checks only ever see final
    values: two rules swapping priorities in one transaction never collide midway.
    """

    deletes: dict[tuple[str, tuple[str, ...]], list[Row]] = field(default_factory=dict)  # keys
    updates: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[Row]] = field(default_factory=dict)
    inserts: dict[str, list[Row]] = field(default_factory=dict)

    def delete(self, name: str, columns: tuple[str, ...], key: Row) -> None:
        self.deletes.setdefault((name, columns), []).append(key)

    def update(self, name: str, keys: tuple[str, ...], values: tuple[str, ...], row: Row) -> None:
        """row: the key, then the new values."""
        self.updates.setdefault((name, keys, values), []).append(row)

    def insert(self, name: str, row: Row) -> None:
        self.inserts.setdefault(name, []).append(row)

    def children(self, child: Child, parent: Any, old: list[Row], new: list[Row]) -> None:
        """Replace parent's rows ``old`` (as stored) by ``new``."""
        if old == new:
            return
        n = child.key_len
        if len(old) == len(new) and all(
            o[:n] == r[:n] and all(o[u] == r[u] for u in child.unique) for o, r in zip(old, new, strict=True)
        ):  # same keys, only plain values changed (a tag's value): update those rows in place
            for o, r in zip(old, new, strict=True):
                if o != r:
                    self.update(child.name, child.columns[:n], child.columns[n:], r)
            return
        if old:
            self.delete(child.name, child.columns[:1], (parent,))
        for row in new:
            self.insert(child.name, row)

    def statements(self) -> list[tuple[str, list[Any]]]:
        out: list[tuple[str, list[Any]]] = []
        for (name, columns), gone in self.deletes.items():
            if len(gone) <= FEW:  # equality on the key uses the index; a join would scan the table
                out += [(f"DELETE FROM {name} WHERE {_match(columns)}", list(key)) for key in gone]
            else:
                match = " AND ".join(f"{name}.{c} = k.{c}" for c in columns)
                out.append((f"DELETE FROM {name} USING {_unnest(columns)} AS k WHERE {match}", _columns(gone)))
        for (name, keys, values), rows in self.updates.items():
            if len(rows) <= FEW:
                sets = ", ".join(f"{c} = ?" for c in values)
                sql = f"UPDATE {name} SET {sets} WHERE {_match(keys)}"
                out += [(sql, [*row[len(keys) :], *row[: len(keys)]]) for row in rows]
            else:
                out.append(_joined_update(name, keys, values, rows))
        for name, rows in self.inserts.items():
            if len(rows) <= FEW:  # VALUES plans a little faster than unnest for a handful of rows
                tuples = ", ".join(f"({', '.join('?' for _ in row)})" for row in rows)
                out.append((f"INSERT INTO {name} VALUES {tuples}", [v for row in rows for v in row]))
            else:
                out.append((f"INSERT INTO {name} SELECT {', '.join('unnest(?)' for _ in rows[0])}", _columns(rows)))
        return out


def _match(columns: tuple[str, ...]) -> str:
    return " AND ".join(f"{c} = ?" for c in columns)


def _unnest(columns: tuple[str, ...]) -> str:
    """A derived table of parameter lists, one per column (``_columns``): any number of rows in one statement."""
    return f"(SELECT {', '.join(f'unnest(?) AS {c}' for c in columns)})"


def _joined_update(name: str, keys: tuple[str, ...], values: tuple[str, ...], rows: list[Row]) -> tuple[str, list[Any]]:
    sets = ", ".join(f"{c} = k.{c}" for c in values)
    match = " AND ".join(f"{name}.{c} = k.{c}" for c in keys)
    return f"UPDATE {name} SET {sets} FROM {_unnest(keys + values)} AS k WHERE {match}", _columns(rows)


def _columns(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    """Rows -> one list per column, the shape ``unnest(?)`` wants (one statement for any number of rows)."""
    return [list(col) for col in zip(*rows, strict=True)]
