import ETLPluginKit
#if canImport(Glibc)
import Glibc
#endif

/// The batches of one JSON Lines file in the `members` shape (the
/// default; ABI 1.4): each record's top-level members in columns of their
/// own, from the one scan that also validates the line.
///
/// The columns are fixed when the stream opens, from a sample (the first
/// batch): `_line` (int64), then one utf8 column per key of the sample in
/// first-seen order, annotated `etl.member = 1` (each value the member's
/// JSON text byte for byte: `"text"` with its quotes and escapes, `12.5`,
/// `true`, `[1,2]`; JSON `null` and a missing key are a null), then
/// `_record` (`etl.record = 1`, nullable): the line's exact bytes for a
/// record whose members do not all fit the columns (a key not in the
/// sample, a key that repeats in the record, a key the host treats
/// specially), with its member columns null; the host flattens those as
/// it does in the `lines` shape, so its errors and repeated-key names
/// stay the same.
///
/// Sample keys are taken up to the first record that does not fit, so
/// that every member column's key is first seen before any key that only
/// `_record` holds: the table's column order stays first-seen order. At
/// most ``maxMemberColumns`` keys get a column; records with more travel
/// whole.
final class JSONLMemberSource: BatchSource {
    /// The most keys that get a column of their own: a row costs one slot
    /// per column, so a stream of thousands of sparse keys is cheaper as
    /// whole records.
    static let maxMemberColumns = 1_024

    let schema: ArrowBatchSchema
    private let reader: JSONLinesReader
    private var finished = false
    /// The member columns' keys (column `index + 1` of the batch).
    private let keys: [[UInt8]]
    /// The keys' bytes, end to end, and where each ends (no retain per lookup).
    private let keyBytes: UnsafeMutablePointer<UInt8>
    private let keyEnds: UnsafeMutablePointer<Int>
    /// The sample's lines, emitted as the first batch.
    private var sample: (bytes: [UInt8], ends: [Int], lines: [Int])?
    /// The error that ended the sample, thrown after its rows.
    private var sampleFailure: PluginError?
    /// Per member column, the current record's value: start and length
    /// (-1 no member, -2 JSON null: both a null).
    private let slotStarts: UnsafeMutablePointer<UnsafeRawPointer?>
    private let slotLengths: UnsafeMutablePointer<Int>

    init(file: FileSet.File, host: HostContext) throws {
        reader = JSONLinesReader(input: try FileInput(path: file.path), fileName: file.path)
        let stream = file.stream
        reader.badRecordHandler = { location, raw, reason in
            host.reject(stream: stream, location: location, raw: raw, reason: reason)
        }
        var bytes: [UInt8] = []
        var ends: [Int] = []
        var lines: [Int] = []
        var keys: [[UInt8]] = []
        /// Per key, the last sample record that had it (a repeat within a record does not fit).
        var seenIn: [Int] = []
        var open = true
        // A bad line in the sample fails the first batch, not the open: the
        // stream's error is the one a record batch would give.
        var failure: PluginError?
        while ends.count < JSONLLineSource.batchRows, bytes.count < JSONLLineSource.batchBytes {
            let next: (bytes: UnsafeRawBufferPointer, line: Int, members: JSONMembers)?
            do { next = try reader.nextRecordMembers() } catch {
                failure = error
                break
            }
            guard let record = next else { break }
            // The sample is read when the stream opens: a cancel must not wait for all of it.
            if ends.count % 4_096 == 4_095 { try host.checkCancelled("reading stream \"\(stream)\"") }
            bytes.append(contentsOf: record.bytes)
            ends.append(bytes.count)
            lines.append(record.line)
            guard open else { continue }
            // Known keys are found without hashing or copying (the next column first); only new ones are copied.
            let number = ends.count
            var fresh: [[UInt8]] = []
            var probe = 0
            for member in record.members {
                let key = member.key
                if let index = Self.find(key, in: keys, from: probe) {
                    guard seenIn[index] != number else {
                        open = false
                        break
                    }
                    seenIn[index] = number
                    probe = index + 1
                } else {
                    let copy = Array(key)
                    guard Self.eligible(key), !fresh.contains(copy) else {
                        open = false
                        break
                    }
                    fresh.append(copy)
                }
            }
            guard open, keys.count + fresh.count <= Self.maxMemberColumns else {
                open = false
                continue
            }
            keys += fresh
            seenIn += Array(repeating: number, count: fresh.count)
        }
        self.keys = keys
        let flat = keys.flatMap { $0 }
        keyBytes = .allocate(capacity: max(1, flat.count))
        for (index, byte) in flat.enumerated() { keyBytes[index] = byte }
        keyEnds = .allocate(capacity: max(1, keys.count))
        var end = 0
        for (index, key) in keys.enumerated() {
            end += key.count
            keyEnds[index] = end
        }
        slotStarts = .allocate(capacity: max(1, keys.count))
        slotLengths = .allocate(capacity: max(1, keys.count))
        sample = (bytes, ends, lines)
        sampleFailure = failure
        schema = ArrowBatchSchema(
            [ArrowField(JSONLinesReader.lineColumn, .int64, nullable: false)]
                + keys.map { ArrowField(String(decoding: $0, as: UTF8.self), .utf8, annotation: .member) }
                + [ArrowField(JSONLinesReader.recordColumn, .utf8, annotation: .record)])
    }

