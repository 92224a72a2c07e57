@testable import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

@Suite struct ArrowIPCRoundTripTests {
    @Test(arguments: IPCCompression.allCases)
    func everyTypeRoundTripsValueForValue(_ compression: IPCCompression) throws {
        let path = try TestSupport.temporaryDirectory("ipc") + "/all.arrow"
        let batches = [try ArrowIPCFixtures.batch(rows: 3000), try ArrowIPCFixtures.batch(rows: 0),
                       try ArrowIPCFixtures.batch(rows: 17, startingAt: 3000)]
        let writer = try ArrowIPCFileWriter(path: path, schema: ArrowIPCFixtures.schema, compression: compression)
        for batch in batches { try writer.append(batch) }
        let summary = try writer.finish()
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(summary.bytes == bytes.count)
        #expect(summary.rows == 3017)
        #expect(summary.batches == 3)
        #expect(summary.sha256 == (try SHA256.hexDigest(ofFileAt: path)))
        #expect(Array(bytes.prefix(8)) == Array("ARROW1".utf8) + [0, 0])
        #expect(Array(bytes.suffix(6)) == Array("ARROW1".utf8))

        let reader = try ArrowIPCFileReader(path: path)
        #expect(reader.schema == ArrowIPCFixtures.schema)
        #expect(reader.batchCount == 3)
        for expected in batches {
            let batch = try #require(try reader.next())
            #expect(ArrowIPCFixtures.values(batch) == ArrowIPCFixtures.values(expected))
        }
        #expect(try reader.next() == nil)
    }

    @Test func compressionShrinksRepetitiveDataAndStoresTheRestAsIs() throws {
        let folder = try TestSupport.temporaryDirectory("ipc")
        var sizes: [IPCCompression: Int] = [:]
        for compression in IPCCompression.allCases {
            let writer = try ArrowIPCFileWriter(path: "\(folder)/\(compression).arrow", schema: ArrowIPCFixtures.schema,
                                                compression: compression)
            try writer.append(try ArrowIPCFixtures.batch(rows: 5000))
            sizes[compression] = try writer.finish().bytes
        }
        #expect(sizes[.zstd]! * 3 < sizes[.none]!)
        #expect(sizes[.lz4]! < sizes[.none]!)

        // One row: no buffer shrinks, so each is stored with the length -1.
        let path = "\(folder)/one.arrow"
        let writer = try ArrowIPCFileWriter(path: path, schema: ArrowBatchSchema([ArrowField("id", .int64)]), compression: .zstd)
        try writer.append(try Self.int64Batch([7]))
        _ = try writer.finish()
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let valuesBuffer = FlatBytes.littleEndian(Int64(-1)) + FlatBytes.littleEndian(Int64(7))
        #expect(bytes.range(of: Data(valuesBuffer)) != nil)
        let back = try #require(try ArrowIPCFileReader(path: path).next())
        #expect(back.int64(row: 0, column: 0) == 7)
    }

    @Test func aFileCutShortOrDamagedIsAnErrorNamingWhatIsWrong() throws {
        let path = try TestSupport.temporaryDirectory("ipc") + "/cut.arrow"
        let writer = try ArrowIPCFileWriter(path: path, schema: ArrowIPCFixtures.schema, compression: .lz4)
        try writer.append(try ArrowIPCFixtures.batch(rows: 100))
        _ = try writer.finish()
        let whole = try #require(FileManager.default.contents(atPath: path))
        try whole.prefix(whole.count - 40).write(to: URL(fileURLWithPath: path))
        #expect(throws: ArrowIPCError("the file does not end with the Arrow magic ARROW1: it was cut short (a run killed while writing it?)")) {
            _ = try ArrowIPCFileReader(path: path)
        }
        // The batch's body overwritten: its first buffer's length prefix is garbage.
        var damaged = whole
        let marker = Data([0xFF, 0xFF, 0xFF, 0xFF])
        let schemaMessage = try #require(damaged.range(of: marker))
        let batchMessage = try #require(damaged.range(of: marker, in: schemaMessage.upperBound..<damaged.count))
        let metadataLength = Int(damaged[batchMessage.upperBound]) | Int(damaged[batchMessage.upperBound + 1]) << 8
        let body = batchMessage.upperBound + 4 + metadataLength
        for index in body..<(body + 8) { damaged[index] = 0xAB }
        try damaged.write(to: URL(fileURLWithPath: path))
        let reader = try ArrowIPCFileReader(path: path)
        #expect(throws: ArrowIPCError("record batch 1: column \"flag\": a buffer's length prefix is \(Int64(bitPattern: 0xABAB_ABAB_ABAB_ABAB))")) {
            _ = try reader.next()
        }
    }

    static func int64Batch(_ values: [Int64?]) throws -> ImportedBatch {
        let schema = ArrowBatchSchema([ArrowField("id", .int64)])
        let builder = try ArrowBatchBuilder(schema: schema)
        for value in values {
            builder.append(value)
            try builder.endRow()
        }
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try builder.finish(into: array)
        return try ImportedBatch(taking: array, schema: schema)
    }
}
