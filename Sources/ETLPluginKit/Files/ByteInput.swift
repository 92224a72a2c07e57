/// Where the kit's streaming readers (``CSVReader``, ``JSONLinesReader``)
/// get their bytes from: `read(into:)` fills a buffer and returns how many
/// bytes it wrote, 0 at the end of the input.
///
/// The protocol is declared as ``CSVInput``, where it was born; these
/// names say what it is for every reader. ``FileInput`` reads a file with
/// plain `read(2)` calls, ``MemoryInput`` serves bytes in memory (at most
/// `maxReadSize` per read, so that tests can cut records anywhere).
///
/// ```swift
/// let reader = JSONLinesReader(input: try FileInput(path: "events.jsonl"),
///                              fileName: "events.jsonl")
/// let inMemory = JSONLinesReader(input: MemoryInput(#"{"a":1}"#, maxReadSize: 3),
///                                fileName: "test.jsonl")
/// ```
public typealias ByteInput = CSVInput

/// A file read with plain `read(2)` calls, closed on deinit (see
/// ``CSVFileInput``).
public typealias FileInput = CSVFileInput

/// Bytes in memory, served at most `maxReadSize` at a time (see
/// ``CSVMemoryInput``).
public typealias MemoryInput = CSVMemoryInput
