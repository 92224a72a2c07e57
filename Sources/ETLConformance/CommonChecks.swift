import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// The checks every plugin goes through, whatever its kind: loading, ABI
/// negotiation, the config schema, and opening with good and bad configs.
enum CommonChecks {
    /// `load`: the library loads as the host always loads it (init with the
    /// host's ABI, descriptor validated), plus the descriptor rules the
    /// loader does not need to enforce.
    static func load(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let plugin = try environment.plugin()
        let descriptor = plugin.descriptor
        environment.descriptorForReport = descriptor
        let raw = plugin.raw
        switch descriptor.kind {
        case .extractor where raw.warehouse != nil:
            recorder.fail("the descriptor says extractor but also points 'warehouse' at a table; it must be NULL")
        case .warehouse where raw.extractor != nil:
            recorder.fail("the descriptor says warehouse but also points 'extractor' at a table; it must be NULL")
        default: break
        }
        if raw.reserved0 != 0 { recorder.note("reserved0 is \(raw.reserved0); it is reserved and should be 0") }
        let known = PluginCapabilities.all.reduce(UInt64(0)) { $0 | $1.bit }
        if raw.capabilities & ~known != 0 {
            recorder.note(String(format: "capability bits 0x%llx are unknown to this host (ignored)", raw.capabilities & ~known))
        }
        let extractorOnly: Set<String> = ["incremental", "schema_hints", "key_listing"]
        let warehouseOnly: Set<String> = ["replace", "append", "upsert", "transactional_state", "deletions", "sql_execute",
                                          "sql_query"]
        let misplaced = descriptor.capabilities.filter {
            (descriptor.kind == .extractor ? warehouseOnly : extractorOnly).contains($0)
        }
        if !misplaced.isEmpty {
            recorder.note("capabilities \(misplaced.joined(separator: ", ")) are for \(descriptor.kind == .extractor ? "warehouses" : "extractors") (ignored)")
        }
        if descriptor.kind == .warehouse,
           !descriptor.capabilities.contains(where: ["replace", "append", "upsert"].contains) {
            recorder.fail("the warehouse declares none of the replace, append and upsert capabilities; the host "
                + "cannot write with any mode")
        }
        recorder.passDetail = "\(descriptor.name) \(descriptor.version), \(descriptor.kind.rawValue), "
            + "\(descriptor.language), ABI \(descriptor.abi) (negotiated \(descriptor.negotiatedABI))"
    }

    /// `abi-negotiation`: a host of ABI 2.0 is refused with
    /// ETL_ERR_ABI_MISMATCH, a message, and the plugin's own abi_version.
    static func abiNegotiation(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let request = environment.request
        let initialize: etl_plugin_init_fn
        do {
            initialize = try RawInit.entryPoint(library: request.library, symbol: request.entry)
        } catch {
            recorder.fail("\(error)")
            throw StopCheck()
        }
        let otherMajor = HostABI.make(major: HostABI.current >> 16 + 1, minor: 0)
        recorder.phase("init offered host ABI \(HostABI.string(otherMajor))",
                       crashHint: "init must not crash when the host's major version differs")
        let outcome = RawInit.call(initialize, hostABI: otherMajor, descriptorSize: MemoryLayout<etl_plugin>.size)
        let offered = "a host of ABI \(HostABI.string(otherMajor))"
        guard outcome.status != ETL_OK.rawValue else {
            recorder.fail("init accepted \(offered) (returned ETL_OK); a plugin must refuse another major "
                + "version with ETL_ERR_ABI_MISMATCH")
            return
        }
        if outcome.status != ETL_ERR_ABI_MISMATCH.rawValue {
            recorder.fail("init answered \(offered) with \(PluginStatusCode.name(outcome.status)); expected "
                + "ETL_ERR_ABI_MISMATCH (\(ETL_ERR_ABI_MISMATCH.rawValue))")
        }
        let version = outcome.descriptor.abi_version
        if version == 0 {
            recorder.fail("init refused \(offered) without setting abi_version: the host cannot tell which "
                + "version the plugin was built for")
        } else if version >> 16 == otherMajor >> 16 {
            recorder.fail("init refused \(offered) but set abi_version to \(HostABI.string(version)), the host's "
                + "version; it must be the plugin's own")
        }
        for problem in outcome.failure?.problems(operation: "init with \(offered)") ?? [] { recorder.fail(problem) }
        recorder.passDetail = "\(offered) is refused with ETL_ERR_ABI_MISMATCH (plugin ABI "
            + "\(HostABI.string(version))): \(outcome.failure?.message ?? "")"
    }

