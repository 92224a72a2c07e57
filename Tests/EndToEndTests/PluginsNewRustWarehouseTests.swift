import ETLTestSupport
import Foundation
import Testing

/// `etl-host plugins new NAME --kind warehouse --lang rust`: the C
/// warehouse's twin, built by make with plain rustc (warnings are errors),
/// writes the same JSON Lines bytes, replaces and appends atomically, rolls
/// back a cancelled load, and passes `etl-host plugins test`.
@Suite struct PluginsNewRustWarehouseTests {
    /// The CSV of the C warehouse's test, and the JSON Lines both write.
    static let csv = #"""
        id,name,price,day,at,flag,tags
        1,"apple, red",1.5,2024-01-05,2024-01-05T10:00:00Z,true,"{""a"": [1, 2]}"
        2,"say ""hi""",2,2024-02-29,2024-02-29 23:59:59.5,false,

        """#
    static let rows = #"""
        {"id":1,"name":"apple, red","price":1.5,"day":"2024-01-05","at":"2024-01-05T10:00:00.000000Z","flag":true,"tags":"{\"a\": [1, 2]}"}
        {"id":2,"name":"say \"hi\"","price":2,"day":"2024-02-29","at":"2024-02-29T23:59:59.500000Z","flag":false,"tags":null}

        """#

    /// Generates and builds `name` in the sandbox; returns the library.
    private func build(_ sandbox: HostSandbox, _ name: String, rustc: String) throws -> String {
        let created = try sandbox.etlHost("plugins", "new", name, "--kind", "warehouse", "--lang", "rust")
        #expect(created.status == 0, "\(created.stderr)")
        let identifier = name.replacingOccurrences(of: "-", with: "_")
        return try PluginBuild.make(sandbox.root + "/" + name, output: sandbox.root + "/" + name, library: "libetl_\(identifier).so",
                                    variables: ["RUSTC=\(rustc)", "RUSTFLAGS=-O -D warnings"])
    }

    @Test func aRustWarehouseBuildsInstallsAndWritesJSONLines() throws {
        let rustc = try #require(PluginBuild.rustc, "rustc is needed to build a --lang rust project")
        let sandbox = try HostSandbox("new-rust-warehouse")
        let created = try sandbox.etlHost("plugins", "new", "my-sink", "--kind", "warehouse", "--lang", "rust")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout == """
            Created the Rust warehouse 'my-sink' in my-sink:
              src/lib.rs            the warehouse: tables as JSON Lines in `dir`; edit the TODOs
              src/etl_warehouse.rs  the C entry points, over the Warehouse and TableWriter traits
              src/etl_sdk.rs        errors, host services, the config read by key
              src/etl_reader.rs     reads the cells of Arrow batches, checked
              src/etl_ffi.rs        etl_plugin.h as #[repr(C)] Rust, ABI 1.1
              Makefile              make -> libetl_my_sink.so
              README.md             these steps

            Next:
              cd my-sink
              make
              etl-host plugins test ./libetl_my_sink.so -d dir=/tmp/my_sink-test
              etl-host plugins install ./libetl_my_sink.so
              etl-host sync csv my-sink -s path=data.csv -d dir=out

