import ETLHTTPShared
import ETLPluginKit

/// The REST extractor: any JSON HTTP API from a declarative config
/// (``RestConfig``): one stream per resource, paged by its ``Paginator``,
/// each record emitted as JSON for the host to flatten and type.
final class RestExtractor: Extractor {
    static let info = PluginInfo(
        name: "rest", version: "0.1.0",
        description: "JSON HTTP APIs from a declarative config: one stream per resource, auth (bearer, API key, "
            + "basic), paginators (link header, next URL, cursor, offset, page number), incremental by a cursor field, "
            + "retries on 429/5xx",
        configSchema: RestConfigSchema.text,
        capabilities: [.schemaHints, .incremental])

    private let config: RestConfig
    private let host: HostContext
    /// Paces the requests of every read of this instance, with every
    /// process reading the same API (``RestPacing``).
    private let pacer: RequestPacer
    /// The OAuth2 access tokens of every read of this instance (auth oauth2_*).
    private let tokens: RestTokenSource?
    /// The reads of this instance and the cursor each started from, for ``checkpoint(stream:)``.
    private var reads: [String: (reader: ResourceReader, previous: String?)] = [:]
    /// The reads of incremental child resources and the cursors per parent each started from.
    private var childReads: [String: (reader: ChildResourceReader, previous: [String: String])] = [:]

    init(config: PluginConfig, host: HostContext) throws {
        self.config = try RestConfig(config)
        self.host = host
        pacer = try RestPacing(config, baseURL: self.config.baseURL).pacer(interval: self.config.requestInterval, host: host)
        if case .oauth2(let grant) = self.config.auth {
            tokens = try RestTokenSource(grant: grant, timeoutSeconds: self.config.timeoutSeconds, host: host)
        } else {
            tokens = nil
        }
    }

    /// The config was checked at open; nothing is requested here (a check
    /// that reads a page would spend the API's rate limit).
    func check() throws {}

    /// One stream per resource, with its primary key and type hints.
    func discover() throws -> Catalog {
        Catalog(streams: config.resources.map {
            CatalogStream(name: $0.name, primaryKey: $0.primaryKey, cursorField: $0.incremental?.cursorField,
                          fields: $0.types.isEmpty ? nil : $0.types)
        })
    }

    /// Reads `stream`; an incremental resource asks for the changes after
    /// the cursor of `state` (see ``IncrementalSpec``).
    func read(stream: String, state: String?) throws -> any BatchSource {
        let resource = try config.resource(named: stream)
        let client = try RestClient(config: config, pacer: pacer, host: host, tokens: tokens)
        if let parent = resource.parent {
            let parentReader = try ResourceReader(resource: try config.resource(named: parent.resource), client: client,
                                                  host: host, incrementalValue: nil)
            // An incremental child: a cursor per parent value, each sent with that parent's reads.
            let cursors = resource.incremental == nil ? [:] : try IncrementalState.parseCursors(state, stream: stream)
            let child = ChildResourceReader(resource: resource, parent: parentReader) { [host] (path, prefix, parentValue) throws(PluginError) in
                let value = resource.incremental.flatMap { spec in cursors[parentValue].map(spec.requestValue(after:)) ?? spec.initialValue }
                return try ResourceReader(resource: resource, client: client, host: host, incrementalValue: value, path: path,
                                          recordPrefix: prefix)
            }
            if resource.incremental != nil { childReads[stream] = (child, cursors) }
            return child
        }
        var previous: String?
        var value: String?
        if let spec = resource.incremental {
            previous = try IncrementalState.parse(state, stream: stream)
            value = previous.map(spec.requestValue(after:)) ?? spec.initialValue
        }
        let reader = try ResourceReader(resource: resource, client: client, host: host, incrementalValue: value)
        reads[stream] = (reader, previous)
        return reader
    }

    /// `{"cursor": "…"}` (a child resource: `{"cursors": {"<parent value>":
    /// "…"}}`, the same per parent): after a complete read, the largest cursor read (or
    /// the previous one when no record had one); before that, the state the
    /// read was given, so that nothing unread is skipped. `nil` for a
    /// resource that is not incremental.
    func checkpoint(stream: String) throws -> String? {
        if let child = childReads[stream] {
            // A child resource: `{"cursors": {parent value: cursor}}`, parents not read this time kept.
            guard child.reader.completed else { return IncrementalState.json(cursors: child.previous) }
            return IncrementalState.json(cursors: child.previous.merging(child.reader.cursors) { $1 })
        }
        guard let read = reads[stream], (try config.resource(named: stream)).incremental != nil else { return nil }
        guard read.reader.completed else { return IncrementalState.json(cursor: read.previous) }
        return IncrementalState.json(cursor: read.reader.largestCursor?.text ?? read.previous)
    }
}
