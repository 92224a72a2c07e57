import Foundation

/// One worker's plugin instances: an extractor instance (none for a
/// replay) and a warehouse instance, one pair per stream loaded at once,
/// with the log sink that tags their messages with the stream.
final class StreamWorker: Sendable {
    /// The extractor's instance; nil when the records come from a snapshot.
    let source: PluginInstance?
    /// The warehouse's instance.
    let destination: PluginInstance
    /// Tags plugin messages with the stream being worked on.
    let sink: StreamLogSink

    init(source: PluginInstance?, destination: PluginInstance, sink: StreamLogSink) {
        self.source = source
        self.destination = destination
        self.sink = sink
    }

    /// Opens the instances `request` asks for (the extractor's only when
    /// `source` is a plugin); on a failure nothing stays open.
    static func open(for request: SyncRequest, source: SyncSource, warehouse: LoadedPlugin, log: RunLog) throws -> StreamWorker {
        let sink = log.sink()
        var sourceInstance: PluginInstance?
        if case .plugin(let extractor) = source {
            sourceInstance = try PluginInstance(plugin: extractor, configJSON: ConfigResolver.json(request.sourceConfig), logSink: sink)
        }
        let destination: PluginInstance
        do {
            destination = try PluginInstance(plugin: warehouse, configJSON: ConfigResolver.json(request.destinationConfig), logSink: sink)
        } catch {
            sourceInstance?.close()
            throw error
        }
        return StreamWorker(source: sourceInstance, destination: destination, sink: sink)
    }

    /// Asks both instances to stop the call under way (any thread).
    func cancel() {
        source?.cancel()
        destination.cancel()
    }

    /// Closes both instances.
    func close() {
        source?.close()
        destination.close()
    }
}
