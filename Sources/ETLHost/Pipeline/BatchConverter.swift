import ETLPluginKit

/// Pass 2 of a sync: converts spooled cells into typed Arrow batches of the
/// resolved table schema.
///
/// Missing fields and empty untyped text in non-text columns load as NULL.
/// Inference saw every value, so conversions succeed, and they are exact
/// (``CellConversion``); a value can only fail when a source's type hint
/// was wrong, which is reported with the row and column (never the value)
/// and blames the source. Such a row is set aside instead while
/// ``rejectAllowance`` lasts (the user's `--max-bad-rows`).
final class BatchConverter {
    let schema: TableSchema
    let stream: String
    /// The types the source declared, by source field (catalog hints).
    let declared: [String: ColumnType]
    /// Rows that may still be set aside instead of failing the stream.
    var rejectAllowance = 0
    /// The rows set aside so far, for `_etl_rejects`.
    private(set) var rejected: [PluginContext.Reject] = []
    private let builder: ArrowBatchBuilder
    private var conversion = CellConversion()

    init(schema: TableSchema, stream: String, declared: [String: ColumnType] = [:]) throws {
        self.schema = schema
        self.stream = stream
        self.declared = declared
        builder = try ArrowBatchBuilder(schema: schema.arrowSchema, capacity: 1 << 16)
    }

    /// Converts `batch` and exports it into `array` (the caller owns it);
    /// returns the number of rows exported (rows set aside are not).
    @discardableResult
    func convert(_ batch: CellBatch, into array: UnsafeMutablePointer<ArrowArray>) throws -> Int {
        var exported = 0
        var sourceIndex: [String: Int] = [:]
        for (index, column) in batch.columns.enumerated() where sourceIndex[column.name] == nil {
            sourceIndex[column.name] = index
        }
        let inputs: [CellBatch.Column?] = schema.columns.map { column in sourceIndex[column.source].map { batch.columns[$0] } }
        let types = schema.columns.map(\.type)
        rows: for row in 0 ..< batch.rowCount {
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
                if let failure = conversion.append(kind, input.value(row), as: types[position], to: builder) {
                    builder.discardRow()
                    let column = schema.columns[position]
                    let message = message(failure, row: batch.firstRow + row + 1, column: column)
                    guard rejectAllowance > 0 else { throw HostError(.badData, message) }
                    rejectAllowance -= 1
                    rejected.append(PluginContext.Reject(
                        stream: stream, location: "stream '\(stream)' row \(batch.firstRow + row + 1), column '\(column.name)'",
                        reason: message, raw: Array(input.value(row))))
                    continue rows
                }
            }
            do { try builder.endRow() } catch {
                throw HostError(.badData, "stream '\(stream)' row \(batch.firstRow + row + 1): \(error.message)")
            }
            exported += 1
        }
        do { try builder.finish(into: array) } catch {
            throw HostError(.badData, "stream '\(stream)': \(error.message)")
        }
        return exported
    }

    /// The message for a value that did not convert: what is wrong with it,
    /// and whose type it did not fit (the source's declaration, or the
    /// host's inference, which saw the value and so should never fail).
    func message(_ failure: CellConversion.Failure, row: Int, column: TableSchema.Column) -> String {
        let place = "stream '\(stream)' row \(row), column '\(column.name)' (source field '\(column.source)')"
        let what: String = switch failure {
        case .notValid: "the value is not a valid \(column.type.rawValue)"
        case .notHeldByDouble: "the value is a number that a double cannot hold exactly (it would be stored as a nearby number)"
        case .notFiniteForJSON: "the value is a NaN or infinite double, which a JSON column cannot hold"
        }
        if let hint = declared[column.source] {
            return "\(place): \(what), and the source declared \(hint.rawValue) for this field; the source's type hint is wrong"
        }
        if failure == .notFiniteForJSON {
            return "\(place): \(what) (the column is json because of other values or the stored table); load NaN and infinities into a number column"
        }
        return "\(place): \(what), though the host inferred \(column.type.rawValue) from every value of the stream and the stored table: a bug in etl-host, please report it"
    }
}
