import ETLPluginKit

/// Pass 2 of a sync: converts spooled cells into typed Arrow batches of the
/// resolved table schema.
///
/// Missing fields and empty untyped text in non-text columns load as NULL.
/// Inference saw every value, so conversions succeed; a value can only fail
/// when a source's type hint was wrong, which is reported with the row and
/// column (never the value).
final class BatchConverter {
    let schema: TableSchema
    let stream: String
    private let builder: ArrowBatchBuilder
    private var scratch: [UInt8] = []

    init(schema: TableSchema, stream: String) throws {
        self.schema = schema
        self.stream = stream
        builder = try ArrowBatchBuilder(schema: schema.arrowSchema, capacity: 1 << 16)
    }

    /// Converts `batch` and exports it into `array` (the caller owns it).
    func convert(_ batch: CellBatch, into array: UnsafeMutablePointer<ArrowArray>) throws {
        var sourceIndex: [String: Int] = [:]
        for (index, column) in batch.columns.enumerated() where sourceIndex[column.name] == nil {
            sourceIndex[column.name] = index
        }
        let inputs: [CellBatch.Column?] = schema.columns.map { column in sourceIndex[column.source].map { batch.columns[$0] } }
        let types = schema.columns.map(\.type)
        for row in 0 ..< batch.rowCount {
            for (position, input) in inputs.enumerated() {
                guard let input else {
                    builder.appendNull()
                    continue
                }
                let kind = input.kind(row)
                if kind == .null {
                    builder.appendNull()
                    continue
                }
                guard append(kind, input.value(row), as: types[position]) else {
                    builder.discardRow()
                    let column = schema.columns[position]
                    throw HostError(.badData, "stream '\(stream)' row \(batch.firstRow + row + 1), column '\(column.name)' (source field '\(column.source)'): the value is not a valid \(column.type.rawValue), which the source declared for this field")
                }
            }
            do { try builder.endRow() } catch {
                throw HostError(.badData, "stream '\(stream)' row \(batch.firstRow + row + 1): \(error.message)")
            }
        }
        do { try builder.finish(into: array) } catch {
            throw HostError(.badData, "stream '\(stream)': \(error.message)")
        }
    }

    /// Appends one non-null cell as `type`; false when it does not convert.
    private func append(_ kind: CellKind, _ value: UnsafeRawBufferPointer, as type: ColumnType) -> Bool {
        switch type {
        case .text, .decimal, .null:
            builder.appendUTF8(value, validate: false)
        case .json:
            switch kind {
            case .json, .number, .boolean, .integer, .double:
                builder.appendUTF8(value, validate: false)
            default:
                scratch.removeAll(keepingCapacity: true)
                JSONStringWriter.append(value, to: &scratch)
                scratch.withUnsafeBytes { builder.appendUTF8($0, validate: false) }
            }
        case .integer:
            if kind == .untyped, value.isEmpty { builder.appendNull(); return true }
            if kind == .boolean { builder.append(Int64(value.count == 4 ? 1 : 0)); return true }
            guard case let .value(number) = ValueParser.integer(value) else { return false }
            builder.append(number)
        case .number:
            if kind == .untyped, value.isEmpty { builder.appendNull(); return true }
            if kind == .boolean { builder.append(value.count == 4 ? 1.0 : 0.0); return true }
            guard let number = ValueParser.anyNumber(value) else { return false }
            builder.append(number)
        case .boolean:
            if kind == .untyped, value.isEmpty { builder.appendNull(); return true }
            guard let flag = ValueParser.bool(value) else { return false }
            builder.append(flag)
        case .date:
            if kind == .untyped, value.isEmpty { builder.appendNull(); return true }
            guard let days = ValueParser.date(value) else { return false }
            builder.appendDate32(daysSinceEpoch: days)
        case .timestamp:
            if kind == .untyped, value.isEmpty { builder.appendNull(); return true }
            if let micros = ValueParser.timestamp(value) {
                builder.appendTimestamp(microsecondsSinceEpoch: micros)
            } else if let days = ValueParser.date(value) {
                builder.appendTimestamp(microsecondsSinceEpoch: Int64(days) * 86_400_000_000)
            } else {
                return false
            }
        case .binary:
            builder.appendBinary(value)
        }
        return true
    }
}
