/// The names of the columns a table loads into.
///
/// Every record has two columns of its own: `id` (the record id, the
/// primary key) and `createdTime`. Airtable field names are unique within a
/// table but may be `id` or `createdTime` too; such a field's data goes to
/// a column with ` (field)` appended: `id (field)`, `createdTime (field)`.
/// So that this can never collide with another field, a field already
/// named `id (field)` (or with more ` (field)` suffixes) gets one more:
/// the rule maps every field name to a distinct column name without
/// looking at the other fields, so it gives the same answer for the typed
/// columns and for the records of the schemaless fallback.
///
/// The host then turns names into snake_case identifiers (`id (field)` ->
/// `id_field`) and resolves case-only collisions (`ID` -> `id_2`).
enum ColumnNames {
    /// The record id column.
    static let recordID = "id"
    /// The record creation time column.
    static let createdTime = "createdTime"
    /// What is appended to a field name that would collide.
    static let suffix = " (field)"

    /// The column name for a field named `name`.
    static func column(forField name: String) -> String {
        var stem = Substring(name)
        while stem.hasSuffix(suffix) { stem = stem.dropLast(suffix.count) }
        return stem == recordID || stem == createdTime ? name + suffix : name
    }

    /// Whether the field named by `bytes` needs renaming (see ``column(forField:)``).
    static func needsRenaming(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var end = bytes.count
        let suffixBytes = Array(suffix.utf8)
        while end >= suffixBytes.count,
              bytes[(end - suffixBytes.count)..<end].elementsEqual(suffixBytes) {
            end -= suffixBytes.count
        }
        let stem = bytes[0..<end]
        return stem.elementsEqual(recordID.utf8) || stem.elementsEqual(createdTime.utf8)
    }
}
