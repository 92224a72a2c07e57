import ETLPluginKit

/// One field of a table, as the base schema describes it.
struct AirtableField: Equatable {
    var id: String
    var name: String
    /// Airtable's type, e.g. `singleLineText`, `formula`.
    var type: String
    var kind: FieldKind

    /// Whether the value is computed (formula, rollup): Airtable's
    /// special values (`{"specialValue": "NaN"}`, `{"error": "#ERROR!"}`)
    /// load as NULL.
    var isComputed: Bool { type == "formula" || type == "rollup" }
}

/// One table of the base.
struct AirtableTable: Equatable {
    var id: String
    var name: String
    var fields: [AirtableField]
}

/// The tables of a base, from `GET /v0/meta/bases/{base}/tables`:
///
///     {"tables": [{"id": "tbl…", "name": "Orders", "primaryFieldId": "fld…",
///                  "fields": [{"id": "fld…", "name": "Amount", "type": "currency",
///                              "options": {"precision": 2, "symbol": "$"}}, …],
///                  "views": […]}]}
enum BaseSchema {
    /// Parses the schema response.
    ///
    /// - Throws: ``PluginError/Code/data`` naming what is missing.
    static func parse(_ body: UnsafeRawBufferPointer, base: String) throws(PluginError) -> [AirtableTable] {
        let document: JSONValue
        do {
            document = try JSONValue(jsonBytes: body)
        } catch {
            throw PluginError.data("the schema of base \(base) is not valid JSON: \(error.description)")
        }
        guard case .array(let tables)? = document["tables"] else {
            throw PluginError.data("the schema of base \(base) has no \"tables\" list")
        }
        var result: [AirtableTable] = []
        for (index, table) in tables.enumerated() {
            guard case .string(let id)? = table["id"], case .string(let name)? = table["name"] else {
                throw PluginError.data("the schema of base \(base): table \(index + 1) has no id or name")
            }
            guard case .array(let fields)? = table["fields"] else {
                throw PluginError.data("the schema of base \(base): table \"\(name)\" has no \"fields\" list")
            }
            var parsed: [AirtableField] = []
            for (fieldIndex, field) in fields.enumerated() {
                guard case .string(let fieldName)? = field["name"], case .string(let type)? = field["type"] else {
                    throw PluginError.data("the schema of base \(base): field \(fieldIndex + 1) of table "
                        + "\"\(name)\" has no name or type")
                }
                var fieldID = ""
                if case .string(let value)? = field["id"] { fieldID = value }
                parsed.append(AirtableField(id: fieldID, name: fieldName, type: type,
                                            kind: FieldKind.of(type: type, options: field["options"])))
            }
            result.append(AirtableTable(id: id, name: name, fields: parsed))
        }
        return result
    }
}
