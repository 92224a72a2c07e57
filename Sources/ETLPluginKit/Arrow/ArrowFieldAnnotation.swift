/// What a column's values mean beyond their Arrow type, carried in field
/// metadata (see "BATCHES IN ABI v1" in `etl_plugin.h`).
///
/// ```swift
/// ArrowField("price", .utf8, annotation: .decimal(precision: 12, scale: 2))
/// ArrowField("Name", .utf8, annotation: .untyped)     // CSV text
/// ```
public enum ArrowFieldAnnotation: Sendable, Hashable, CustomStringConvertible {
    /// `ARROW:extension:name = arrow.json`: each utf8 value is a JSON
    /// document (nested objects and arrays).
    case json
    /// `etl.untyped = 1`: the utf8 values are raw text for the host to infer
    /// a type from.
    case untyped
    /// `etl.decimal = <precision>,<scale>`: the utf8 values are exact
    /// decimals such as `"-12.50"`.
    case decimal(precision: Int, scale: Int)
    /// `etl.record = 1`: a single utf8 column holding one JSON object per
    /// row, for the host to flatten.
    case record
    /// `etl.member = 1` (ABI 1.4): each utf8 value is the JSON text of one
    /// top-level member of the stream's records, byte for byte (`"a b"`
    /// with its quotes and escapes, `12.50`, `true`, `[1,2]`); the host
    /// types each value by its JSON kind, as it types a record's member.
    /// A null is a missing member (or JSON `null`).
    case member

    /// The metadata key that carries the JSON extension name.
    public static let extensionNameKey = "ARROW:extension:name"
    /// The extension name of JSON columns.
    public static let jsonExtensionName = "arrow.json"
    /// The metadata key of untyped columns.
    public static let untypedKey = "etl.untyped"
    /// The metadata key of decimal columns.
    public static let decimalKey = "etl.decimal"
    /// The metadata key of record columns.
    public static let recordKey = "etl.record"
    /// The metadata key of member columns.
    public static let memberKey = "etl.member"

    /// The metadata entry that encodes this annotation.
    public var metadataEntry: ArrowMetadata.Entry {
        switch self {
        case .json: ArrowMetadata.Entry(Self.extensionNameKey, Self.jsonExtensionName)
        case .untyped: ArrowMetadata.Entry(Self.untypedKey, "1")
        case .decimal(let precision, let scale): ArrowMetadata.Entry(Self.decimalKey, "\(precision),\(scale)")
        case .record: ArrowMetadata.Entry(Self.recordKey, "1")
        case .member: ArrowMetadata.Entry(Self.memberKey, "1")
        }
    }

    /// The annotation encoded in `metadata`, `nil` when there is none.
    ///
    /// - Throws: ``PluginError/Code/data`` when an `etl.*` key has a value
    ///   that is not valid (e.g. `etl.decimal = "abc"`), or when two
    ///   annotations are present.
    public init?(metadata: ArrowMetadata) throws(PluginError) {
        var found: [ArrowFieldAnnotation] = []
        if let name = metadata[Self.extensionNameKey], name == Self.jsonExtensionName {
            found.append(.json)
        }
        if let value = metadata[Self.untypedKey] {
            guard value == "1" else {
                throw PluginError.data("metadata \(Self.untypedKey) must be \"1\", got \"\(value)\"")
            }
            found.append(.untyped)
        }
        if let value = metadata[Self.recordKey] {
            guard value == "1" else {
                throw PluginError.data("metadata \(Self.recordKey) must be \"1\", got \"\(value)\"")
            }
            found.append(.record)
        }
        if let value = metadata[Self.memberKey] {
            guard value == "1" else {
                throw PluginError.data("metadata \(Self.memberKey) must be \"1\", got \"\(value)\"")
            }
            found.append(.member)
        }
        if let value = metadata[Self.decimalKey] {
            let parts = value.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, let precision = Int(parts[0]), let scale = Int(parts[1]),
                  precision > 0, scale >= 0, scale <= precision
            else {
                throw PluginError.data(
                    "metadata \(Self.decimalKey) must be \"<precision>,<scale>\" with "
                        + "0 <= scale <= precision, e.g. \"12,2\"; got \"\(value)\"")
            }
            found.append(.decimal(precision: precision, scale: scale))
        }
        guard found.count <= 1 else {
            throw PluginError.data("a field may carry only one of arrow.json, etl.untyped, "
                + "etl.decimal, etl.record and etl.member; found \(found.map(\.description).joined(separator: ", "))")
        }
        guard let annotation = found.first else { return nil }
        self = annotation
    }

    /// A readable name, e.g. `"decimal(12,2)"`.
    public var description: String {
        switch self {
        case .json: "json"
        case .untyped: "untyped"
        case .decimal(let precision, let scale): "decimal(\(precision),\(scale))"
        case .record: "record"
        case .member: "member"
        }
    }
}
