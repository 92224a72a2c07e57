import ETLPluginKit

/// A write mode in run records and reports: its name (`"replace"`,
/// `"append"`, `"upsert"`), as records always held it.
extension WriteMode: Codable {
    /// Decodes a mode's name.
    ///
    /// - Throws: `DecodingError.dataCorrupted` for any other text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let mode = WriteMode.allCases.first(where: { $0.description == name }) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown write mode '\(name)'; expected replace, append or upsert")
        }
        self = mode
    }

    /// Encodes the mode's name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A deletion mode in run records: its name (`"keep"`, `"remove"`,
/// `"flag"`), as records always held it.
extension DeletionMode: Codable {
    /// Decodes a deletion mode's name.
    ///
    /// - Throws: `DecodingError.dataCorrupted` for any other text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let mode = DeletionMode.allCases.first(where: { $0.description == name }) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown deletion mode '\(name)'; expected keep, remove or flag")
        }
        self = mode
    }

    /// Encodes the deletion mode's name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
