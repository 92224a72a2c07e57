import Foundation

/// Turns source names (CSV headers, JSON keys, stream names) into
/// warehouse identifiers: deterministic, collision-free snake_case.
///
/// ```swift
/// var names = NameNormalizer()
/// names.assign("First Name")   // "first_name"
/// names.assign("first_name")   // "first_name_2"
/// names.assign("First-Name")   // "first_name_3"
/// names.assign("Order")        // "order"   (identifiers are always quoted)
/// names.assign("2nd")          // "_2nd"
/// names.assign("🙂")           // "column"  (nothing left: a placeholder)
/// ```
///
/// Rules: lowercase; a lowercase letter or digit followed by an uppercase
/// one is split (`createdTime` -> `created_time`); every run of characters
/// other than letters and digits becomes one `_`, except that a `__` between two
/// parts is kept (the parts of a flattened path: `a__b`, normalized each on its
/// own); leading and trailing `_` are dropped; a leading digit
/// gets a `_` prefix; nothing left gives `column` (so no name can start
/// with `_etl_`, the prefix of the host's own tables); at most 63
/// bytes (PostgreSQL's limit), longer names are cut and end in a short hash.
/// A name already taken gets the next free `_2`, `_3`, ... in the order
/// names are first seen; names assigned before (from the stored schema)
/// keep their identifier, so runs are stable.
public struct NameNormalizer: Sendable {
    /// Identifiers already in use.
    public private(set) var taken: Set<String> = []
    private var assigned: [String: String] = [:]

    /// A normalizer with nothing assigned.
    public init() {}

    /// Records an existing mapping (from a stored schema).
    public mutating func reserve(source: String, identifier: String) {
        assigned[source] = identifier
        taken.insert(identifier)
    }

    /// The identifier for `source`, assigning a new one if needed.
    @discardableResult
    public mutating func assign(_ source: String) -> String {
        assign(source, normalizing: source)
    }

    /// The identifier for `source`, made from `name` when a new one is
    /// needed: a repeated field's source name (`name#2`) gets a column named
    /// after the field (`name_2`, or `column_2` for a second empty name).
    @discardableResult
    public mutating func assign(_ source: String, normalizing name: String) -> String {
        if let existing = assigned[source] { return existing }
        let base = Self.normalize(name)
        var candidate = base
        var suffix = 2
        while taken.contains(candidate) {
            candidate = Self.limit("\(base)_\(suffix)", source: source)
            suffix += 1
        }
        assigned[source] = candidate
        taken.insert(candidate)
        return candidate
    }

    /// The snake_case form of one name, without collision handling. A
    /// `__` between two parts is kept and each part normalized on its own:
    /// it joins the path of a flattened nested member (`a__b` for `b` in
    /// `a`, dlt's convention), so `address__zipCode` is `address__zip_code`.
    public static func normalize(_ source: String) -> String {
        var result = source.components(separatedBy: "__").map(snakeCase).filter { !$0.isEmpty }.joined(separator: "__")
        if result.isEmpty { result = "column" }
        if let first = result.unicodeScalars.first, ("0" ... "9").contains(first) { result = "_" + result }
        return limit(result, source: source)
    }

    /// One part of a name in snake_case (empty when nothing is left).
    private static func snakeCase(_ source: String) -> String {
        var result = ""
        var pendingUnderscore = false
        var previousWasLowerOrDigit = false
        for scalar in source.unicodeScalars {
            if scalar.properties.isAlphabetic || ("0" ... "9").contains(scalar) {
                // camelCase: "createdTime" -> "created_time".
                if scalar.properties.isUppercase, previousWasLowerOrDigit { pendingUnderscore = true }
                previousWasLowerOrDigit = scalar.properties.isLowercase || ("0" ... "9").contains(scalar)
                if pendingUnderscore, !result.isEmpty { result.append("_") }
                pendingUnderscore = false
                result.append(contentsOf: String(scalar).lowercased())
            } else {
                pendingUnderscore = true
                previousWasLowerOrDigit = false
            }
        }
        return result
    }

    /// Cuts a name to 63 bytes, ending it with a hash of the source so cut
    /// names stay distinct.
    static func limit(_ name: String, source: String) -> String {
        guard name.utf8.count > 63 else { return name }
        var hasher = SHA256()
        hasher.update(Array(source.utf8))
        let tag = String(hasher.finalizeHex().prefix(8))
        var cut = ""
        for character in name {
            if cut.utf8.count + String(character).utf8.count > 54 { break }
            cut.append(character)
        }
        return cut + "_" + tag
    }
}
