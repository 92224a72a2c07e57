import ETLTestSupport
import Foundation
import Testing

/// `etl-host plugins new`: the projects it writes build with their own
/// tools, install, sync, and pass `etl-host plugins test` as generated.
@Suite struct PluginsNewTests {
    @Test func aCExtractorBuildsInstallsAndSyncs() throws {
        let sandbox = try HostSandbox("new-c-extractor")
        let created = try sandbox.etlHost("plugins", "new", "my-numbers", "--kind", "extractor", "--lang", "c")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout == """
            Created the C extractor 'my-numbers' in my-numbers:
              my_numbers.c          the extractor: one stream of `count` numbers; edit the TODOs
              Makefile              make -> libetl_my_numbers.so
              include/etl_plugin.h  the contract, ABI \(Self.headerABI)
              include/etl_batch.h   builds Arrow batches row by row
              include/etl_config.h  reads the config JSON by key
              include/etl_reader.h  reads the cells of Arrow batches (warehouses)
              README.md             these steps

            Next:
              cd my-numbers
              make
              etl-host plugins test ./libetl_my_numbers.so
              etl-host plugins install ./libetl_my_numbers.so
              etl-host sync my-numbers sqlite -s count=5 -d path=my_numbers.db

            """)
        // The headers are copies of this checkout's.
        for header in ["etl_plugin.h", "etl_batch.h", "etl_config.h", "etl_reader.h"] {
            #expect(sandbox.contents(sandbox.root + "/my-numbers/include/" + header)
                == sandbox.contents(TestSupport.includeDirectory + "/" + header), "\(header)")
        }

        // The next steps, as printed (make with -Werror on top, to keep the template clean).
        let project = sandbox.root + "/my-numbers"
        let library = try PluginBuild.make(project, output: project, library: "libetl_my_numbers.so",
                                           variables: ["CFLAGS=-std=c99 -O2 -Wall -Wextra -Werror"])
        try sandbox.install(library)
        let sync = try sandbox.etlHost("sync", "my-numbers", "sqlite", "-s", "count=2500", "-d", "path=n.db", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/n.db")
        #expect(try db.rows("SELECT count(*), sum(square), sum(even), max(label) FROM numbers") == [["2500", "5211458750", "1250", "row 999"]])
        #expect(try db.rows("SELECT n, square, even, label FROM numbers WHERE n IN (1, 2, 2500) ORDER BY n") == [
            ["1", "1", "0", "row 1"], ["2", "4", "1", "row 2"], ["2500", "6250000", "1", "row 2500"],
        ])
        #expect(try db.columns("numbers") == ["n INTEGER", "square INTEGER", "even BOOLEAN", "label TEXT"])
        let defaults = try sandbox.etlHost("sync", "my-numbers", "sqlite", "-d", "path=n.db", "--quiet")
        #expect(defaults.status == 0)
        #expect(try SQLiteInspector(path: sandbox.root + "/n.db").scalar("SELECT count(*) FROM numbers") == "10")
        let bad = try sandbox.etlHost("sync", "my-numbers", "sqlite", "-s", "count=-1", "-d", "path=n.db", "--quiet")
        #expect(bad.status == 64)  // open refusing a value (INVALID_ARGUMENT) is a config problem
        // etl_config.h names the key; the plugin's name appears once, from the host.
        #expect(bad.stderr == "etl-host: error: plugin 'my-numbers': open failed: config key 'count': "
            + "must be an integer from 0 to 1000000000 [ETL_ERR_INVALID_ARGUMENT (2)]\n")

        try sandbox.expectConformance("./my-numbers/libetl_my_numbers.so")
    }

    @Test func aCWarehouseBuildsInstallsAndWritesJSONLines() throws {
        let sandbox = try HostSandbox("new-c-warehouse")
        let created = try sandbox.etlHost("plugins", "new", "my-sink", "--kind", "warehouse", "--lang", "c", "--output", "projects/sink")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.hasSuffix("""
            Next:
              cd projects/sink
              make
              etl-host plugins test ./libetl_my_sink.so -d dir=/tmp/my_sink-test
              etl-host plugins install ./libetl_my_sink.so
              etl-host sync csv my-sink -s path=data.csv -d dir=out

            """), "\(created.stdout)")
        let project = sandbox.root + "/projects/sink"
        let library = try PluginBuild.make(project, output: project, library: "libetl_my_sink.so",
                                           variables: ["CFLAGS=-std=c99 -O2 -Wall -Wextra -Werror"])
        try sandbox.install(library)
        try sandbox.write(#"""
            id,name,price,day,at,flag,tags
            1,"apple, red",1.5,2024-01-05,2024-01-05T10:00:00Z,true,"{""a"": [1, 2]}"
            2,"say ""hi""",2,2024-02-29,2024-02-29 23:59:59.5,false,

            """#, to: "data.csv")

        let sync = try sandbox.etlHost("sync", "csv", "my-sink", "-s", "path=data.csv", "-d", "dir=out", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        let rows = #"""
            {"id":1,"name":"apple, red","price":1.5,"day":"2024-01-05","at":"2024-01-05T10:00:00.000000Z","flag":true,"tags":"{\"a\": [1, 2]}"}
            {"id":2,"name":"say \"hi\"","price":2,"day":"2024-02-29","at":"2024-02-29T23:59:59.500000Z","flag":false,"tags":null}

            """#
        #expect(sandbox.text("out/data.jsonl") == rows)
        let append = try sandbox.etlHost("sync", "csv", "my-sink", "-s", "path=data.csv", "-d", "dir=out", "--mode", "append", "--quiet")
        #expect(append.status == 0, "\(append.stderr)")
        #expect(sandbox.text("out/data.jsonl") == rows + rows)
        let schema = try JSONSerialization.jsonObject(with: Data((sandbox.text("out/_etl/schema-data.json") ?? "").utf8)) as? [String: Any]
        #expect((schema?["columns"] as? [[String: Any]])?.count == 7)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/out").sorted() == ["_etl", "data.jsonl"])

        try sandbox.expectConformance("./projects/sink/libetl_my_sink.so", config: ["dir=" + sandbox.root + "/conformance"], option: "-d")
    }

    @Test func refusesExistingFoldersAndInvalidNames() throws {
        let sandbox = try HostSandbox("new-refuse")
        try sandbox.write("mine\n", to: "taken/notes.txt")
        let taken = try sandbox.etlHost("plugins", "new", "taken", "--kind", "extractor", "--lang", "c")
        #expect(taken.status == 64)
        #expect(taken.stderr == "etl-host: error: 'taken' already exists; plugins new never writes into an existing folder: choose another --output, or remove it\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/taken") == ["notes.txt"])
        let empty = try sandbox.etlHost("plugins", "new", "fresh", "--kind", "extractor", "--lang", "c", "--output", "taken")
        #expect(empty.status == 64)

        for name in ["My", "1st", "a b", "dots.no", "x/y", "_under", "é", String(repeating: "a", count: 65)] {
            let result = try sandbox.etlHost("plugins", "new", name, "--kind", "extractor", "--lang", "c")
            #expect(result.status == 64, "\(name)")
            #expect(result.stderr == "etl-host: error: invalid plugin name '\(name)': use 1 to 64 lowercase letters, digits, '_' and '-', starting with a letter (e.g. my-source)\n", "\(name): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/" + name))
        }
        let kind = try sandbox.etlHost("plugins", "new", "ok", "--kind", "loader", "--lang", "c")
        #expect(kind.status == 64)
        #expect(kind.stderr == "etl-host: error: unknown --kind 'loader'; use extractor or warehouse\n")
        let lang = try sandbox.etlHost("plugins", "new", "ok", "--kind", "extractor", "--lang", "go")
        #expect(lang.status == 64)
        #expect(lang.stderr == "etl-host: error: unknown --lang 'go'; use c, swift or rust\n")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/ok"))
        let sdk = try sandbox.etlHost("plugins", "new", "ok", "--kind", "extractor", "--lang", "c", "--sdk", "/nonexistent")
        #expect(sdk.status == 64)
        #expect(sdk.stderr == "etl-host: error: --sdk '/nonexistent' is neither an etl-host source checkout (with "
            + "Sources/CETLPlugin/include/etl_plugin.h) nor a folder holding etl_plugin.h, etl_batch.h, etl_config.h and etl_reader.h\n")

        let help = try sandbox.etlHost("plugins", "new", "--help")
        #expect(help.status == 0)
        for text in ["Next steps", "etl-host plugins test ./libetl_NAME.so", "etl-host plugins install", "--kind", "--lang", "--output", "WRITING_PLUGINS.md"] {
            #expect(help.stdout.contains(text), "\(text)")
        }
    }

    /// The Rust extractor: generated from the template files, built by make
    /// with plain rustc (warnings are errors), installed, synced with the
    /// same rows and the same config refusal as the C one, and conformant.
    @Test func aRustExtractorBuildsInstallsAndSyncs() throws {
        let rustc = try #require(PluginBuild.rustc, "rustc is needed to build a --lang rust project")
        let sandbox = try HostSandbox("new-rust-extractor")
        let created = try sandbox.etlHost("plugins", "new", "my-numbers", "--kind", "extractor", "--lang", "rust")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout == """
            Created the Rust extractor 'my-numbers' in my-numbers:
              src/lib.rs            the extractor: one stream of `count` numbers; edit the TODOs
              src/etl_extractor.rs  the C entry points, over the Extractor and Stream traits
              src/etl_sdk.rs        errors, host services, the config read by key
              src/etl_batch.rs      builds Arrow batches row by row
              src/etl_ffi.rs        etl_plugin.h as #[repr(C)] Rust, ABI 1.1
              Makefile              make -> libetl_my_numbers.so
              README.md             these steps

            Next:
              cd my-numbers
              make
              etl-host plugins test ./libetl_my_numbers.so
              etl-host plugins install ./libetl_my_numbers.so
              etl-host sync my-numbers sqlite -s count=5 -d path=my_numbers.db

            """)
        // The files are the template's, with the name filled in.
        let template = TestSupport.repositoryRoot + "/Sources/ETLScaffold/Templates/Rust/"
        for file in ["src/lib.rs", "src/etl_extractor.rs", "src/etl_sdk.rs", "src/etl_batch.rs", "src/etl_ffi.rs", "Makefile"] {
            let expected = (sandbox.text(template + file) ?? "?")
                .replacingOccurrences(of: "__NAME__", with: "my-numbers").replacingOccurrences(of: "__IDENT__", with: "my_numbers")
            #expect(sandbox.text("my-numbers/" + file) == expected, "\(file)")
        }
        #expect(sandbox.text("my-numbers/src/lib.rs")?.contains(#"name: c"my-numbers","#) == true)
        #expect(sandbox.text("my-numbers/src/etl_ffi.rs")?.contains("pub const ETL_ABI_VERSION_MINOR: u32 = 1;") == true)

        let project = sandbox.root + "/my-numbers"
        let library = try PluginBuild.make(project, output: project, library: "libetl_my_numbers.so",
                                           variables: ["RUSTC=\(rustc)", "RUSTFLAGS=-O -D warnings"])
        try sandbox.install(library)
        let sync = try sandbox.etlHost("sync", "my-numbers", "sqlite", "-s", "count=2500", "-d", "path=n.db", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/n.db")
        #expect(try db.rows("SELECT count(*), sum(square), sum(even), max(label) FROM numbers") == [["2500", "5211458750", "1250", "row 999"]])
        #expect(try db.rows("SELECT n, square, even, label FROM numbers WHERE n IN (1, 2, 2500) ORDER BY n") == [
            ["1", "1", "0", "row 1"], ["2", "4", "1", "row 2"], ["2500", "6250000", "1", "row 2500"],
        ])
        #expect(try db.columns("numbers") == ["n INTEGER", "square INTEGER", "even BOOLEAN", "label TEXT"])
        let defaults = try sandbox.etlHost("sync", "my-numbers", "sqlite", "-d", "path=n.db", "--quiet")
        #expect(defaults.status == 0, "\(defaults.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/n.db").scalar("SELECT count(*) FROM numbers") == "10")
        // The same refusal as the C extractor: the key named, the plugin's name once (from the host).
        let bad = try sandbox.etlHost("sync", "my-numbers", "sqlite", "-s", "count=-1", "-d", "path=n.db", "--quiet")
        #expect(bad.status == 64)
        #expect(bad.stderr == "etl-host: error: plugin 'my-numbers': open failed: config key 'count': "
            + "must be an integer from 0 to 1000000000 [ETL_ERR_INVALID_ARGUMENT (2)]\n")

        try sandbox.expectConformance("./my-numbers/libetl_my_numbers.so")
    }

    /// The Rust template edited as its TODOs invite: float64 and nullable
    /// utf8 columns reach SQLite with their NULLs, a data error fails the
    /// stream with exit 65, and a panic is caught at the boundary (exit 1),
    /// both named once by the host, never by the plugin.
    @Test func anEditedRustExtractorLoadsFloatsAndNullsAndCatchesAPanic() throws {
        let rustc = try #require(PluginBuild.rustc, "rustc is needed to build a --lang rust project")
        let sandbox = try HostSandbox("new-rust-edited")
        let created = try sandbox.etlHost("plugins", "new", "edited", "--kind", "extractor", "--lang", "rust")
        #expect(created.status == 0, "\(created.stderr)")
        var source = try #require(sandbox.text("edited/src/lib.rs"))
        let columns = "            (\"label\", ColumnType::Utf8),\n"
        let row = "            batch.append_row(&[Value::Int64(n), Value::Int64(n * n), Value::Bool(n % 2 == 0), Value::Utf8(&label)])?;\n"
        try #require(source.contains(columns) && source.contains(row))
        source = source.replacingOccurrences(of: columns, with: columns + """
                        ("ratio", ColumnType::Float64),
                        ("note", ColumnType::Utf8),

            """)
        source = source.replacingOccurrences(of: row, with: """
                        if self.count == 13 && n == 7 {
                            panic!("planted at 7");
                        }
                        if self.count == 17 && n == 5 {
                            return Err(PluginError::data("row 5: not a number"));
                        }
                        let note = if n % 2 == 0 { Value::Null } else { Value::Utf8("odd") };
                        let ratio = if n == 3 { Value::Null } else { Value::Float64(n as f64 / 4.0) };
                        batch.append_row(&[Value::Int64(n), Value::Int64(n * n), Value::Bool(n % 2 == 0), Value::Utf8(&label), ratio, note])?;

            """)
        try sandbox.write(source, to: "edited/src/lib.rs")
        let project = sandbox.root + "/edited"
        let library = try PluginBuild.make(project, output: project, library: "libetl_edited.so",
                                           variables: ["RUSTC=\(rustc)", "RUSTFLAGS=-O -D warnings"])
        try sandbox.install(library)
        let sync = try sandbox.etlHost("sync", "edited", "sqlite", "-s", "count=4", "-d", "path=e.db", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/e.db")
        #expect(try db.rows("SELECT n, ratio, note FROM numbers ORDER BY n") == [
            ["1", "0.25", "odd"], ["2", "0.5", nil], ["3", nil, "odd"], ["4", "1.0", nil],
        ])
        #expect(try db.columns("numbers") == ["n INTEGER", "square INTEGER", "even BOOLEAN", "label TEXT", "ratio REAL", "note TEXT"])

        let bad = try sandbox.etlHost("sync", "edited", "sqlite", "-s", "count=17", "-d", "path=e.db", "--quiet")
        #expect(bad.status == 65)
        #expect(bad.stderr == "etl-host: error: plugin 'edited': stream 'numbers': row 5: not a number [ETL_ERR_DATA]\n")
        let panicked = try sandbox.etlHost("sync", "edited", "sqlite", "-s", "count=13", "-d", "path=e.db", "--quiet")
        #expect(panicked.status == 1)
        // Rust's panic hook prints first (to stderr); the host then reports the caught panic.
        #expect(panicked.stderr.hasSuffix("\netl-host: error: plugin 'edited': stream 'numbers': internal error (a panic) "
            + "in get_next: planted at 7 [ETL_ERR_IO]\n"), "\(panicked.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/e.db").scalar("SELECT count(*) FROM numbers") == "4")

        try sandbox.expectConformance("./edited/libetl_edited.so")
    }

    /// An SDK without the template is refused naming where it looked; an
    /// installed layout (`<prefix>/include/etl-host` +
    /// `<prefix>/share/etl-host/templates/rust`) is found, for both kinds.
    @Test func rustFindsItsTemplate() throws {
        let sandbox = try HostSandbox("new-rust-refuse")
        let include = sandbox.root + "/prefix/include/etl-host"
        try FileManager.default.createDirectory(atPath: include, withIntermediateDirectories: true)
        for header in ["etl_plugin.h", "etl_batch.h", "etl_config.h", "etl_reader.h"] {
            try FileManager.default.copyItem(atPath: TestSupport.includeDirectory + "/" + header, toPath: include + "/" + header)
        }
        let missing = try sandbox.etlHost("plugins", "new", "rs", "--kind", "extractor", "--lang", "rust", "--sdk", include)
        #expect(missing.status == 64)
        #expect(missing.stderr == "etl-host: error: cannot find the Rust plugin template (looked in "
            + sandbox.root + "/prefix/share/etl-host/templates/rust); pass --sdk <etl-host checkout>\n")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/rs"))

        try FileManager.default.createDirectory(atPath: sandbox.root + "/prefix/share/etl-host/templates", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.repositoryRoot + "/Sources/ETLScaffold/Templates/Rust",
                                         toPath: sandbox.root + "/prefix/share/etl-host/templates/rust")
        let installed = try sandbox.etlHost("plugins", "new", "rs", "--kind", "extractor", "--lang", "rust", "--sdk", include)
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(sandbox.text("rs/src/lib.rs")?.contains(#"name: c"rs","#) == true)
        let warehouse = try sandbox.etlHost("plugins", "new", "rs-sink", "--kind", "warehouse", "--lang", "rust", "--sdk", include)
        #expect(warehouse.status == 0, "\(warehouse.stderr)")
        #expect(sandbox.text("rs-sink/src/lib.rs")?.contains(#"name: c"rs-sink","#) == true)
    }

    /// Both Swift templates compile against this checkout's ETLPluginKit
    /// (type-checked with the modules the test build made: seconds, where a
    /// package build takes minutes).
    @Test func swiftTemplatesTypeCheckAgainstTheKit() throws {
        let sandbox = try HostSandbox("new-swift-typecheck")
        let products = TestSupport.productsDirectory
        for kind in ["extractor", "warehouse"] {
            let name = "typed-\(kind)"
            let created = try sandbox.etlHost("plugins", "new", name, "--kind", kind, "--lang", "swift",
                                              "--sdk", TestSupport.repositoryRoot)
            #expect(created.status == 0, "\(created.stderr)")
            let manifest = sandbox.text("\(name)/Package.swift") ?? ""
            #expect(manifest.contains(#".package(path: "\#(TestSupport.repositoryRoot)")"#))
            #expect(manifest.contains(#".product(name: "ETLPluginKit", package: "\#((TestSupport.repositoryRoot as NSString).lastPathComponent.lowercased())")"#))
            let sources = sandbox.root + "/\(name)/Sources/Typed\(kind.capitalized)Plugin"
            let files = try FileManager.default.contentsOfDirectory(atPath: sources).sorted().map { sources + "/" + $0 }
            #expect(files.map { ($0 as NSString).lastPathComponent } == ["PluginEntryPoint.swift", "Typed\(kind.capitalized)\(kind.capitalized).swift"])
            let result = try TestSupport.run("/usr/bin/env", [
                "swiftc", "-typecheck", "-swift-version", "6", "-module-name", "Typed\(kind.capitalized)Plugin",
                "-I", products + "/Modules", "-Xcc", "-fmodule-map-file=\(products)/CETLPlugin.build/module.modulemap",
                "-Xcc", "-I", "-Xcc", TestSupport.includeDirectory,
            ] + files)
            #expect(result.status == 0, "\(kind): \(result.stderr)")
            #expect(result.stderr.isEmpty, "\(kind): \(result.stderr)")
        }
    }

    /// "1.4": the ABI of this checkout's etl_plugin.h.
    static var headerABI: String {
        let text = (try? String(contentsOfFile: TestSupport.includeDirectory + "/etl_plugin.h", encoding: .utf8)) ?? ""
        func value(_ macro: String) -> String {
            text.split(separator: "\n").first { $0.hasPrefix("#define \(macro) ") }.map { String($0.split(separator: " ")[2]) } ?? "?"
        }
        return value("ETL_ABI_VERSION_MAJOR") + "." + value("ETL_ABI_VERSION_MINOR")
    }
}
