import ETLPluginKit

/// Turns records into typed rows: `id` (utf8), `createdTime` (timestamp),
/// then one column per field of the base schema, in its order (see
/// ``FieldKind`` and ``ColumnNames``).
///
/// - An omitted cell (Airtable leaves out empty cells and unchecked boxes)
///   is NULL, or `false` for a checkbox.
/// - A formula's or rollup's special value (`{"specialValue": "NaN"}`,
///   `{"specialValue": "Infinity"}`, `{"error": "#ERROR!"}`) is NULL.
/// - A value whose JSON type does not fit the column (text in a number
///   field) is NULL, and the first one per field is logged as a warning;
///   the run goes on. ``mismatches`` counts them.
/// - JSON columns hold the value's JSON text exactly as Airtable sent it.
/// - A field that is not in the schema (added during the run) is skipped,
///   with one warning.
final class TypedRowWriter {
    let table: AirtableTable
    let schema: ArrowBatchSchema
    private let host: HostContext
    private let fieldsScanner = JSONObjectScanner()
    private let valueScanner = JSONObjectScanner(maxDepth: 4)
    /// Field indexes by the hash of the field's name.
    private var fieldsByHash: [UInt64: [Int]] = [:]
    private let nameBytes: [[UInt8]]
    /// Per field: the index of its member in the current record, or -1.
    private var slots: [Int]
    /// Values per field that did not fit the column.
    private(set) var mismatches: [Int]
    private var createdTimeMismatches = 0
    private var unknownFields = Set<String>()

    /// The catalog fields of a table: the two record columns, then its fields.
    static func catalogFields(of table: AirtableTable) -> [CatalogField] {
        [CatalogField(name: ColumnNames.recordID, type: .string),
         CatalogField(name: ColumnNames.createdTime, type: .timestamp)]
            + table.fields.map { CatalogField(name: ColumnNames.column(forField: $0.name), type: $0.kind.hint) }
    }

    /// The batch schema of a table.
    static func schema(of table: AirtableTable) -> ArrowBatchSchema {
        ArrowBatchSchema([ArrowField(ColumnNames.recordID, .utf8, nullable: false),
                          ArrowField(ColumnNames.createdTime, .timestampMicrosecondsUTC)]
            + table.fields.map { $0.kind.arrowField(named: ColumnNames.column(forField: $0.name)) })
    }

    init(table: AirtableTable, host: HostContext) {
        self.table = table
        self.host = host
        schema = Self.schema(of: table)
        nameBytes = table.fields.map { Array($0.name.utf8) }
        for (index, field) in table.fields.enumerated() {
            fieldsByHash[JSONKeyHash.hash(field.name), default: []].append(index)
        }
        slots = Array(repeating: -1, count: table.fields.count)
        mismatches = Array(repeating: 0, count: table.fields.count)
    }

    /// The total of ``mismatches``, the record creation times included.
    var mismatchCount: Int { mismatches.reduce(createdTimeMismatches, +) }

    /// Appends the row of one record (`record`: its scanned members, `id`
    /// already known to be a string).
    func append(_ record: JSONMembers, id: JSONMember, into builder: ArrowBatchBuilder) throws(PluginError) {
        builder.appendUTF8(id.stringBytes, validate: false)

        if let created = record["createdTime"], created.kind == .string,
           let micros = CalendarTime.timestamp(created.stringBytes) {
            builder.appendTimestamp(microsecondsSinceEpoch: micros)
        } else {
            builder.appendNull()
            if let created = record["createdTime"], created.kind != .null {
                createdTimeMismatches += 1
                if createdTimeMismatches == 1 {
                    host.log(.warn, "table \"\(table.name)\": a record's createdTime is not an ISO 8601 date and "
                        + "time; it loads as NULL (further ones are not logged)")
                }
            }
        }

        for index in slots.indices { slots[index] = -1 }
        var fields: JSONMembers? = nil
        if let member = record["fields"], member.kind == .object {
            do {
                fields = try fieldsScanner.scan(member.raw)
            } catch {
                builder.discardRow()
                throw PluginError.data("table \"\(table.name)\": the fields of record "
                    + "\(String(decoding: id.stringBytes, as: UTF8.self)) are not valid JSON: \(error.description)")
            }
            for position in fields!.indices {
                let field = fields![position]
                if let index = fieldIndex(field) {
                    slots[index] = position
                } else {
                    unknownField(field)
                }
            }
        }

        for (index, field) in table.fields.enumerated() {
            let position = slots[index]
            guard position >= 0, let fields else {
                if case .boolean(omittedIsFalse: true) = field.kind { builder.append(false) } else { builder.appendNull() }
                continue
            }
            append(fields[position], of: field, index: index, into: builder)
        }
        try builder.endRow()
    }

