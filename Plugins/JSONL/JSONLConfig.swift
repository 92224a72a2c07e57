import ETLPluginKit

/// The JSON Lines extractor's configuration, checked.
struct JSONLConfig {
    /// A file path or a glob such as `data/*.jsonl`.
    let path: String
    /// The stream name to use when `path` matches exactly one file.
    let stream: String?
    /// How each record travels to the host.
    let shape: JSONLShape

    /// Every key the config accepts (the schema says the same).
    static let keys: Set<String> = ["path", "stream", "shape"]

    /// The JSON Schema of the config, published in the descriptor.
    static let schema = #"""
    {
      "type": "object",
      "additionalProperties": false,
      "required": ["path"],
      "properties": {
        "path": {
          "type": "string",
          "description": "A JSON Lines file (one JSON object per line, UTF-8), or a glob such as data/*.jsonl. Each file is one stream, named after the file without its extension (data/events.jsonl -> events)."
        },
        "stream": {
          "type": "string",
          "description": "The stream name to use instead of the file name; only when path matches exactly one file."
        },
        "shape": {
          "type": "string",
          "enum": ["members", "lines"],
          "default": "members",
          "description": "How each record travels to the host, and so what a snapshot of the run holds. members (the default, fastest): each top-level key in a column of its own holding the member's JSON text, found by the one scan that validates the line; a line whose keys do not fit those columns (a key first seen later, a repeated key) travels whole. lines: every line byte for byte, for the host to flatten; the snapshot then keeps each line exactly as it was. The table is the same either way."
        }
      }
    }
    """#

    /// Reads and checks a config.
    init(_ config: PluginConfig) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        (path, stream) = try FileSet.pathAndStream(from: config, example: "data/events.jsonl")
        if let value = try config.string("shape") {
            guard let shape = JSONLShape(rawValue: value) else {
                throw PluginError.invalidArgument("config \"shape\" must be \"members\" or \"lines\", got \"\(value)\"")
            }
            self.shape = shape
        } else {
            shape = .members
        }
    }
}

/// How the records of a JSON Lines file travel to the host (config `shape`).
enum JSONLShape: String {
    /// Each top-level member in a column of its own (``JSONLMemberSource``).
    case members
    /// Each line whole, byte for byte (``JSONLLineSource``).
    case lines
}
