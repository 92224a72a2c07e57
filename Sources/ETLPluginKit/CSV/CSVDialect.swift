/// How a CSV file is written: its delimiter, quote character and whether
/// the first line names the columns.
///
/// ```swift
/// let dialect = try CSVDialect(delimiter: ";")      // quote ", header line
/// ```
public struct CSVDialect: Sendable, Hashable {
    /// The byte between fields, e.g. `,` `;` or tab.
    public let delimiter: UInt8
    /// The byte that encloses quoted fields (doubled inside them).
    public let quote: UInt8
    /// Whether the first record holds the column names.
    public let hasHeader: Bool

    /// Creates a dialect.
    ///
    /// - Throws: ``PluginError/Code/invalidArgument`` when the delimiter or
    ///   quote is not a single ASCII character, is a line break, or both
    ///   are the same.
    public init(delimiter: String = ",", quote: String = "\"", hasHeader: Bool = true) throws(PluginError) {
        self.delimiter = try Self.byte(delimiter, name: "delimiter")
        self.quote = try Self.byte(quote, name: "quote")
        self.hasHeader = hasHeader
        guard self.delimiter != self.quote else {
            throw PluginError.invalidArgument("config \"delimiter\" and \"quote\" must differ; both are "
                + "\"\(delimiter)\"")
        }
    }

    private static func byte(_ text: String, name: String) throws(PluginError) -> UInt8 {
        let bytes = Array(text.utf8)
        guard bytes.count == 1, bytes[0] < 0x80 else {
            throw PluginError.invalidArgument("config \"\(name)\" must be a single ASCII character such "
                + "as \",\" \";\" or \"\\t\"; got \(bytes.count == 0 ? "an empty string" : "\"\(text)\"")")
        }
        guard bytes[0] != 0x0A, bytes[0] != 0x0D else {
            throw PluginError.invalidArgument("config \"\(name)\" cannot be a line break")
        }
        return bytes[0]
    }
}
