import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// What a check in a worker works with: the request, the recorder, and
/// the plugin loaded (once) into this process.
final class WorkerEnvironment: @unchecked Sendable {
    // @unchecked: owned by the worker's main thread; other threads only use `recorder`, which locks.
    /// The check, library and options.
    let request: WorkerRequest
    /// Where the check records what it finds.
    let recorder: CheckRecorder
    /// The descriptor the `load` check reports back.
    var descriptorForReport: PluginDescriptor?
    private var loaded: LoadedPlugin?

    init(request: WorkerRequest, recorder: CheckRecorder) {
        self.request = request
        self.recorder = recorder
    }

    /// The run's options.
    var options: ConformanceOptions { request.options }

    /// The plugin, loaded and validated as the host always does.
    ///
    /// - Throws: ``StopCheck`` (with the problem recorded) when it does not load.
    func plugin() throws -> LoadedPlugin {
        if let loaded { return loaded }
        recorder.phase("init (\(request.entry)) of \(request.library)")
        do {
            let plugin = try PluginLoader().load(libraryAt: request.library, entrySymbol: request.entry)
            loaded = plugin
            return plugin
        } catch {
            recorder.fail("the plugin does not load: \(error)")
            throw StopCheck()
        }
    }

    /// The config to open instances with.
    ///
    /// - Throws: ``SkipCheck`` saying which option to pass when there is none.
    func config() throws -> String {
        guard let config = options.configJSON else {
            throw SkipCheck(options.configMissingReason ?? "needs a config: pass -s KEY=VALUE (an extractor) or -d KEY=VALUE (a warehouse)")
        }
        return config
    }

    /// Opens an instance with the given config.
    ///
    /// - Throws: ``SkipCheck`` without a config; ``StopCheck`` (problem
    ///   recorded) when open fails.
    func openInstance(_ purpose: String = "") throws -> OpenedInstance {
        let config = try config()
        let plugin = try plugin()
        recorder.phase("open\(purpose.isEmpty ? "" : " (\(purpose))")")
        switch OpenedInstance.open(plugin, configJSON: config, allowingRejects: options.maxBadRows) {
        case .success(let instance): return instance
        case .failure(let failure):
            recorder.fail("open with the given config failed: \(failure.summary)")
            throw StopCheck()
        }
    }
}

/// An instance opened through the raw `open`, closed exactly once.
final class OpenedInstance: @unchecked Sendable {
    // @unchecked: used by one thread at a time, as the contract requires; only cancel() may come from another.
    /// The plugin.
    let plugin: LoadedPlugin
    /// The host context handed to open.
    let context: PluginContext
    /// The plugin's handle, until closed.
    private(set) var handle: OpaquePointer?

    private init(plugin: LoadedPlugin, context: PluginContext, handle: OpaquePointer) {
        self.plugin = plugin
        self.context = context
        self.handle = handle
    }

    /// Calls open with `configJSON`; the instance may set aside up to
    /// `allowingRejects` records through the host's `reject`.
    static func open(_ plugin: LoadedPlugin, configJSON: String, allowingRejects: Int = 0) -> Result<OpenedInstance, CallFailure> {
        let context = PluginContext(pluginName: plugin.descriptor.name, logSink: StandardErrorLogSink())
        context.allowRejects(allowingRejects)
        var opened: OpaquePointer?
        let failure = configJSON.withCString { config in
            var request = etl_open_request()
            request.struct_size = UInt32(MemoryLayout<etl_open_request>.size)
            request.config_json = config
            request.host_context = context.opaquePointer
            return CallFailure.calling { error in plugin.raw.open!(&request, &opened, error) }
        }
        if let failure { return .failure(failure) }
        guard let opened else {
            return .failure(CallFailure(status: 0, filledCode: nil, message: nil, releaseSet: false,
                                        extra: "open returned ETL_OK without setting *out"))
        }
        return .success(OpenedInstance(plugin: plugin, context: context, handle: opened))
    }

    /// The live handle (the check is over once it is closed).
    var live: OpaquePointer { handle! }

    /// cancel(): the plugin's, and the host's is_cancelled flag.
    func cancel() {
        context.cancel()
        if let handle, let cancel = plugin.raw.cancel { cancel(handle) }
    }

    /// Closes the instance; later calls do nothing.
    func close() {
        guard let handle else { return }
        self.handle = nil
        plugin.raw.close!(handle)
    }

    /// The extractor operations.
    var extractor: etl_extractor_ops { plugin.extractorOps! }
    /// The warehouse operations.
    var warehouse: etl_warehouse_ops { plugin.warehouseOps! }
}
