import ETLPluginKit

/// The Arrow IPC `Schema` flatbuffer (Schema.fbs) of a batch schema, and
/// back.
///
/// The v1 types map as: bool -> `Bool`, int64 -> `Int{64, signed}`,
/// float64 -> `FloatingPoint{DOUBLE}`, utf8 -> `Utf8`, binary -> `Binary`,
/// date32 -> `Date{DAY}`, timestamp[us, UTC] -> `Timestamp{MICROSECOND,
/// "UTC"}`, null -> `Null`. Field metadata (the JSON extension, decimals as
/// `etl.decimal` utf8, `etl.source_type`, ...) is the field's
/// `custom_metadata`, pair for pair.
enum IPCSchema {
    /// Union ids of `Type` (Schema.fbs).
    enum TypeID: UInt8 {
        case null = 1, int = 2, floatingPoint = 3, binary = 4, utf8 = 5, bool = 6, date = 8, timestamp = 10
    }

    /// The `Schema` table of `schema`.
    static func table(_ schema: ArrowBatchSchema) -> FlatTable {
        var table = FlatTable()
        table.set(0, int16: 0)  // endianness: Little
        table.set(1, tables: schema.fields.map(field))
        return table
    }

    private static func field(_ field: ArrowField) -> FlatTable {
        var table = FlatTable()
        table.set(0, string: field.name)
        table.set(1, bool: field.nullable)
        let (id, type) = typeTable(field.type)
        table.set(2, uint8: id.rawValue)
        table.set(3, table: type)
        table.set(5, tables: [])  // children: readers require the vector
        if !field.metadata.isEmpty {
            table.set(6, tables: field.metadata.entries.map { entry in
                var pair = FlatTable()
                pair.set(0, string: entry.key)
                pair.set(1, string: entry.value)
                return pair
            })
        }
        return table
    }

    private static func typeTable(_ type: ArrowColumnType) -> (TypeID, FlatTable) {
        var table = FlatTable()
        switch type {
        case .null: return (.null, table)
        case .bool: return (.bool, table)
        case .utf8: return (.utf8, table)
        case .binary: return (.binary, table)
        case .int64:
            table.set(0, int32: 64)
            table.set(1, bool: true)
            return (.int, table)
        case .float64:
            table.set(0, int16: 2)  // DOUBLE
            return (.floatingPoint, table)
        case .date32:
            table.set(0, int16: 0)  // DAY
            return (.date, table)
        case .timestampMicrosecondsUTC:
            table.set(0, int16: 2)  // MICROSECOND
            table.set(1, string: "UTC")
            return (.timestamp, table)
        }
    }

    /// The batch schema of a `Schema` table.
    ///
    /// - Throws: ``ArrowIPCError`` for a type outside ABI v1 (naming the
    ///   field), nested fields, dictionaries or big-endian data.
    static func decode(_ table: FlatTableView) throws -> ArrowBatchSchema {
        guard try table.scalar(0, default: Int16(0)) == 0 else {
            throw ArrowIPCError("the schema is big-endian; only little-endian files are read")
        }
        return ArrowBatchSchema(try table.tables(1).enumerated().map { index, field in try decodeField(field, index: index) })
    }

    private static func decodeField(_ field: FlatTableView, index: Int) throws -> ArrowField {
        let name = try field.string(0) ?? ""
        let label = "field \(index + 1) (\"\(name)\")"
        guard try field.table(4) == nil else {
            throw ArrowIPCError("\(label) is dictionary-encoded, which etl-host does not read")
        }
        guard try field.tables(5).isEmpty else {
            throw ArrowIPCError("\(label) has children; etl-host reads flat columns only (nested values travel as JSON text)")
        }
        let typeID = try field.scalar(2, default: UInt8(0))
        guard let typeTable = try field.table(3) else { throw ArrowIPCError("\(label) has no type") }
        let type = try decodeType(typeID, typeTable, label: label)
        let metadata = try field.tables(6).map { pair in
            ArrowMetadata.Entry(try pair.string(0) ?? "", try pair.string(1) ?? "")
        }
        return ArrowField(name, type, metadata: ArrowMetadata(metadata), nullable: try field.bool(1, default: false))
    }

    private static func decodeType(_ id: UInt8, _ table: FlatTableView, label: String) throws -> ArrowColumnType {
        func refuse(_ what: String) -> ArrowIPCError {
            ArrowIPCError("\(label) is \(what), which is not one of the column types etl-host reads (\(ArrowColumnType.allCases.map(\.description).joined(separator: ", ")))")
        }
        switch TypeID(rawValue: id) {
        case .null: return .null
        case .bool: return .bool
        case .utf8: return .utf8
        case .binary: return .binary
        case .int:
            let width = try table.scalar(0, default: Int32(0))
            let signed = try table.bool(1, default: false)
            guard width == 64, signed else { throw refuse("a\(signed ? "" : "n unsigned") \(width)-bit integer") }
            return .int64
        case .floatingPoint:
            guard try table.scalar(0, default: Int16(0)) == 2 else { throw refuse("a float narrower than a double") }
            return .float64
        case .date:
            guard try table.scalar(0, default: Int16(1)) == 0 else { throw refuse("date64 (milliseconds)") }
            return .date32
        case .timestamp:
            let unit = try table.scalar(0, default: Int16(0))
            let zone = try table.string(1)
            guard unit == 2, zone == "UTC" else {
                throw refuse("a timestamp in \(["seconds", "milliseconds", "microseconds", "nanoseconds"][Int(max(0, min(unit, 3)))]) with time zone \(zone.map { "\"\($0)\"" } ?? "none") (only microseconds in \"UTC\" are read)")
            }
            return .timestampMicrosecondsUTC
        case nil: throw refuse("Arrow type \(id) of Schema.fbs")
        }
    }
}
