@testable import ETLHost
import ETLTestSupport
import Foundation
import Testing

@Suite struct SnapshotWriterTests {
    @Test func theCodecComesFromTheEnvironmentOrIsZstd() throws {
        #expect(try SnapshotWriter.configuredCompression([:]) == .zstd)
        #expect(try SnapshotWriter.configuredCompression(["ETL_SNAPSHOT_COMPRESSION": ""]) == .zstd)
        #expect(try SnapshotWriter.configuredCompression(["ETL_SNAPSHOT_COMPRESSION": "lz4"]) == .lz4)
        #expect(try SnapshotWriter.configuredCompression(["ETL_SNAPSHOT_COMPRESSION": "none"]) == IPCCompression.none)
        #expect(throws: HostError(.invalidArgument, "ETL_SNAPSHOT_COMPRESSION is 'gzip'; use one of none, lz4, zstd")) {
            _ = try SnapshotWriter.configuredCompression(["ETL_SNAPSHOT_COMPRESSION": "gzip"])
        }
    }

    @Test func aStreamSnapshotIsTheIPCFileAndAManifestThatChecksIt() throws {
        let folder = try TestSupport.temporaryDirectory("snapshot-writer")
        let writer = try SnapshotWriter(folder: folder, runID: "r1", extractor: "x", compression: .lz4)
        let stream = try writer.begin(stream: "s", schema: ArrowIPCFixtures.schema, catalogEntry: "{\"name\":\"s\"}")
        try stream.append(try ArrowIPCFixtures.batch(rows: 10))
        try stream.append(try ArrowIPCFixtures.batch(rows: 5, startingAt: 10))
        try stream.finish(state: "{\"at\":3}")
        let manifest = try JSONDecoder().decode(SnapshotManifest.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/1.manifest.json")))
        #expect(manifest.file == "1.arrow" && manifest.rows == 15 && manifest.state == "{\"at\":3}")
        #expect(manifest.format == .arrowIPCFile && manifest.compression == .lz4)
        #expect(manifest.sha256 == (try SHA256.hexDigest(ofFileAt: folder + "/1.arrow")))
        #expect(manifest.bytes == (try FileManager.default.attributesOfItem(atPath: folder + "/1.arrow")[.size] as? Int))
        let snapshot = try Snapshot(folder: folder, runID: "r1")
        let batches = try snapshot.open(snapshot.manifests[0])
        var rows = 0
        while let batch = try batches.next() { rows += batch.rowCount }
        #expect(rows == 15)

        let second = try writer.begin(stream: "t", schema: ArrowIPCFixtures.schema, catalogEntry: "{}")
        try second.append(try ArrowIPCFixtures.batch(rows: 3))
        second.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["1.arrow", "1.manifest.json"])
    }
}
