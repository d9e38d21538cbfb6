"""Parquet, the form large archives are kept in: read one row group at a time, columns named
as for CSV (``--text-column`` etc.).

Only the mapped columns are read, and only one row group is in memory at once. A row
group that cannot be read becomes one error record naming the rows it held, and the next
row groups are still read. Date columns may be strings or Parquet dates/timestamps.
Records without an id are named ``file:row`` (rows counted from 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flashpoint.inputs.records import NO_ID, ColumnMapping, FieldReader, InputRecord, failed, printable, where_in


def read_parquet(path: Path, columns: ColumnMapping, fields: FieldReader) -> Iterator[InputRecord]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = printable(path.name)
    try:
        table = pq.ParquetFile(path)
        names = table.schema_arrow.names
    except (OSError, pa.ArrowException) as error:
        yield failed(name, printable(str(path)), f"not a readable Parquet file ({error})")
        return
    if columns.text not in names:
        yield failed(name, printable(str(path)), f"no column {columns.text!r} (columns: {', '.join(names)}); "
                                                 "use --text-column")
        return
    roles = [(role, column) for role, column in (("id", columns.id), ("text", columns.text),
                                                 ("date", columns.date), ("lang", columns.lang))
             if column is not None and column in names]
    wanted = list(dict.fromkeys(column for _, column in roles))
    row = 0
    try:
        for group in range(table.num_row_groups):
            size = table.metadata.row_group(group).num_rows
            try:
                data = table.read_row_group(group, columns=wanted)
            except (OSError, pa.ArrowException) as error:
                yield failed(f"{name}:{row + 1}", f"{printable(str(path))} row group {group}",
                             f"cannot be read ({error}): rows {row + 1}-{row + size} are missing")
                row += size
                continue
            values = {column: data.column(column).to_pylist() for column in wanted}
            for offset in range(data.num_rows):
                row += 1
                get = {role: values[column][offset] for role, column in roles}
                yield fields.record(f"{name}:{row}", where_in(path, f"row {row}"), _or_no_id(get.get("id")), get.get("text"),
                                    get.get("date"), get.get("lang"))
    finally:
        table.close()


def _or_no_id(value: object) -> object:
    return NO_ID if value is None or value == "" else value
