import ETLPluginKit

/// The CSV extractor: one stream per file matched by `path`, each emitted
/// as untyped utf8 columns (`etl.untyped = 1`) for the host to type.
///
/// An empty unquoted field is NULL; a quoted empty field (`""`) is the
/// empty string. See ``CSVReader`` for the accepted syntax.
final class CSVExtractor: Extractor {
    static let info = PluginInfo(
        name: "csv", version: "0.1.0",
        description: "CSV files (RFC 4180): one stream per file, untyped columns typed by the host",
        configSchema: CSVConfig.schema,
        capabilities: [.parallelStreams])

    private let config: CSVConfig
    private let host: HostContext

    init(config: PluginConfig, host: HostContext) throws {
        self.config = try CSVConfig(config)
        self.host = host
    }

    /// Checks that the files exist and can be opened.
    func check() throws {
        for file in try files().files {
            _ = try FileInput(path: file.path)
        }
    }

    /// One stream per file, with its columns as read from the header line
    /// (without type hints: the values are untyped text the host types).
    ///
    /// A malformed header line (invalid UTF-8, an unclosed quote, a NUL in
    /// a name) is not a discover failure: the stream is listed without
    /// fields and its read fails with the error as bad data (exit 65), like
    /// a malformed data row, while the other files still load. An empty
    /// file (no bytes, or blank lines only) is a stream without fields or
    /// rows: the host's rule for a source with no rows applies.
    func discover() throws -> Catalog {
        var streams: [CatalogStream] = []
        for file in try files().files {
            try host.checkCancelled("discovering \(file.path)")
            let reader = CSVReader(input: try FileInput(path: file.path), fileName: file.path,
                                   dialect: config.dialect)
            let columns: [String]
            do {
                columns = try reader.readHeaderIfPresent() ?? []
            } catch {
                guard error.code == .data else { throw error }
                host.log(.debug, "\(error.message) (reported when stream \"\(file.stream)\" is read)")
                columns = []
            }
            streams.append(CatalogStream(
                name: file.stream, fields: columns.map { CatalogField(name: $0) }))
        }
        return Catalog(streams: streams)
    }

    func read(stream: String, state: String?) throws -> any BatchSource {
        let file = try files().file(forStream: stream)
        host.log(.debug, "reading \(file.path) as stream \"\(stream)\"")
        return try CSVStreamSource(file: file, dialect: config.dialect, batchRows: config.batchRows, host: host)
    }

    /// The files of `path`, resolved again at each operation so that a
    /// file added since open() is seen.
    private func files() throws(PluginError) -> FileSet {
        try FileSet(path: config.path, stream: config.stream)
    }
}
