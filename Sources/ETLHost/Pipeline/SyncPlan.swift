import ETLPluginKit

/// A sync request checked against its plugins' descriptors before anything
/// is read: the options they can honour (``SyncOptionsCheck``, shared with
/// `etl-host validate`), the streams to load, and how many may load at once.
struct SyncPlan {
    /// The request, as checked.
    let request: SyncRequest
    /// The extractor's descriptor; nil for a replay (the snapshot stands in).
    let extractor: PluginDescriptor?
    /// The warehouse's descriptor.
    let warehouse: PluginDescriptor

    /// Checks `request` against the plugins.
    ///
    /// - Throws: `.invalidArgument` naming the first option the plugins
    ///   cannot honour, or a `parallel` below 1.
    init(request: SyncRequest, extractor: PluginDescriptor?, warehouse: PluginDescriptor) throws {
        try SyncOptionsCheck.check(mode: request.mode, incremental: request.incremental, deletions: request.deletions,
                                   extractor: extractor, warehouse: warehouse)
        try request.history.check(mode: request.mode, warehouse: warehouse)
        guard request.parallel >= 1 else { throw HostError(.invalidArgument, "--parallel must be 1 or more") }
        self.request = request
        self.extractor = extractor
        self.warehouse = warehouse
    }

    /// The streams of `catalog` the request names (all when it names
    /// none), in the request's order.
    ///
    /// - Throws: `.invalidArgument` naming a stream the catalog does not
    ///   have, and the ones it has.
    func streams(of catalog: Catalog) throws -> [CatalogStream] {
        guard let wanted = request.streams else { return catalog.streams }
        return try wanted.map { name in
            guard let stream = catalog.streams.first(where: { $0.name == name }) else {
                throw HostError(.invalidArgument, "\(request.replayOf == nil ? "extractor '\(request.extractor)'" : "the snapshot of run \(request.replayOf!)") has no stream '\(name)'; its streams: \(catalog.streams.map(\.name).joined(separator: ", "))")
            }
            return stream
        }
    }

    /// The tables the streams load into: a name the request's shaping
    /// gives, as written; else the request's table prefix and the
    /// stream's name, normalized, collision-free across the run.
    ///
    /// - Throws: `.invalidArgument` when two streams are given one table.
    func tables(for streams: [CatalogStream]) throws -> [String] {
        var names = NameNormalizer()
        var given: [String: String] = [:]
        for stream in streams {
            guard let table = request.shaping[stream.name]?.table else { continue }
            if let other = given[table] {
                throw HostError(.invalidArgument, "streams '\(other)' and '\(stream.name)' are both given table '\(table)'")
            }
            given[table] = stream.name
            names.reserve(source: "\u{0}table:" + stream.name, identifier: table)
        }
        return streams.map { request.shaping[$0.name]?.table ?? names.assign((request.tablePrefix ?? "") + $0.name) }
    }

    /// Whether both sides allow streams to load at once: both declare
    /// `parallel_streams` (a replay reads files, so only the warehouse counts).
    var allowsParallelStreams: Bool {
        warehouse.has(.parallelStreams) && (extractor?.has(.parallelStreams) ?? true)
    }

    /// Streams loaded at once for `streamCount` streams: `--parallel`, at
    /// most one per stream, and 1 unless ``allowsParallelStreams``.
    func workerCount(streamCount: Int) -> Int {
        min(max(1, request.parallel), streamCount, allowsParallelStreams ? request.parallel : 1)
    }

    /// The warning for a `--parallel` the plugins do not allow (nil when
    /// there is nothing to say).
    var parallelWarning: String? {
        guard !allowsParallelStreams, request.parallel > 1 else { return nil }
        return "--parallel \(request.parallel): \(request.extractor) and \(warehouse.name) do not both declare parallel_streams; loading one stream at a time"
    }
}
