"""Prints an Arrow IPC file as JSON, read with pyarrow: the schema (name,
type, nullable, metadata) and every value (doubles as their 64-bit
patterns, binary as byte lists, dates as days, timestamps as
microseconds), so a test can compare them exactly.

usage: python3 dump_ipc.py FILE
"""
import json
import struct
import sys

import pyarrow as pa
import pyarrow.ipc


def plain(array):
    """The array without an extension type (arrow.json is one since pyarrow 19)."""
    if isinstance(array.type, pa.BaseExtensionType):
        return array.storage
    return array


def value(array_type, item):
    if item is None:
        return None
    if pa.types.is_floating(array_type):
        return "bits:%d" % struct.unpack("<Q", struct.pack("<d", item))[0]
    if pa.types.is_binary(array_type):
        return list(item)
    return item


def column_values(array):
    array = plain(array)
    kind = array.type
    if pa.types.is_date32(kind):
        array = array.cast(pa.int32())
    elif pa.types.is_timestamp(kind):
        array = array.cast(pa.int64())
    return [value(kind, item) for item in array.to_pylist()]


def main(path):
    reader = pa.ipc.open_file(path)
    schema = reader.schema
    fields = []
    for field in schema:
        metadata = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
        storage = field.type
        if isinstance(field.type, pa.BaseExtensionType):
            metadata["ARROW:extension:name"] = field.type.extension_name
            storage = field.type.storage_type
        fields.append({"name": field.name, "type": str(storage),
                       "nullable": field.nullable, "metadata": metadata})
    batches = []
    for index in range(reader.num_record_batches):
        batch = reader.get_batch(index)
        batches.append([column_values(batch.column(i)) for i in range(batch.num_columns)])
    print(json.dumps({"fields": fields, "batches": batches}))


if __name__ == "__main__":
    main(sys.argv[1])