    /// `config-schema`: see ``ConfigSchemaAudit``.
    static func configSchema(_ environment: WorkerEnvironment) throws {
        let plugin = try environment.plugin()
        let audit = ConfigSchemaAudit(plugin.descriptor.configSchema)
        for problem in audit.problems { environment.recorder.fail(problem) }
        for note in audit.notes { environment.recorder.note(note) }
        let properties = audit.root?["properties"]?.objectValue?.keys.sorted() ?? []
        let required = audit.root?["required"]?.stringArrayValue ?? []
        environment.recorder.passDetail = "a valid JSON Schema of an object: "
            + (properties.isEmpty ? "no properties" : "properties \(properties.joined(separator: ", "))")
            + (required.isEmpty ? "" : "; required \(required.joined(separator: ", "))")
    }

    /// `open`: open, check() when implemented, close.
    static func open(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let instance = try environment.openInstance()
        var detail = "opened with the given config"
        if let check = instance.plugin.raw.check {
            recorder.phase("check()")
            if let failure = CallFailure.calling({ check(instance.live, $0) }) {
                recorder.fail("check() failed with the given config: \(failure.summary)")
            } else {
                detail += "; check() passed"
            }
        } else {
            detail += " (no check())"
        }
        recorder.phase("close")
        instance.close()
        recorder.passDetail = detail + "; closed"
    }

    /// `open-bad-config`: configs derived from the schema to be wrong are
    /// refused cleanly: a status, its code in the error, a message, the
    /// error released, `*out` untouched.
    static func openBadConfig(_ environment: WorkerEnvironment) throws {
        let recorder = environment.recorder
        let plugin = try environment.plugin()
        let audit = ConfigSchemaAudit(plugin.descriptor.configSchema)
        let good = environment.options.configJSON.flatMap { (try? JSONValue(jsonText: $0))?.objectValue }
        var configs = audit.badConfigs(good: good)
        if good == nil, plugin.descriptor.kind == .warehouse {
            // Without a destination to point at, only try configs the plugin
            // must refuse (an accepted one could create a default destination).
            configs = configs.filter(\.mustFail)
        }
        guard !configs.isEmpty else {
            throw SkipCheck(good == nil && audit.root != nil
                ? "no bad config can be derived without a good one (the schema requires no key): pass the config"
                : "the schema leaves nothing to get wrong (no required keys, no typed properties, unknown keys allowed)")
        }
        var refused = 0
        for config in configs {
            recorder.phase("open \(config.description)")
            let context = PluginContext(pluginName: plugin.descriptor.name, logSink: StandardErrorLogSink(minimumLevel: .error))
            let sentinel = OpaquePointer(bitPattern: 0xE71_BAD)!
            var out: OpaquePointer? = sentinel
            let failure = config.json.withCString { text in
                var request = etl_open_request()
                request.struct_size = UInt32(MemoryLayout<etl_open_request>.size)
                request.config_json = text
                request.host_context = context.opaquePointer
                return CallFailure.calling { plugin.raw.open!(&request, &out, $0) }
            }
            if let failure {
                refused += 1
                for problem in failure.problems(operation: "open \(config.description)") { recorder.fail(problem) }
                if out != sentinel {
                    recorder.fail("open \(config.description) failed but changed *out; it must leave it untouched")
                }
            } else {
                if let out, out != sentinel {
                    recorder.phase("close after open \(config.description)")
                    plugin.raw.close!(out)
                }
                if config.mustFail {
                    recorder.fail("open accepted a config \(config.description); it must fail with a status and a "
                        + "message naming the key")
                } else {
                    recorder.note("open accepted a config \(config.description) (allowed: the host validates configs "
                        + "against the schema before open)")
                }
            }
        }
        recorder.passDetail = "\(refused) of \(configs.count) bad configs refused cleanly ("
            + configs.map(\.description).joined(separator: "; ") + ")"
    }
}
