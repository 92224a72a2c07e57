import ETLPluginKit
import Glibc

/// procstats — an example extractor written with the Swift SDK
/// (ETLPluginKit): the load, memory and processes of a Linux machine, read
/// from `/proc`, as three streams. Each row carries `read_at`, the time of
/// the read, so that `etl-host sync procstats sqlite --mode append` run
/// from cron builds a history:
///
///     loadavg    load_1m, load_5m, load_15m (float64), runnable,
///                scheduled, last_pid (int64), uptime_seconds (float64),
///                read_at (timestamp)
///     meminfo    name (utf8), value (int64: bytes when /proc says kB,
///                else a count), unit ("bytes" or null), read_at
///     processes  pid, ppid (int64), name, state (utf8), threads (int64),
///                user_seconds, system_seconds (float64), rss_bytes,
///                virtual_bytes (int64), started_at (timestamp), read_at
///
/// Config: `{"proc_dir": "/proc"}` (the default), the mount point of the
/// proc file system, or a copy of its files.
final class ProcStatsExtractor: Extractor {
    // snippet:info
    static let info = PluginInfo(
        name: "procstats", version: "1.0.0",
        description: "Load average, memory and processes of this Linux machine, from /proc",
        configSchema: #"""
        {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "proc_dir": {
              "type": "string",
              "default": "/proc",
              "description": "Where the proc file system is mounted (or a copy of its files)."
            }
          }
        }
        """#,
        capabilities: [.schemaHints, .parallelStreams])
    // end-snippet

    private let files: ProcFiles
    private let host: HostContext

    init(config: PluginConfig, host: HostContext) throws {
        try config.rejectUnknownKeys(allowed: ["proc_dir"])
        files = ProcFiles(root: try config.string("proc_dir") ?? "/proc")
        self.host = host
    }

    /// The proc files every stream needs are there.
    func check() throws {
        _ = try files.loadAverage()
    }

    func discover() throws -> Catalog {
        Catalog(streams: [
            CatalogStream(name: "loadavg", fields: Self.loadFields.map(Self.hint)),
            CatalogStream(name: "meminfo", primaryKey: ["name"], fields: Self.memoryFields.map(Self.hint)),
            CatalogStream(name: "processes", primaryKey: ["pid"], fields: Self.processFields.map(Self.hint)),
        ])
    }

    // snippet:read
    func read(stream: String, state: String?) throws -> any BatchSource {
        let readAt = Self.now()
        switch stream {
        case "loadavg":
            let load = try files.loadAverage()
            return Self.oneBatch(Self.loadFields) { b in
                b.append(load.oneMinute); b.append(load.fiveMinutes); b.append(load.fifteenMinutes)
                b.append(load.runnable); b.append(load.scheduled); b.append(load.lastPID)
                b.append(load.uptimeSeconds); b.appendTimestamp(microsecondsSinceEpoch: readAt)
                try b.endRow()
            }
        case "meminfo":
            let entries = try files.memoryInfo()
            return Self.oneBatch(Self.memoryFields) { b in
                for entry in entries {
                    b.appendText(entry.name); b.append(entry.value); b.appendText(entry.isBytes ? "bytes" : nil)
                    b.appendTimestamp(microsecondsSinceEpoch: readAt)
                    try b.endRow()
                }
            }
        case "processes":
            return try processes(readAt: readAt)
        default:
            throw PluginError.invalidArgument(
                "procstats has no stream '\(stream)'; its streams are loadavg, meminfo and processes")
        }
    }
    // end-snippet

    /// One row per process, in pid order; processes that exit while they
    /// are read are left out.
    private func processes(readAt: Int64) throws -> any BatchSource {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
        let bootTime = try files.bootTime()
        var stats: [ProcessStat] = []
        for pid in try files.processIDs() {
            try host.checkCancelled("reading \(files.root)/\(pid)/stat")
            if let stat = try files.process(pid) { stats.append(stat) }
        }
        return Self.oneBatch(Self.processFields) { b in
            for p in stats {
                b.append(p.pid); b.append(p.parentPID); b.appendText(p.name); b.appendText(p.state)
                b.append(p.threads)
                b.append(Double(p.userTicks) / ticks); b.append(Double(p.systemTicks) / ticks)
                b.append(p.residentPages * pageSize); b.append(p.virtualBytes)
                b.appendTimestamp(microsecondsSinceEpoch: bootTime.map {
                    $0 * 1_000_000 + p.startTicks * 1_000_000 / Int64(ticks)
                })
                b.appendTimestamp(microsecondsSinceEpoch: readAt)
                try b.endRow()
            }
        }
    }

    // MARK: - Columns

    static let loadFields = [
        ArrowField("load_1m", .float64), ArrowField("load_5m", .float64), ArrowField("load_15m", .float64),
        ArrowField("runnable", .int64), ArrowField("scheduled", .int64), ArrowField("last_pid", .int64),
        ArrowField("uptime_seconds", .float64), ArrowField("read_at", .timestampMicrosecondsUTC),
    ]
    static let memoryFields = [
        ArrowField("name", .utf8), ArrowField("value", .int64), ArrowField("unit", .utf8),
        ArrowField("read_at", .timestampMicrosecondsUTC),
    ]
    static let processFields = [
        ArrowField("pid", .int64), ArrowField("ppid", .int64), ArrowField("name", .utf8),
        ArrowField("state", .utf8), ArrowField("threads", .int64), ArrowField("user_seconds", .float64),
        ArrowField("system_seconds", .float64), ArrowField("rss_bytes", .int64),
        ArrowField("virtual_bytes", .int64), ArrowField("started_at", .timestampMicrosecondsUTC),
        ArrowField("read_at", .timestampMicrosecondsUTC),
    ]

    /// The catalog's type hint for a column.
    static func hint(_ field: ArrowField) -> CatalogField {
        let type: FieldTypeHint = switch field.type {
        case .int64: .integer
        case .float64: .number
        case .timestampMicrosecondsUTC: .timestamp
        default: .string
        }
        return CatalogField(name: field.name, type: type)
    }

    /// A source that fills one batch with `fill`, then ends.
    static func oneBatch(_ fields: [ArrowField], fill: @escaping (ArrowBatchBuilder) throws -> Void)
        -> ClosureBatchSource {
        var done = false
        return ClosureBatchSource(schema: ArrowBatchSchema(fields)) { builder in
            guard !done else { return false }
            done = true
            try fill(builder)
            return true
        }
    }

    /// Microseconds since the epoch, now.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
    }
}
