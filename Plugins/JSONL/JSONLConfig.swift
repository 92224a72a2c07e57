import ETLPluginKit

/// The JSON Lines extractor's configuration, checked.
struct JSONLConfig {
    /// A file path or a glob such as `data/*.jsonl`.
    let path: String
    /// The stream name to use when `path` matches exactly one file.
    let stream: String?

    /// Every key the config accepts (the schema says the same).
    static let keys: Set<String> = ["path", "stream"]

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
        }
      }
    }
    """#

    /// Reads and checks a config.
    init(_ config: PluginConfig) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        (path, stream) = try FileSet.pathAndStream(from: config, example: "data/events.jsonl")
    }
}