    private func fieldIndex(_ member: JSONMember) -> Int? {
        guard let candidates = fieldsByHash[member.keyHash] else { return nil }
        for index in candidates where member.keyEquals(nameBytes[index]) { return index }
        return nil
    }

    private func unknownField(_ member: JSONMember) {
        let name = member.keyString
        guard unknownFields.insert(name).inserted else { return }
        host.log(.warn, "table \"\(table.name)\": field \"\(name)\" is not in the base schema read at the start "
            + "(added during the run?); its values are skipped")
    }

    /// Appends one present value of `field`.
    private func append(_ value: JSONMember, of field: AirtableField, index: Int, into builder: ArrowBatchBuilder) {
        if value.kind == .null { return builder.appendNull() }
        if field.isComputed, value.kind == .object, isSpecialValue(value.raw) { return builder.appendNull() }
        switch field.kind {
        case .boolean:
            switch value.kind {
            case .true: builder.append(true)
            case .false: builder.append(false)
            case .number where value.int64Value == 0 || value.int64Value == 1: builder.append(value.int64Value == 1)
            default: mismatch(value, of: field, index: index, into: builder)
            }
        case .integer:
            if let integer = value.int64Value {
                builder.append(integer)
            } else if value.numberKind == .double, let double = value.doubleValue, double == double.rounded(),
                      abs(double) < 9.2e18 {
                builder.append(Int64(double))
            } else {
                mismatch(value, of: field, index: index, into: builder)
            }
        case .number:
            if value.kind == .number, let double = value.doubleValue {
                builder.append(double)
            } else {
                mismatch(value, of: field, index: index, into: builder)
            }
        case .string:
            if value.kind == .string {
                builder.appendUTF8(value.stringBytes, validate: false)
            } else {
                mismatch(value, of: field, index: index, into: builder)
            }
        case .date:
            if value.kind == .string, let days = Self.date(value.stringBytes) {
                builder.appendDate32(daysSinceEpoch: days)
            } else {
                mismatch(value, of: field, index: index, into: builder)
            }
        case .timestamp:
            if value.kind == .string, let micros = CalendarTime.timestamp(value.stringBytes) {
                builder.appendTimestamp(microsecondsSinceEpoch: micros)
            } else {
                mismatch(value, of: field, index: index, into: builder)
            }
        case .json:
            builder.appendUTF8(value.raw, validate: false)
        }
    }

    /// `YYYY-MM-DD`, or a timestamp at midnight UTC (as formulas with a
    /// date result write dates), as days since the epoch.
    static func date(_ text: UnsafeRawBufferPointer) -> Int32? {
        if let days = CalendarTime.date(text) { return days }
        guard let micros = CalendarTime.timestamp(text), micros % 86_400_000_000 == 0 else { return nil }
        return Int32(micros / 86_400_000_000)
    }

    /// Whether `raw` is `{"specialValue": …}` or `{"error": …}`: a
    /// formula's NaN, Infinity or error.
    private func isSpecialValue(_ raw: UnsafeRawBufferPointer) -> Bool {
        guard let members = try? valueScanner.scan(raw), members.count == 1 else { return false }
        return members[0].keyEquals("specialValue") || members[0].keyEquals("error")
    }

    private func mismatch(_ value: JSONMember, of field: AirtableField, index: Int, into builder: ArrowBatchBuilder) {
        builder.appendNull()
        mismatches[index] += 1
        if mismatches[index] == 1 {
            host.log(.warn, "table \"\(table.name)\", field \"\(field.name)\" (Airtable type \(field.type), loaded "
                + "as \(field.kind)): a value is \(value.kind.foundDescription), not \(field.kind.expected); it loads "
                + "as NULL (further ones in this field are not logged)")
        }
    }
}
