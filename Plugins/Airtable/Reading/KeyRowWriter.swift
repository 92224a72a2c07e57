import ETLPluginKit

/// The rows of a key listing (``AirtableExtractor/readKeys(stream:)``): the
/// record id only, in the `id` column the full read also has.
enum KeyRowWriter {
    static let schema = ArrowBatchSchema([ArrowField(ColumnNames.recordID, .utf8, nullable: false)])

    /// Appends the row of one record (`id` already known to be a string).
    static func append(id: JSONMember, into builder: ArrowBatchBuilder) throws(PluginError) {
        builder.appendUTF8(id.stringBytes, validate: false)
        try builder.endRow()
    }

    /// The one field a key listing asks for (`fields[]`), so that pages
    /// carry little more than the ids: a checkbox, else a number, else a
    /// date, else the first field. Airtable answers an unknown or empty
    /// field name with 422, so some real field must be named.
    static func cheapestField(of table: AirtableTable) -> String? {
        let order: [(AirtableField) -> Bool] = [
            { $0.type == "checkbox" },
            { $0.type == "number" || $0.type == "rating" || $0.type == "autoNumber" },
            { $0.type == "date" },
        ]
        for matches in order {
            if let field = table.fields.first(where: matches) { return field.id.isEmpty ? field.name : field.id }
        }
        return table.fields.first.map { $0.id.isEmpty ? $0.name : $0.id }
    }
}
