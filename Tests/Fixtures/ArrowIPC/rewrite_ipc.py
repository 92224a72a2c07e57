"""Reads an Arrow IPC file with pyarrow and writes it again with pyarrow's
own writer, as an IPC file with the given buffer compression, so a test
can check that etl-host reads files it did not write.

usage: python3 rewrite_ipc.py IN OUT none|lz4|zstd
"""
import sys

import pyarrow as pa
import pyarrow.ipc


def main(source, target, codec):
    table = pa.ipc.open_file(source).read_all()
    options = pa.ipc.IpcWriteOptions(compression=None if codec == "none" else codec)
    with pa.ipc.new_file(target, table.schema, options=options) as writer:
        for batch in table.to_batches():
            writer.write_batch(batch)


if __name__ == "__main__":
    main(*sys.argv[1:4])
