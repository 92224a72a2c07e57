import ETLPluginKit

/// Turns records into typed rows: `id` (utf8), `createdTime` (timestamp),
/// then one column per field of the base schema, in its order (see
/// ``FieldKind`` and ``ColumnNames``). A record's `createdTime` that is not
/// a timestamp is a value that does not fit (below).
///
/// - An omitted cell (Airtable leaves out empty cells and unchecked boxes)
///   is NULL, or `false` for a checkbox.
/// - A formula's or rollup's special number (`{"specialValue": "NaN"}`,
///   `"Infinity"`, `"-Infinity"`) is that double in a number column.
/// - A formula's error (`{"error": "#ERROR!"}`) has no value: NULL, counted
///   in ``formulaErrors`` and logged once per field.
/// - A value whose JSON type does not fit the column (text in a number
///   field, a special number in an integer field) is never loaded as
///   something else: its record is offered to the host's `reject`
///   (`--max-bad-rows`) and skipped when taken, else the stream fails with
///   a data error naming the table, the record and the field.
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
    /// Formula errors per field, loaded as NULL.
    private(set) var formulaErrors: [Int]
    /// Records set aside through the host's `reject`.
    private(set) var setAside = 0
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
        formulaErrors = Array(repeating: 0, count: table.fields.count)
    }

    /// The total of ``formulaErrors``.
    var formulaErrorCount: Int { formulaErrors.reduce(0, +) }

    /// Appends the row of one record (`record`: its scanned members, `raw`:
    /// its JSON text, `id` already known to be a string). Returns false
    /// when a value did not fit its column and the host took the record as
    /// a reject (nothing appended); throws a data error when it did not.
    @discardableResult
    func append(_ record: JSONMembers, raw: UnsafeRawBufferPointer, id: JSONMember,
                into builder: ArrowBatchBuilder) throws(PluginError) -> Bool {
        builder.appendUTF8(id.stringBytes, validate: false)

        if let created = record["createdTime"], created.kind == .string,
           let micros = CalendarTime.timestamp(created.stringBytes) {
            builder.appendTimestamp(microsecondsSinceEpoch: micros)
        } else if let created = record["createdTime"], created.kind != .null {
            builder.discardRow()
            let found = created.kind == .string ? "text that is not an ISO 8601 date and time" : created.kind.foundDescription
            return try setAsideOrFail(raw, id: id, reason: "createdTime is \(found)")
        } else {
            builder.appendNull()
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
            if let mismatch = append(fields[position], of: field, index: index, into: builder) {
                builder.discardRow()
                return try setAsideOrFail(raw, id: id, reason: "field \"\(field.name)\" (Airtable type \(field.type), "
                    + "loaded as \(field.kind)): a value is \(mismatch), not \(field.kind.expected)")
            }
        }
        try builder.endRow()
        return true
    }

    /// Offers a record whose value does not fit to the host's `reject`:
    /// false when taken (skip it), else the data error that fails the stream.
    private func setAsideOrFail(_ raw: UnsafeRawBufferPointer, id: JSONMember, reason: String) throws(PluginError) -> Bool {
        let recordID = String(decoding: id.stringBytes, as: UTF8.self)
        if host.reject(stream: table.name, location: "table \"\(table.name)\", record \(recordID)", raw: raw, reason: reason) {
            setAside += 1
            return false
        }
        throw PluginError.data("table \"\(table.name)\", record \(recordID): \(reason); the record is not loaded "
            + "(allow bad rows to set such records aside)")
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

    /// Appends one present value of `field`, or returns what was found
    /// instead of a value the column holds (nothing appended then).
    private func append(_ value: JSONMember, of field: AirtableField, index: Int,
                        into builder: ArrowBatchBuilder) -> String? {
        if value.kind == .null { builder.appendNull(); return nil }
        if field.isComputed, value.kind == .object, let special = specialValue(value.raw) {
            switch special {
            case .error:
                builder.appendNull()
                formulaErrors[index] += 1
                if formulaErrors[index] == 1 {
                    host.log(.warn, "table \"\(table.name)\", field \"\(field.name)\" (Airtable type \(field.type)): "
                        + "a formula error has no value; it loads as NULL (further ones in this field are not logged)")
                }
                return nil
            case .number(let number):
                guard case .number = field.kind else { return "the special number \(special.name)" }
                builder.append(number)
                return nil
            case .unknown(let name):
                return "the special value \(name)"
            }
        }
        switch field.kind {
        case .boolean:
            switch value.kind {
            case .true: builder.append(true)
            case .false: builder.append(false)
            case .number where value.int64Value == 0 || value.int64Value == 1: builder.append(value.int64Value == 1)
            default: return value.kind.foundDescription
            }
        case .integer:
            if let integer = value.int64Value {
                builder.append(integer)
            } else if value.numberKind == .double, let double = value.doubleValue, double == double.rounded(),
                      abs(double) < 9.2e18 {
                builder.append(Int64(double))
            } else {
                return value.kind == .number ? "a number that is not a whole number in range" : value.kind.foundDescription
            }
        case .number:
            if value.kind == .number, let double = value.doubleValue {
                builder.append(double)
            } else {
                return value.kind.foundDescription
            }
        case .string:
            if value.kind == .string {
                builder.appendUTF8(value.stringBytes, validate: false)
            } else {
                return value.kind.foundDescription
            }
        case .date:
            if value.kind == .string, let days = Self.date(value.stringBytes) {
                builder.appendDate32(daysSinceEpoch: days)
            } else {
                return value.kind == .string ? "text in another format" : value.kind.foundDescription
            }
        case .timestamp:
            if value.kind == .string, let micros = CalendarTime.timestamp(value.stringBytes) {
                builder.appendTimestamp(microsecondsSinceEpoch: micros)
            } else {
                return value.kind == .string ? "text in another format" : value.kind.foundDescription
            }
        case .json:
            builder.appendUTF8(value.raw, validate: false)
        }
        return nil
    }

    /// `YYYY-MM-DD`, or a timestamp at midnight UTC (as formulas with a
    /// date result write dates), as days since the epoch.
    static func date(_ text: UnsafeRawBufferPointer) -> Int32? {
        if let days = CalendarTime.date(text) { return days }
        guard let micros = CalendarTime.timestamp(text), micros % 86_400_000_000 == 0 else { return nil }
        return Int32(micros / 86_400_000_000)
    }

    /// What `raw` holds when it is `{"specialValue": …}` or `{"error": …}`
    /// (a formula's NaN, Infinity or error); nil for any other object.
    private func specialValue(_ raw: UnsafeRawBufferPointer) -> FormulaSpecialValue? {
        guard let members = try? valueScanner.scan(raw), members.count == 1 else { return nil }
        if members[0].keyEquals("error") { return .error }
        guard members[0].keyEquals("specialValue") else { return nil }
        return FormulaSpecialValue(specialValue: members[0].kind == .string ? members[0].stringValue : nil)
    }
}

/// A computed field's value that is not a plain JSON value.
enum FormulaSpecialValue: Equatable {
    /// `{"error": "#ERROR!"}`: the formula failed; it has no value.
    case error
    /// `{"specialValue": "NaN" | "Infinity" | "-Infinity"}`.
    case number(Double)
    /// A `specialValue` this plugin does not know (its name as sent).
    case unknown(String)

    /// Reads the text of `{"specialValue": text}`.
    init(specialValue: String?) {
        switch specialValue {
        case "NaN": self = .number(.nan)
        case "Infinity": self = .number(.infinity)
        case "-Infinity": self = .number(-.infinity)
        default: self = .unknown(specialValue.map { "\"\($0)\"" } ?? "(not a string)")
        }
    }

    /// The special value's name, for messages.
    var name: String {
        switch self {
        case .error: "error"
        case .number(let number): number.isNaN ? "NaN" : (number > 0 ? "Infinity" : "-Infinity")
        case .unknown(let name): name
        }
    }
}