    /// Whether a key may have a column: not empty, not one of the batch's
    /// own names, not one the host treats specially (a NUL first byte, `#`
    /// as in the names of repeated keys).
    private static func eligible(_ key: UnsafeRawBufferPointer) -> Bool {
        guard let first = key.first, first != 0, memchr(key.baseAddress!, Int32(UInt8(ascii: "#")), key.count) == nil
        else { return false }
        let name = String(decoding: key, as: UTF8.self)
        return name != JSONLinesReader.lineColumn && name != JSONLinesReader.recordColumn
    }

    /// The index of `key` in `keys`, looking at `start` first, then on
    /// round the list; `nil` when it is not there.
    private static func find(_ key: UnsafeRawBufferPointer, in keys: [[UInt8]], from start: Int) -> Int? {
        let count = keys.count
        var index = start
        for _ in 0 ..< count {
            if index >= count { index = 0 }
            let found = keys[index].withUnsafeBytes { known in
                known.count == key.count && (key.count == 0 || memcmp(known.baseAddress!, key.baseAddress!, key.count) == 0)
            }
            if found { return index }
            index += 1
        }
        return nil
    }

    func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
        guard !finished else { return false }
        if let sample {
            self.sample = nil
            var start = 0
            try sample.bytes.withUnsafeBytes { all in
                for (index, end) in sample.ends.enumerated() {
                    let line = UnsafeRawBufferPointer(rebasing: all[start ..< end])
                    start = end
                    // The sample's lines were validated when read: scanned again for their members.
                    let members = try scanner.scan(line)
                    try append(line, line: sample.lines[index], members: members, to: builder)
                }
            }
            if let sampleFailure { throw sampleFailure }
            return true
        }
        var rows = 0
        var bytes = 0
        while rows < JSONLLineSource.batchRows, bytes < JSONLLineSource.batchBytes {
            guard let record = try reader.nextRecordMembers() else {
                finished = true
                return rows > 0
            }
            try append(record.bytes, line: record.line, members: record.members, to: builder)
            rows += 1
            bytes += record.bytes.count
        }
        return true
    }

    private let scanner = JSONObjectScanner(duplicateKeys: .keepAll)

    /// One row: the members into their columns, or the whole line into `_record`.
    private func append(_ bytes: UnsafeRawBufferPointer, line: Int, members: JSONMembers,
                        to builder: ArrowBatchBuilder) throws {
        let count = keys.count
        let starts = slotStarts, lengths = slotLengths, keyBytes = self.keyBytes, keyEnds = self.keyEnds
        for index in 0 ..< count { lengths[index] = -1 }
        var fits = true
        // Keys mostly come in column order: try the column after the last one first.
        var next = 0
        for member in members {
            let key = member.key
            var column = -1
            var probe = next
            for _ in 0 ..< count {
                if probe == count { probe = 0 }
                let keyStart = probe == 0 ? 0 : keyEnds[probe - 1]
                if keyEnds[probe] - keyStart == key.count,
                   key.count == 0 || memcmp(key.baseAddress!, keyBytes + keyStart, key.count) == 0 {
                    column = probe
                    break
                }
                probe += 1
            }
            // A key met twice (even after a null) travels whole: the host names its repeats.
            guard column >= 0, lengths[column] == -1 else {
                fits = false
                break
            }
            next = column + 1
            if member.kind == .null {
                lengths[column] = -2 // JSON null: a null, as a missing key
            } else {
                starts[column] = member.raw.baseAddress
                lengths[column] = member.raw.count
            }
        }
        builder.append(Int64(line))
        if fits {
            builder.appendUTF8Values(starts: starts, lengths: lengths, count: count)
            builder.appendNull()
        } else {
            for _ in 0 ..< count { builder.appendNull() }
            builder.appendUTF8(bytes, validate: false)
        }
        do {
            try builder.endRow()
        } catch {
            throw PluginError(error.code, "\(reader.fileName) line \(line): \(error.message)")
        }
    }

    deinit {
        slotStarts.deallocate()
        slotLengths.deallocate()
        keyBytes.deallocate()
        keyEnds.deallocate()
    }
}