            """)
        // The files are the template's, with the name filled in; the plugin is warehouse/lib.rs.
        let template = TestSupport.repositoryRoot + "/Sources/ETLScaffold/Templates/Rust/"
        let sources = ["src/lib.rs": "warehouse/lib.rs", "src/etl_warehouse.rs": "src/etl_warehouse.rs", "src/etl_sdk.rs": "src/etl_sdk.rs",
                       "src/etl_reader.rs": "src/etl_reader.rs", "src/etl_ffi.rs": "src/etl_ffi.rs", "Makefile": "Makefile"]
        for (file, source) in sources {
            let expected = (sandbox.text(template + source) ?? "?")
                .replacingOccurrences(of: "__NAME__", with: "my-sink").replacingOccurrences(of: "__IDENT__", with: "my_sink")
            #expect(sandbox.text("my-sink/" + file) == expected, "\(file)")
        }
        #expect(sandbox.text("my-sink/README.md")?.contains("etl_sdk.rs, etl_reader.rs and etl_warehouse.rs are a safe layer") == true)

        let project = sandbox.root + "/my-sink"
        let library = try PluginBuild.make(project, output: project, library: "libetl_my_sink.so",
                                           variables: ["RUSTC=\(rustc)", "RUSTFLAGS=-O -D warnings"])
        try sandbox.install(library)
        try sandbox.write(Self.csv, to: "data.csv")

        // The same bytes as the C warehouse writes.
        let sync = try sandbox.etlHost("sync", "csv", "my-sink", "-s", "path=data.csv", "-d", "dir=out", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sandbox.text("out/data.jsonl") == Self.rows)
        let append = try sandbox.etlHost("sync", "csv", "my-sink", "-s", "path=data.csv", "-d", "dir=out", "--mode", "append", "--quiet")
        #expect(append.status == 0, "\(append.stderr)")
        #expect(sandbox.text("out/data.jsonl") == Self.rows + Self.rows)
        let replace = try sandbox.etlHost("sync", "csv", "my-sink", "-s", "path=data.csv", "-d", "dir=out", "--quiet")
        #expect(replace.status == 0, "\(replace.stderr)")
        #expect(sandbox.text("out/data.jsonl") == Self.rows)
        // The schema the host committed comes back through schema_get: the third run kept the columns.
        let schema = try JSONSerialization.jsonObject(with: Data((sandbox.text("out/_etl/schema-data.json") ?? "").utf8)) as? [String: Any]
        #expect((schema?["columns"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            == ["id", "name", "price", "day", "at", "flag", "tags"])
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/out").sorted() == ["_etl", "data.jsonl"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/out/_etl").sorted() == ["schema-data.json"])

        // open() refuses an empty dir, naming the key; the plugin's name appears once, from the host.
        let empty = try sandbox.etlHost("sync", "csv", "my-sink", "-s", "path=data.csv", "-d", "dir=", "--quiet")
        #expect(empty.status == 64)
        #expect(empty.stderr == "etl-host: error: plugin 'my-sink': open failed: config key 'dir': must not be empty "
            + "[ETL_ERR_INVALID_ARGUMENT (2)]\n", "\(empty.stderr)")
        // Upsert is not one of its modes.
        let upsert = try sandbox.etlHost("sync", "csv", "my-sink", "-s", "path=data.csv", "-d", "dir=out", "--mode", "upsert",
                                         "--primary-key", "id", "--quiet")
        #expect(upsert.status != 0)
        #expect(sandbox.text("out/data.jsonl") == Self.rows)

        try sandbox.expectConformance("./my-sink/libetl_my_sink.so", config: ["dir=" + sandbox.root + "/conformance"], option: "-d")

        // The help says what exists: both kinds in Rust.
        let help = try sandbox.etlHost("plugins", "new", "--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("read and checked by src/etl_reader.rs for a warehouse"), "\(help.stdout)")
        #expect(help.stdout.contains("Every language writes both kinds."), "\(help.stdout)")
    }

    /// A load cancelled just before its commit (SIGINT at `committing`) is
    /// rolled back: the table file keeps its old bytes and the writer's
    /// temporary file is gone, in both modes.
    @Test(arguments: ["replace", "append"]) func aCancelledLoadIsRolledBack(_ mode: String) throws {
        let rustc = try #require(PluginBuild.rustc, "rustc is needed to build a --lang rust project")
        let sandbox = try HostSandbox("new-rust-warehouse-rollback")
        try sandbox.install(try build(sandbox, "rollback-sink", rustc: rustc))
        try sandbox.write(Self.csv, to: "data.csv")
        let first = try sandbox.etlHost("sync", "csv", "rollback-sink", "-s", "path=data.csv", "-d", "dir=out", "--quiet")
        #expect(first.status == 0, "\(first.stderr)")

        try sandbox.write("id,name\n7,seven\n", to: "data.csv")
        let cancelled = try sandbox.etlHost("sync", "csv", "rollback-sink", "-s", "path=data.csv", "-d", "dir=out", "--mode", mode,
                                            "--quiet", environment: ["ETL_CRASH_AT": "committing:INT"])
        #expect(cancelled.status == 130, "\(cancelled.stderr)")
        #expect(sandbox.text("out/data.jsonl") == Self.rows)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/out").sorted() == ["_etl", "data.jsonl"])
    }

    /// Every type the conformance checks write (int64, utf8 with non-ASCII
    /// text, bool, float64, date32, timestamps, binary, nulls) comes out of
    /// the Rust warehouse byte for byte as out of the C one. (Doubles that
    /// C's %g spells with an exponent, such as 1e+02, are the one known
    /// difference; the sample has none.)
    @Test func writesTheSameBytesAsTheCWarehouse() throws {
        let rustc = try #require(PluginBuild.rustc, "rustc is needed to build a --lang rust project")
        let sandbox = try HostSandbox("new-rust-warehouse-twin")
        let rust = try build(sandbox, "twin-rust", rustc: rustc)
        let created = try sandbox.etlHost("plugins", "new", "twin-c", "--kind", "warehouse", "--lang", "c")
        #expect(created.status == 0, "\(created.stderr)")
        let c = try PluginBuild.make(sandbox.root + "/twin-c", output: sandbox.root + "/twin-c", library: "libetl_twin_c.so")
        try sandbox.expectConformance(rust, config: ["dir=" + sandbox.root + "/rust-out"])
        try sandbox.expectConformance(c, config: ["dir=" + sandbox.root + "/c-out"])

        /// The tables a conformance run left, by name without its random tag.
        func tables(_ folder: String) throws -> [String: String] {
            let names = try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/" + folder).filter { $0.hasSuffix(".jsonl") }
            return Dictionary(uniqueKeysWithValues: names.map { name in
                (name.replacingOccurrences(of: #"^etl_conformance_[0-9a-f]+_"#, with: "", options: .regularExpression),
                 sandbox.text(folder + "/" + name) ?? "?")
            })
        }
        let fromRust = try tables("rust-out")
        #expect(fromRust == (try tables("c-out")))
        #expect(fromRust.keys.sorted() == ["append.jsonl", "release.jsonl", "replace.jsonl", "rollback_kept.jsonl"])
        let appended = fromRust["append.jsonl"] ?? ""
        // Row 1 worked out by hand: day 19001 is 2022-01-09; 1700000000 s is 2023-11-14T22:13:20Z.
        #expect(appended.hasPrefix(#"{"id":1,"name":"row 1: Zoë ☕ 🚀","active":false,"amount":1.25,"day":"2022-01-09","#
            + #""seen_at":"2023-11-14T22:13:21.000001Z","payload":"0025"}"# + "\n"), "\(appended)")
        #expect(appended.contains(#""name":null,"active":null,"amount":null,"day":null,"seen_at":null,"payload":null}"#), "\(appended)")
    }

    /// JSON columns (nested values from a JSON Lines source, which the
    /// host sends as JSON text) are written as that JSON, not as strings;
    /// a missing value is null. (States, schemas, rollbacks and refused
    /// batches are also checked by `plugins test` in the first test.)
    @Test func jsonColumnsAreWrittenAsJSON() throws {
        let rustc = try #require(PluginBuild.rustc, "rustc is needed to build a --lang rust project")
        let sandbox = try HostSandbox("new-rust-warehouse-json")
        try sandbox.install(try build(sandbox, "json-sink", rustc: rustc))
        try sandbox.write(#"""
            {"id": 1, "tags": {"a": [1, 2]}, "note": "x"}
            {"id": 2, "tags": [true, null]}

            """#, to: "data.jsonl")
        let sync = try sandbox.etlHost("sync", "jsonl", "json-sink", "-s", "path=data.jsonl", "-d", "dir=out", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sandbox.text("out/data.jsonl") == #"""
            {"id":1,"tags":{"a": [1, 2]},"note":"x"}
            {"id":2,"tags":[true, null],"note":null}

            """#)
    }
}
