import ETLPluginKit

/// The REST extractor: any JSON HTTP API from a declarative config
/// (``RestConfig``): one stream per resource, paged by its ``Paginator``,
/// each record emitted as JSON for the host to flatten and type.
final class RestExtractor: Extractor {
    static let info = PluginInfo(
        name: "rest", version: "0.1.0",
        description: "JSON HTTP APIs from a declarative config: one stream per resource, auth (bearer, API key, "
            + "basic), paginators (link header, next URL, cursor, offset, page number), retries on 429/5xx",
        configSchema: RestConfigSchema.text,
        capabilities: [.schemaHints])

    private let config: RestConfig
    private let host: HostContext

    init(config: PluginConfig, host: HostContext) throws {
        self.config = try RestConfig(config)
        self.host = host
    }

    /// The config was checked at open; nothing is requested here (a check
    /// that reads a page would spend the API's rate limit).
    func check() throws {}

    /// One stream per resource, with its primary key and type hints.
    func discover() throws -> Catalog {
        Catalog(streams: config.resources.map {
            CatalogStream(name: $0.name, primaryKey: $0.primaryKey, fields: $0.types.isEmpty ? nil : $0.types)
        })
    }

    func read(stream: String, state: String?) throws -> any BatchSource {
        let resource = try config.resource(named: stream)
        return try ResourceReader(resource: resource, client: try RestClient(config: config, host: host), host: host)
    }
}
