/// The source names etl-host gives to fields whose name repeats, so that
/// every field of the source gets a column of its own and nothing is
/// dropped.
///
/// The first field called `name` keeps the source name `name`; the second
/// gets `name#2`, the third `name#3`, counted in the order the fields come
/// (a CSV header, an extractor's Arrow schema, the keys of one JSON
/// record). These are the source names stored in `_etl_schemas`, so the
/// next run maps the same field to the same column. Columns are named from
/// the field's own name, collisions numbered as always: `name,name` load as
/// `name`, `name_2`; two empty CSV header names as `column`, `column_2`.
///
/// A source that also has a field really called `name#2` cannot be told
/// apart from the repeat; it is refused (bad data) rather than merged.
///
/// ```swift
/// var names = RepeatedFieldNames()
/// try names.sourceNames(for: ["id", "name", "name", "v"])   // ["id", "name", "name#2", "v"]
/// names.base(of: "name#2")                                 // "name"
/// ```
struct RepeatedFieldNames {
    /// Source names made for repeats -> the name they repeat.
    private(set) var bases: [String: String] = [:]

    /// The source name of the `occurrence`-th (2, 3, ...) field called `name`.
    static func sourceName(_ name: String, occurrence: Int) -> String { "\(name)#\(occurrence)" }

    /// The name to normalize into a column name for `source`: the repeated
    /// field's own name for a source name made here, else `source` itself.
    func base(of source: String) -> String { bases[source] ?? source }

    /// Records that `source` was made for the repeat of `name`.
    mutating func record(_ source: String, repeating name: String) { bases[source] = name }

    /// One source name per field of `names` (an Arrow schema's field names,
    /// in order): repeats become `name#2`, ...
    ///
    /// - Throws: `.badData` when a repeat's source name is also the name of
    ///   another field, naming both.
    mutating func sourceNames(for names: [String], stream: String) throws -> [String] {
        let all = Set(names)
        var seen: [String: Int] = [:]
        return try names.enumerated().map { position, name in
            let occurrence = seen[name, default: 0] + 1
            seen[name] = occurrence
            guard occurrence > 1 else { return name }
            let source = Self.sourceName(name, occurrence: occurrence)
            if all.contains(source) {
                throw HostError(.badData, "stream '\(stream)': field \(position + 1) is the \(Self.ordinal(occurrence)) field named \"\(name)\", which etl-host loads under the source name \"\(source)\", but another field is already called \"\(source)\"; rename one of them")
            }
            record(source, repeating: name)
            return source
        }
    }

    /// `2nd`, `3rd`, `4th`, ... for messages.
    static func ordinal(_ number: Int) -> String {
        let suffix = switch (number % 10, number % 100) {
        case (1, let tens) where tens != 11: "st"
        case (2, let tens) where tens != 12: "nd"
        case (3, let tens) where tens != 13: "rd"
        default: "th"
        }
        return "\(number)\(suffix)"
    }
}
