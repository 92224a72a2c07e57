import ETLPluginKit

/// The JSON Lines extractor: one stream per file matched by `path`; each
/// line is one JSON object, validated by one scan that also finds its
/// top-level members, emitted with its line number (`_line`) for the host
/// to type: by default each member in a column of its own
/// (``JSONLMemberSource``), with config `shape: lines` (or a host older
/// than ABI 1.4) each line byte for byte as a record (`_record`,
/// ``JSONLLineSource``). See ``JSONLinesReader`` for what a file may hold
/// and the errors it gives.
final class JSONLExtractor: Extractor {
    static let info = PluginInfo(
        name: "jsonl", version: "0.1.0",
        description: "JSON Lines files: one JSON object per line, one stream per file, each top-level key "
            + "a column typed by the host",
        configSchema: JSONLConfig.schema,
        capabilities: [.parallelStreams])

    private let config: JSONLConfig
    private let host: HostContext

    init(config: PluginConfig, host: HostContext) throws {
        self.config = try JSONLConfig(config)
        self.host = host
    }

    /// Checks that the files exist and can be opened.
    func check() throws {
        for file in try files().files {
            _ = try FileInput(path: file.path)
        }
    }

    /// One stream per file; no type hints (the host infers the types from
    /// the records) and no primary key.
    func discover() throws -> Catalog {
        Catalog(streams: try files().files.map { CatalogStream(name: $0.stream) })
    }

    func read(stream: String, state: String?) throws -> any BatchSource {
        let file = try files().file(forStream: stream)
        host.log(.debug, "reading \(file.path) as stream \"\(stream)\" (\(shape.rawValue))")
        switch shape {
        case .members: return try JSONLMemberSource(file: file, host: host)
        case .lines: return try JSONLLineSource(file: file, host: host)
        }
    }

    /// The shape the batches take: the config's, but `lines` for a host
    /// older than ABI 1.4, which would read member columns as plain text.
    private var shape: JSONLShape {
        guard config.shape == .members else { return .lines }
        return (host.hostABIVersion ?? 0) >= ETLABI.memberColumnsVersion ? .members : .lines
    }

    /// The files of `path`, resolved again at each operation so that a
    /// file added since open() is seen.
    private func files() throws(PluginError) -> FileSet {
        try FileSet(path: config.path, stream: config.stream)
    }
}
