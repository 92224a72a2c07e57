import ETLHost
import ETLPluginKit
import ETLWorkflow
import Foundation
import Synchronization

/// What the Tables page asks a pipeline's warehouses: for each table a
/// step loads, its columns and types (the warehouse's `table_schema`) and
/// its row count (`SELECT COUNT(*)` through the warehouse's query op).
///
/// Plugins are loaded in a child process (`etl-host serve
/// --describe-tables`, in the pipeline file's folder, as `run` runs
/// them), so a warehouse that cannot be opened, or a plugin that crashes,
/// becomes an error on the page and never takes `serve` down.
public enum WarehouseDescriber {
    /// One table to describe: the step that loads it, and its name.
    public struct Request: Codable, Sendable {
        /// The pipeline file, absolute.
        public var file: String
        /// (step, table) pairs.
        public var tables: [TableRef]
    }

    /// A table of a step.
    public struct TableRef: Codable, Sendable, Hashable {
        /// The step that loads it (its `to:` or `into:` connection is asked).
        public var step: String
        /// The table's name in the warehouse.
        public var table: String
    }

    /// What a warehouse said about a table.
    public struct Description: Codable, Sendable, Equatable {
        /// The step and table asked about.
        public var step: String, table: String
        /// Its columns as `name type` (Arrow types as the host reads them).
        public var columns: [Column]?
        /// Its row count.
        public var rows: Int?
        /// Why it could not be described.
        public var error: String?
    }

    /// A column and its type.
    public struct Column: Codable, Sendable, Equatable {
        /// The column's name.
        public var name: String
        /// Its type (int64, float64, utf8, bool, date32, timestamp[us, UTC], ...).
        public var type: String
    }

    /// Describes the tables of `request` (in this process: the child's side).
    public static func describe(_ request: Request) -> [Description] {
        let pipeline: PipelineFile
        do {
            pipeline = try PipelineParser().parse(path: request.file)
        } catch {
            return request.tables.map { Description(step: $0.step, table: $0.table, error: "\(error)") }
        }
        let registry: PluginRegistry
        do { registry = try PluginRegistry(searchPath: RegistrySearchPath()) } catch {
            return request.tables.map { Description(step: $0.step, table: $0.table, error: "\(error)") }
        }
        var instances: [String: Result<PluginInstance, any Error>] = [:]
        defer { for case .success(let instance) in instances.values { instance.close() } }
        return request.tables.map { ref in
            var description = Description(step: ref.step, table: ref.table)
            do {
                guard let step = pipeline.steps.first(where: { $0.name == ref.step }) else {
                    throw HostError(.invalidArgument, "no step '\(ref.step)' in \(request.file) any more")
                }
                let reference: ConnectionReference
                switch step.kind {
                case .sync(let sync): reference = sync.to
                case .sql(let sql): reference = sql.into
                default: throw HostError(.invalidArgument, "step '\(ref.step)' loads no table")
                }
                let connection = try connection(reference, in: pipeline)
                let key = connection.name
                if instances[key] == nil {
                    instances[key] = Result {
                        let plugin = try ResolvedConnection.loadPlugin(for: connection, registry: registry, kind: .warehouse)
                        let resolved = try ResolvedConnection(connection, plugin: plugin)
                        return try PluginInstance(plugin: plugin, configJSON: try ConfigResolver.json(resolved.config))
                    }
                }
                let instance = try instances[key]!.get()
                if let schema = try instance.tableSchema(name: ref.table) {
                    description.columns = schema.fields.map { Column(name: $0.name, type: $0.type.description) }
                    description.rows = try count(ref.table, instance)
                } else {
                    description.error = "no table \(ref.table) in the warehouse"
                }
            } catch let error as HostError {
                description.error = error.message
            } catch {
                description.error = "\(error)"
            }
            return description
        }
    }

    private static func connection(_ reference: ConnectionReference, in pipeline: PipelineFile) throws -> Connection {
        switch reference {
        case .inline(let connection): return connection
        case .named(let name, _):
            guard let connection = pipeline.connections.first(where: { $0.name == name }) else {
                throw HostError(.invalidArgument, "no connection '\(name)' in \(pipeline.path)")
            }
            return connection
        }
    }

    private static func count(_ table: String, _ instance: PluginInstance) throws -> Int? {
        let rows = try instance.query(sql: "SELECT COUNT(*) FROM \"\(table.replacingOccurrences(of: "\"", with: "\"\""))\"")
        defer { rows.close() }
        while let batch = try rows.next() {
            guard batch.rowCount > 0 else { continue }
            switch batch.schema.fields[0].type {
            case .int64: return batch.int64(row: 0, column: 0).map(Int.init)
            case .utf8: return batch.string(row: 0, column: 0).flatMap { Int($0) }
            default: return nil
            }
        }
        return nil
    }

    /// Describes the tables in a child `executable serve --describe-tables`
    /// (request on standard input, answer on standard output), in the
    /// pipeline file's folder; a child that fails or takes over `timeout`
    /// seconds gives every table an error.
    public static func describeInChild(_ request: Request, executable: String, timeout: Double = 30) -> [Description] {
        func failed(_ message: String) -> [Description] {
            request.tables.map { Description(step: $0.step, table: $0.table, error: message) }
        }
        guard !request.tables.isEmpty else { return [] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--describe-tables"]
        process.currentDirectoryURL = URL(fileURLWithPath: (request.file as NSString).deletingLastPathComponent)
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { return failed("cannot start \(executable): \(error.localizedDescription)") }
        let timedOut = TimeoutFlag()
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            if process.isRunning {
                timedOut.set()
                process.terminate()
            }
        }
        if let data = try? JSONEncoder().encode(request) { input.fileHandleForWriting.write(data) }
        try? input.fileHandleForWriting.close()
        let answer = output.fileHandleForReading.readDataToEndOfFile()
        let problems = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if timedOut.isSet { return failed("the warehouse did not answer within \(Int(timeout)) s") }
        guard process.terminationReason == .exit, process.terminationStatus == 0,
              let descriptions = try? JSONDecoder().decode([Description].self, from: answer) else {
            let reason = String(decoding: problems, as: UTF8.self).split(separator: "\n").last.map(String.init)
                ?? "exit status \(process.terminationStatus)"
            return failed("cannot describe the warehouse: \(reason)")
        }
        return descriptions
    }
}

/// Set once by the timer that stops a child taking too long.
private final class TimeoutFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
