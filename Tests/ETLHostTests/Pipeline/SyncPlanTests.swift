@testable import ETLHost
import ETLPluginKit
import Testing

/// ``SyncPlan`` checks a request against the plugins' typed capabilities
/// before anything is read, picks the streams and the worker count.
@Suite struct SyncPlanTests {
    private func descriptor(_ name: String, _ kind: PluginKind, capabilities: [Capability],
                            operations: [OptionalOperation] = []) -> PluginDescriptor {
        PluginDescriptor(name: name, kind: kind, version: "1.0.0", description: "", language: "c", toolchain: nil,
                         abi: "1.2", negotiatedABI: "1.2", capabilities: capabilities.map(\.rawValue), configSchema: "{}",
                         optionalOperations: operations.map(\.rawValue))
    }

    private var csv: PluginDescriptor { descriptor("csv", .extractor, capabilities: [.schemaHints]) }
    private var warehouse: PluginDescriptor {
        descriptor("wh", .warehouse, capabilities: [.parallelStreams, .replace, .append, .transactionalState],
                   operations: [.stateGet, .schemaGet])
    }

    private func request(_ mode: WriteMode = .replace, streams: [String]? = nil, parallel: Int = 1) -> SyncRequest {
        var request = SyncRequest(extractor: "csv", warehouse: "wh", sourceConfig: [:], destinationConfig: [:], mode: mode,
                                  streams: streams, workDirectory: "/nonexistent")
        request.parallel = parallel
        return request
    }

    private func refusal(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as HostError { return error.message } catch { return "\(error)" }
        return nil
    }

    @Test func aModeTheWarehouseLacksIsRefusedNamingTheOnesItHas() {
        #expect(refusal { _ = try SyncPlan(request: request(.upsert), extractor: csv, warehouse: warehouse) }
            == "warehouse 'wh' does not support --mode upsert (it supports: replace, append)")
        #expect(refusal { _ = try SyncPlan(request: request(.append), extractor: csv, warehouse: warehouse) } == nil)
    }

    @Test func incrementalNeedsTheExtractorsCapabilityAndCheckpoint() {
        var incremental = request(.append)
        incremental.incremental = true
        #expect(refusal { _ = try SyncPlan(request: incremental, extractor: csv, warehouse: warehouse) }
            == "extractor 'csv' is not incremental: drop --incremental to read everything")
        let withoutCheckpoint = descriptor("api", .extractor, capabilities: [.incremental])
        #expect(refusal { _ = try SyncPlan(request: incremental, extractor: withoutCheckpoint, warehouse: warehouse) }
            == "extractor 'api' is not incremental: drop --incremental to read everything")
        let api = descriptor("api", .extractor, capabilities: [.incremental], operations: [.checkpoint])
        #expect(refusal { _ = try SyncPlan(request: incremental, extractor: api, warehouse: warehouse) } == nil)
        // A replay has no extractor: only the warehouse is judged.
        #expect(refusal { _ = try SyncPlan(request: incremental, extractor: nil, warehouse: warehouse) } == nil)
    }

    @Test func deletionsNeedUpsertAndTheWarehousesCapability() {
        var flag = request(.append)
        flag.deletions = .flag
        #expect(refusal { _ = try SyncPlan(request: flag, extractor: csv, warehouse: warehouse) }
            == "--deletions flag needs --mode upsert: replace already drops what the source no longer has, and append never changes existing rows")
        let upserting = descriptor("wh", .warehouse, capabilities: [.upsert])
        flag.mode = .upsert
        #expect(refusal { _ = try SyncPlan(request: flag, extractor: csv, warehouse: upserting) }
            == "warehouse 'wh' cannot detect deleted rows (no deletions capability); drop --deletions")
    }

    @Test func parallelMustBeOneOrMore() {
        #expect(refusal { _ = try SyncPlan(request: request(parallel: 0), extractor: csv, warehouse: warehouse) }
            == "--parallel must be 1 or more")
    }

    @Test func workersNeedBothSidesToAllowParallelStreams() throws {
        let parallelCSV = descriptor("csv", .extractor, capabilities: [.parallelStreams])
        let both = try SyncPlan(request: request(parallel: 4), extractor: parallelCSV, warehouse: warehouse)
        #expect(both.workerCount(streamCount: 10) == 4)
        #expect(both.workerCount(streamCount: 2) == 2)
        #expect(both.workerCount(streamCount: 0) == 0)
        #expect(both.parallelWarning == nil)
        let one = try SyncPlan(request: request(parallel: 4), extractor: csv, warehouse: warehouse)
        #expect(one.workerCount(streamCount: 10) == 1)
        #expect(one.parallelWarning == "--parallel 4: csv and wh do not both declare parallel_streams; loading one stream at a time")
        let replay = try SyncPlan(request: request(parallel: 3), extractor: nil, warehouse: warehouse)
        #expect(replay.workerCount(streamCount: 10) == 3)
        #expect(try SyncPlan(request: request(parallel: 1), extractor: csv, warehouse: warehouse).parallelWarning == nil)
    }

    @Test func streamsAreTheRequestedOnesInTheirOrderWithCollisionFreeTables() throws {
        let catalog = try CatalogReading(discovered: #"{"streams": [{"name": "Order Lines"}, {"name": "order_lines"}, {"name": "c"}]}"#,
                                         plugin: "csv").catalog
        let all = try SyncPlan(request: request(), extractor: csv, warehouse: warehouse)
        let streams = try all.streams(of: catalog)
        #expect(streams.map(\.name) == ["Order Lines", "order_lines", "c"])
        #expect(try all.tables(for: streams) == ["order_lines", "order_lines_2", "c"])
        let some = try SyncPlan(request: request(streams: ["c", "Order Lines"]), extractor: csv, warehouse: warehouse)
        #expect(try some.streams(of: catalog).map(\.name) == ["c", "Order Lines"])
        let unknown = try SyncPlan(request: request(streams: ["d"]), extractor: csv, warehouse: warehouse)
        #expect(refusal { _ = try unknown.streams(of: catalog) }
            == "extractor 'csv' has no stream 'd'; its streams: Order Lines, order_lines, c")
        var replay = request(streams: ["d"])
        replay.replayOf = "20261122T101500123Z-0a1b2c3d"
        #expect(refusal { _ = try SyncPlan(request: replay, extractor: nil, warehouse: warehouse).streams(of: catalog) }
            == "the snapshot of run 20261122T101500123Z-0a1b2c3d has no stream 'd'; its streams: Order Lines, order_lines, c")
    }
}
