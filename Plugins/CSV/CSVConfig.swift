import ETLPluginKit

/// The CSV extractor's configuration, checked and with defaults applied.
struct CSVConfig {
    /// A file path or a glob such as `data/*.csv`.
    let path: String
    /// The stream name to use when `path` matches exactly one file.
    let stream: String?
    /// Delimiter, quote and header.
    let dialect: CSVDialect
    /// Rows per batch handed to the host.
    let batchRows: Int

    /// Every key the config accepts (the schema says the same).
    static let keys: Set<String> = ["path", "stream", "delimiter", "quote", "has_header", "encoding", "batch_rows"]

    /// The JSON Schema of the config, published in the descriptor.
    static let schema = #"""
    {
      "type": "object",
      "additionalProperties": false,
      "required": ["path"],
      "properties": {
        "path": {
          "type": "string",
          "description": "A CSV file, or a glob such as data/*.csv. Each file is one stream, named after the file without its extension (data/orders.csv -> orders)."
        },
        "stream": {
          "type": "string",
          "description": "The stream name to use instead of the file name; only when path matches exactly one file."
        },
        "delimiter": {
          "type": "string",
          "default": ",",
          "description": "The field separator: one ASCII character, such as \",\", \";\" or \"\\t\"."
        },
        "quote": {
          "type": "string",
          "default": "\"",
          "description": "The character that encloses fields holding delimiters, quotes or line breaks; doubled inside them."
        },
        "has_header": {
          "type": "boolean",
          "default": true,
          "description": "Whether the first line names the columns. Without it, columns are named column_1, column_2, ..."
        },
        "encoding": {
          "type": "string",
          "enum": ["utf-8"],
          "default": "utf-8",
          "description": "The text encoding of the files. Only UTF-8 is supported (a byte order mark is dropped)."
        },
        "batch_rows": {
          "type": "integer",
          "default": 65536,
          "description": "Rows per batch handed to the host (1 to 1048576): smaller batches use less memory per batch, larger ones less time per row."
        }
      }
    }
    """#

    /// Reads and checks a config.
    init(_ config: PluginConfig) throws(PluginError) {
        try config.rejectUnknownKeys(allowed: Self.keys)
        (path, stream) = try FileSet.pathAndStream(from: config, example: "data/orders.csv")
        let encoding = try config.string("encoding") ?? "utf-8"
        guard ["utf-8", "utf8"].contains(encoding.lowercased()) else {
            throw PluginError.invalidArgument("config \"encoding\" is \"\(encoding)\" but only \"utf-8\" "
                + "is supported; convert the file first (e.g. iconv -f \(encoding) -t utf-8)")
        }
        dialect = try CSVDialect(delimiter: try config.string("delimiter") ?? ",",
                                 quote: try config.string("quote") ?? "\"",
                                 hasHeader: try config.bool("has_header") ?? true)
        let rows = try config.integer("batch_rows") ?? Int64(CSVStreamSource.defaultBatchRows)
        guard (1...1 << 20).contains(rows) else {
            throw PluginError.invalidArgument("config \"batch_rows\" is \(rows); use 1 to 1048576")
        }
        batchRows = Int(rows)
    }
}
