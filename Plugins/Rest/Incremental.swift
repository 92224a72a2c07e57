import ETLPluginKit

/// A resource's incremental read: the record field that orders changes,
/// the request parameter that asks for changes from a value, the value of
/// a first run, and a lookback window.
///
/// A run sends `param` = the state's cursor minus `lookback` (seconds for
/// ISO timestamps, units for numbers; strings get none), or
/// `initial_value` without a state, or nothing. Its state is the largest
/// cursor of the records read (compared as timestamps, numbers or text).
/// Records whose cursor is null or missing are included and move nothing;
/// records at or before the cursor that the API sends again (the lookback)
/// are read again, which an upsert on the primary key absorbs.
struct IncrementalSpec {
    /// The record field holding the cursor (a top-level member).
    let cursorField: String
    /// The query parameter the cursor is sent as.
    let param: String
    /// The value of a run without state, `nil` to send nothing.
    let initialValue: String?
    /// Subtracted from the saved cursor before it is sent.
    let lookback: Double

    init(_ value: JSONValue, place: String) throws(PluginError) {
        guard let members = value.objectValue else {
            throw PluginError.invalidArgument("\(place) must be an object such as "
                + #"{"cursor_field": "updated_at", "param": "since"}"#)
        }
        let allowed: Set<String> = ["cursor_field", "param", "initial_value", "lookback"]
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw PluginError.invalidArgument("\(place) has an unknown key \"\(unknown)\" (keys: "
                + allowed.sorted().joined(separator: ", ") + ")")
        }
        guard let field = members["cursor_field"]?.stringValue, !field.isEmpty else {
            throw PluginError.invalidArgument("\(place): \"cursor_field\" is missing (the record field that orders changes)")
        }
        guard let param = members["param"]?.stringValue, !param.isEmpty else {
            throw PluginError.invalidArgument("\(place): \"param\" is missing (the query parameter the cursor is sent as)")
        }
        cursorField = field
        self.param = param
        switch members["initial_value"] {
        case nil, .null?: initialValue = nil
        case .string(let text)?: initialValue = text
        case .integer(let number)?: initialValue = String(number)
        case .number(let number)?: initialValue = String(number)
        default: throw PluginError.invalidArgument("\(place): \"initial_value\" must be a string or a number")
        }
        switch members["lookback"] {
        case nil: lookback = 0
        case .integer(let number)? where number >= 0: lookback = Double(number)
        case .number(let number)? where number >= 0: lookback = number
        default: throw PluginError.invalidArgument("\(place): \"lookback\" must be a number from 0")
        }
    }

    /// The value to send for a saved cursor: minus the lookback.
    func requestValue(after cursor: String) -> String {
        guard lookback > 0 else { return cursor }
        if let micros = Array(cursor.utf8).withUnsafeBytes({ DateText.parseTimestamp($0) }) {
            return DateText.timestamp(microsecondsSinceEpoch: micros - Int64(lookback * 1_000_000))
        }
        if let integer = Int64(cursor) { return String(integer - Int64(lookback)) }
        if let number = Double(cursor) { return String(number - lookback) }
        return cursor
    }
}

/// A cursor value and how it compares: as a timestamp, a number, or text.
struct CursorValue {
    /// The value as sent and saved (a string's content, a number's text).
    let text: String
    private let order: Order

    private enum Order: Comparable {
        case number(Double)
        case timestamp(Int64)
        case text(String)
    }

    init(_ text: String) {
        self.text = text
        if let micros = Array(text.utf8).withUnsafeBytes({ DateText.parseTimestamp($0) }) {
            order = .timestamp(micros)
        } else if let number = Double(text) {
            order = .number(number)
        } else {
            order = .text(text)
        }
    }

    /// Whether `other` is past `self` (values of different kinds compare as text).
    func isBefore(_ other: CursorValue) -> Bool {
        switch (order, other.order) {
        case (.number(let a), .number(let b)): a < b
        case (.timestamp(let a), .timestamp(let b)): a < b
        default: text < other.text
        }
    }
}

/// The saved state of an incremental resource: `{"cursor": "…"}`.
enum IncrementalState {
    /// The cursor of a state; `nil` for no state or JSON `null`.
    static func parse(_ state: String?, stream: String) throws(PluginError) -> String? {
        guard let state else { return nil }
        let value: JSONValue
        do throws(PluginError) {
            value = try JSONValue(parsing: state)
        } catch {
            throw PluginError.invalidArgument("resource \"\(stream)\": the saved state is not valid JSON; expected "
                + #"{"cursor": "<value>"}"#)
        }
        if value == .null { return nil }
        guard let cursor = value["cursor"] else {
            throw PluginError.invalidArgument("resource \"\(stream)\": the saved state must be " + #"{"cursor": "<value>"}"#)
        }
        return cursor.stringValue
    }

    /// The JSON of a state.
    static func json(cursor: String?) -> String? {
        cursor.map { JSONValue.object(["cursor": .string($0)]).description }
    }

    /// The cursors of a child resource's state, one per parent value
    /// (`{"cursors": {"1": "2024-02-01T10:00:00Z", …}}`); empty for no state
    /// or JSON `null`.
    static func parseCursors(_ state: String?, stream: String) throws(PluginError) -> [String: String] {
        guard let state else { return [:] }
        let expected = #"{"cursors": {"<parent value>": "<cursor>", …}} (a child resource's cursor per parent)"#
        let value: JSONValue
        do throws(PluginError) {
            value = try JSONValue(parsing: state)
        } catch {
            throw PluginError.invalidArgument("resource \"\(stream)\": the saved state is not valid JSON; expected \(expected)")
        }
        if value == .null { return [:] }
        guard let members = value["cursors"]?.objectValue else {
            throw PluginError.invalidArgument("resource \"\(stream)\": the saved state must be \(expected)")
        }
        var cursors: [String: String] = [:]
        for (parent, cursor) in members {
            guard let text = cursor.stringValue else {
                throw PluginError.invalidArgument("resource \"\(stream)\": the saved cursor of parent \(parent) is not a string; expected \(expected)")
            }
            cursors[parent] = text
        }
        return cursors
    }

    /// The JSON of a child resource's state; nil when it has no cursor.
    static func json(cursors: [String: String]) -> String? {
        cursors.isEmpty ? nil : JSONValue.object(["cursors": .object(cursors.mapValues { .string($0) })]).description
    }
}
