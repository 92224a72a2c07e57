import ETLTestSupport
import Foundation
import Testing

/// `sync --config FILE`: the file is read as JSON values (the kit's
/// parser), its members with their JSON types, and a file that is not a
/// JSON object, invalid UTF-8 included, is refused naming the file.
@Suite struct SyncConfigFileTests {
    private func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func membersKeepTheirTypes() throws {
        let sandbox = try HostSandbox("sync-config-file")
        try write(Array("id,v\n1,x\n2,y\n".utf8), to: sandbox.root + "/a.csv")
        try write(Array(#"""
            {"extractor": "csv", "warehouse": "sqlite", "source": {"path": "a.csv", "has_header": true},
             "destination": {"path": "w.db"}, "mode": "upsert", "primary_key": ["id"], "streams": ["a"],
             "incremental": false, "allow_empty": false}
            """#.utf8), to: sandbox.root + "/c.json")
        let first = try sandbox.etlHost("sync", "--config", "c.json", "--quiet")
        #expect(first.status == 0, "\(first.stderr)")
        try write(Array("id,v\n2,z\n3,w\n".utf8), to: sandbox.root + "/a.csv")
        let second = try sandbox.etlHost("sync", "--config", "c.json", "--quiet")
        #expect(second.status == 0, "\(second.stderr)")
        // Upsert on the key the file gave: 2 updated, 1 kept, 3 added.
        #expect(try SQLiteInspector(path: sandbox.root + "/w.db").rows("SELECT id, v FROM a ORDER BY id")
            == [["1", "x"], ["2", "z"], ["3", "w"]])
    }

    @Test func aFileThatIsNoJSONObjectIsRefusedNamingIt() throws {
        let sandbox = try HostSandbox("sync-config-bad")
        let invalidUTF8 = Array(#"{"extractor": "csv", "source": {"path": ""#.utf8) + [0xFF] + Array(#".csv"}}"#.utf8)
        for (name, bytes) in [("utf8.json", invalidUTF8), ("array.json", Array("[1]".utf8)), ("text.json", Array("extractor: csv".utf8))] {
            try write(bytes, to: sandbox.root + "/" + name)
            let result = try sandbox.etlHost("sync", "--config", name)
            #expect(result.status == 64, "\(name)")
            #expect(result.stderr == "etl-host: error: the config file '\(name)' is not a JSON object\n", "\(name)")
        }
    }
}
