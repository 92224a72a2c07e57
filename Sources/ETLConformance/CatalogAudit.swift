import ETLHost
import Foundation

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
    static let hints: Set<String> = ["null", "boolean", "integer", "number", "string", "date", "timestamp", "decimal", "json"]
    /// Hints this host also understands, though the contract does not list them.
    static let hostHints: Set<String> = ["text", "date-time", "object", "array", "binary"]

    init(_ text: String) {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
            problems.append("the catalog is not valid JSON")
            return
        }
        guard let object = parsed as? [String: Any] else {
            problems.append("the catalog must be a JSON object {\"streams\": [...]}")
            return
        }
        guard let list = object["streams"] as? [Any] else {
            problems.append("the catalog has no \"streams\" array")
            return
        }
        if list.isEmpty { notes.append("the catalog lists no streams: nothing was read") }
        for (index, item) in list.enumerated() {
            guard let stream = item as? [String: Any] else {
                problems.append("catalog stream \(index + 1) is not an object")
                continue
            }
            guard let name = stream["name"] as? String, !name.isEmpty else {
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
                if let names = key as? [Any], names.allSatisfy({ ($0 as? String)?.isEmpty == false }) {
                    let strings = names.map { $0 as! String }
                    if Set(strings).count != strings.count { problems.append("\(label): primary_key lists a column twice") }
                    primaryKeys[name] = strings
                } else {
                    problems.append("\(label): primary_key must be an array of column names")
                }
            }
            if let cursor = stream["cursor_field"], !(cursor is String) {
                problems.append("\(label): cursor_field must be a string")
            }
            guard let fields = stream["fields"] else { continue }
            guard let fieldList = fields as? [Any] else {
                problems.append("\(label): fields must be an array")
                continue
            }
            var seen = Set<String>()
            for (position, entry) in fieldList.enumerated() {
                guard let field = entry as? [String: Any], let fieldName = field["name"] as? String, !fieldName.isEmpty else {
                    problems.append("\(label): field \(position + 1) has no name")
                    continue
                }
                if !seen.insert(fieldName).inserted { problems.append("\(label): field \"\(fieldName)\" is listed twice") }
                guard let type = field["type"] else { continue }
                guard let hint = type as? String else {
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
}
