import ETLPluginKit

/// Checks the JSON catalog discover() returns against the format in
/// `etl_plugin.h`: `{"streams": [{"name", "primary_key"?, "cursor_field"?,
/// "fields"?: [{"name", "type"?}]}]}`.
struct CatalogAudit {
    /// Rules broken.
    private(set) var problems: [String] = []
    /// Remarks.
    private(set) var notes: [String] = []
    /// The streams listed, in order.
    private(set) var streams: [String] = []
    /// Each stream's primary key.
    private(set) var primaryKeys: [String: [String]] = [:]

    /// The type hints of the contract.
    static let hints = Set(FieldTypeHint.allCases.map(\.rawValue))
    /// Hints this host also understands, though the contract does not list them.
    static let hostHints = Set(FieldTypeHint.aliases.keys)

    init(_ text: String) {
        guard let parsed = try? JSONValue(jsonText: text) else {
            problems.append("the catalog is not valid JSON")
            return
        }
        guard case .object(let object) = parsed else {
            problems.append("the catalog must be a JSON object {\"streams\": [...]}")
            return
        }
        guard case .array(let list)? = object["streams"] else {
            problems.append("the catalog has no \"streams\" array")
            return
        }
        if list.isEmpty { notes.append("the catalog lists no streams: nothing was read") }
        for (index, item) in list.enumerated() {
            guard case .object(let stream) = item else {
                problems.append("catalog stream \(index + 1) is not an object")
                continue
            }
            guard case .string(let name)? = stream["name"], !name.isEmpty else {
                problems.append("catalog stream \(index + 1) has no name (a non-empty string)")
                continue
            }
            let label = "catalog stream '\(name)'"
            if streams.contains(name) { problems.append("\(label) is listed twice") }
            streams.append(name)
            for key in stream.keys.sorted() where !["name", "primary_key", "cursor_field", "fields"].contains(key) {
                notes.append("\(label): member \"\(key)\" is not part of the catalog format (ignored)")
            }
            if let key = stream["primary_key"] {
                if let strings = Self.columnNames(key) {
                    if Set(strings).count != strings.count { problems.append("\(label): primary_key lists a column twice") }
                    primaryKeys[name] = strings
                } else {
                    problems.append("\(label): primary_key must be an array of column names")
                }
            }
            if let cursor = stream["cursor_field"], cursor.typeName != "string" {
                problems.append("\(label): cursor_field must be a string")
            }
            guard let fields = stream["fields"] else { continue }
            guard case .array(let fieldList) = fields else {
                problems.append("\(label): fields must be an array")
                continue
            }
            var seen = Set<String>()
            for (position, entry) in fieldList.enumerated() {
                guard case .string(let fieldName)? = entry["name"], !fieldName.isEmpty else {
                    problems.append("\(label): field \(position + 1) has no name")
                    continue
                }
                if !seen.insert(fieldName).inserted { problems.append("\(label): field \"\(fieldName)\" is listed twice") }
                guard let type = entry["type"] else { continue }
                guard case .string(let hint) = type else {
                    problems.append("\(label): field \"\(fieldName)\": type must be a string")
                    continue
                }
                if Self.hostHints.contains(hint) {
                    notes.append("\(label): field \"\(fieldName)\": type \"\(hint)\" is understood by this host but is "
                        + "not one of the contract's hints (\(Self.hints.sorted().joined(separator: ", ")))")
                } else if !Self.hints.contains(hint) {
                    problems.append("\(label): field \"\(fieldName)\": type \"\(hint)\" is not a type hint of the "
                        + "contract (\(Self.hints.sorted().joined(separator: ", ")))")
                }
            }
        }
    }

    /// The names of a `primary_key` array: non-empty strings; nil otherwise.
    private static func columnNames(_ value: JSONValue) -> [String]? {
        guard case .array(let items) = value else { return nil }
        let names = items.compactMap { item -> String? in
            if case .string(let name) = item, !name.isEmpty { return name }
            return nil
        }
        return names.count == items.count ? names : nil
    }
}
