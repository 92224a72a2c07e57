@testable import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// Our files read by pyarrow, and pyarrow's files read by us (pyarrow from
/// PyPI; scripts/install-system-packages installs it).
@Suite struct ArrowIPCPyarrowTests {
    static let scripts = TestSupport.repositoryRoot + "/Tests/Fixtures/ArrowIPC"

    /// Runs a Python script; fails with its stderr when it does not exit 0.
    static func python(_ script: String, _ arguments: String...) throws -> String {
        let result = try TestSupport.run("/usr/bin/env", ["python3", "\(scripts)/\(script)"] + arguments)
        guard result.status == 0 else {
            throw TestFailure("python3 \(script) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    /// What dump_ipc.py printed, as (fields, batches of rows of ArrowIPCFixtures.values strings).
    static func dump(_ path: String) throws -> (fields: [[String: Any]], rows: [[[String]]]) {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(python("dump_ipc.py", path).utf8)) as? [String: Any])
        let fields = try #require(json["fields"] as? [[String: Any]])
        let types = fields.map { $0["type"] as! String }
        let batches = try #require(json["batches"] as? [[[Any]]])
        let rows = batches.map { columns -> [[String]] in
            let count = columns.first?.count ?? 0
            return (0..<count).map { row in
                columns.indices.map { column -> String in
                    let item = columns[column][row]
                    if item is NSNull { return "null" }
                    switch types[column] {
                    case "bool": return "\((item as! NSNumber).boolValue)"
                    case "int64": return "\((item as! NSNumber).int64Value)"
                    case "double": return item as! String
                    case "string": return "s:" + (item as! String)
                    case "binary": return "b:" + (item as! [NSNumber]).map { "\($0.intValue)" }.joined(separator: ",")
                    case "date32[day]": return "d:\((item as! NSNumber).int32Value)"
                    case "timestamp[us, tz=UTC]": return "t:\((item as! NSNumber).int64Value)"
                    default: return "?\(types[column])"
                    }
                }
            }
        }
        return (fields, rows)
    }

    static let expectedTypes = ["bool", "int64", "double", "string", "binary", "date32[day]", "timestamp[us, tz=UTC]",
                                "null", "string", "string", "string"]

    @Test(arguments: IPCCompression.allCases)
    func pyarrowReadsEveryValueOfOurFiles(_ compression: IPCCompression) throws {
        let path = try TestSupport.temporaryDirectory("ipc-py") + "/ours.arrow"
        let batches = [try ArrowIPCFixtures.batch(rows: 2000), try ArrowIPCFixtures.batch(rows: 0),
                       try ArrowIPCFixtures.batch(rows: 1, startingAt: 2000)]
        let writer = try ArrowIPCFileWriter(path: path, schema: ArrowIPCFixtures.schema, compression: compression)
        for batch in batches { try writer.append(batch) }
        _ = try writer.finish()

        let (fields, rows) = try Self.dump(path)
        #expect(fields.map { $0["name"] as? String } == ArrowIPCFixtures.schema.fields.map(\.name))
        #expect(fields.map { $0["type"] as? String } == Self.expectedTypes)
        #expect(fields.map { $0["nullable"] as? Bool } == ArrowIPCFixtures.schema.fields.map(\.nullable))
        #expect(fields.map { $0["metadata"] as? [String: String] } == ArrowIPCFixtures.schema.fields.map { field in
            Dictionary(uniqueKeysWithValues: field.metadata.entries.map { ($0.key, $0.value) })
        })
        #expect(rows == batches.map(ArrowIPCFixtures.values))
    }

    @Test(arguments: IPCCompression.allCases)
    func weReadEveryValueOfPyarrowsFiles(_ compression: IPCCompression) throws {
        let folder = try TestSupport.temporaryDirectory("ipc-py")
        let batch = try ArrowIPCFixtures.batch(rows: 3000)
        let writer = try ArrowIPCFileWriter(path: folder + "/ours.arrow", schema: ArrowIPCFixtures.schema, compression: .none)
        try writer.append(batch)
        _ = try writer.finish()
        _ = try Self.python("rewrite_ipc.py", folder + "/ours.arrow", folder + "/theirs.arrow", compression.rawValue)

        let reader = try ArrowIPCFileReader(path: folder + "/theirs.arrow")
        #expect(reader.schema.fields.map(\.name) == ArrowIPCFixtures.schema.fields.map(\.name))
        #expect(reader.schema.fields.map(\.type) == ArrowIPCFixtures.schema.fields.map(\.type))
        #expect(reader.schema.fields.map(\.annotation) == ArrowIPCFixtures.schema.fields.map(\.annotation))
        #expect(reader.schema.fields[3].metadata["etl.source_type"] == "varchar(20)")
        var values: [[String]] = []
        while let read = try reader.next() { values += ArrowIPCFixtures.values(read) }
        #expect(values == ArrowIPCFixtures.values(batch))
    }
}
