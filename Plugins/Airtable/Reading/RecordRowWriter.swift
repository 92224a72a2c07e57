import ETLPluginKit

/// The schemaless fallback (the token cannot read the base schema): each
/// record becomes one JSON object for the host to flatten and type
/// (`_record`, a utf8 column annotated `etl.record = 1`):
///
///     {"id": "rec…", "createdTime": "2024-…Z", "Name": "Ada", …}
///
/// The fields' values are copied byte for byte; field names follow
/// ``ColumnNames`` (`id` -> `id (field)`); a formula's special value
/// (`{"specialValue": "NaN"}`, `{"error": "#ERROR!"}`) is kept as the
/// object Airtable sent (JSON has no NaN: the host types a column holding
/// one as JSON, nothing is lost). Without the schema, omitted cells (empty
/// ones, unchecked boxes) are simply missing: NULL, and a field no record
/// has gets no column.
final class RecordRowWriter {
    /// The name of the record column.
    static let recordColumn = "_record"
    static let schema = ArrowBatchSchema([ArrowField(recordColumn, .utf8, annotation: .record, nullable: false)])

    private let fieldsScanner = JSONObjectScanner()
    private var buffer: [UInt8] = []
    private let table: String

    init(table: String) {
        self.table = table
        buffer.reserveCapacity(4096)
    }

    /// Appends the row of one record (`id` already known to be a string).
    func append(_ record: JSONMembers, id: JSONMember, into builder: ArrowBatchBuilder) throws(PluginError) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: #"{"id":"#.utf8)
        buffer.append(contentsOf: id.raw)
        if let created = record["createdTime"] {
            buffer.append(contentsOf: #","createdTime":"#.utf8)
            buffer.append(contentsOf: created.raw)
        }
        if let member = record["fields"], member.kind == .object {
            let fields: JSONMembers
            do {
                fields = try fieldsScanner.scan(member.raw)
            } catch {
                throw PluginError.data("table \"\(table)\": the fields of record "
                    + "\(String(decoding: id.stringBytes, as: UTF8.self)) are not valid JSON: \(error.description)")
            }
            for field in fields {
                buffer.append(UInt8(ascii: ","))
                if ColumnNames.needsRenaming(field.key) {
                    var name = Array(field.key)
                    name.append(contentsOf: ColumnNames.suffix.utf8)
                    name.withUnsafeBytes { JSONStringWriter.append($0, to: &buffer) }
                } else {
                    JSONStringWriter.append(field.key, to: &buffer)
                }
                buffer.append(UInt8(ascii: ":"))
                buffer.append(contentsOf: field.raw)
            }
        }
        buffer.append(UInt8(ascii: "}"))
        buffer.withUnsafeBytes { builder.appendUTF8($0, validate: false) }
        try builder.endRow()
    }
}
