import ETLConformance
import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `etl-host plugins test`, the conformance suite, driven through the built
/// binary: healthy plugins pass every check, and each plugin with one
/// planted bug (Tests/Fixtures/BrokenPlugins) fails the check named for it.
@Suite struct PluginsTestCommandTests {
    static let fixtures = "Tests/Fixtures/BrokenPlugins/"
    /// The conformant extractor's config, and bounds that keep the endless
    /// stream "ticker" short.
    static let extractorOptions = ["-c", "rows=5", "--max-batches", "5", "--cancel-within", "1"]
    /// The in-memory warehouse's config.
    static let warehouseOptions = ["-c", "name=test"]

    /// A broken fixture, the check it must fail, and what the failure says.
    struct Broken: CustomTestStringConvertible, Sendable {
        var file: String
        var check: String
        var detail: String
        var options: [String]
        /// Whether every other check passes (false where the bug also
        /// breaks what other checks need: a crash, a double release).
        var onlyItsCheck = true
        var testDescription: String { file }
    }

    static let broken: [Broken] = [
        Broken(file: "double_release", check: "release",
               detail: "stream 'numbers', batch 1, column 1 (\"id\"): released 2 times (a double release)", options: extractorOptions, onlyItsCheck: false),
        Broken(file: "child_not_released", check: "release",
               detail: "stream 'numbers', batch 1, column 1 (\"id\"): its release was never called after its parent was released",
               options: extractorOptions),
        Broken(file: "stream_release_null", check: "release",
               detail: "read of stream 'numbers' returned ETL_OK but the stream's release is NULL", options: extractorOptions, onlyItsCheck: false),
        Broken(file: "offsets_not_monotonic", check: "arrow",
               detail: "stream 'numbers', batch 2, column 2 (\"label\", utf8): offsets are not monotonic: offset[2]=4 < offset[1]=5",
               options: extractorOptions),
        Broken(file: "offset_beyond_data", check: "arrow",
               detail: "stream 'numbers', batch 1, column 2 (\"label\", utf8): offset[2]=2147483392 is past the end of the data buffer",
               options: extractorOptions),
        Broken(file: "length_past_offsets", check: "arrow",
               detail: "stream 'numbers', batch 1, column 2 (\"label\", utf8): the offsets buffer (buffers[1]) needs 16 bytes "
                   + "for offset 0 + length 3 + 1, but only 12 are readable", options: extractorOptions),
        Broken(file: "invalid_utf8", check: "arrow",
               detail: "stream 'numbers', batch 1, column 2 (\"label\", utf8): row 2 is not valid UTF-8 (byte 1 of the value, 0xC3",
               options: extractorOptions),
        Broken(file: "error_without_message", check: "errors",
               detail: "read of the unknown stream '_etl_conformance_no_such_stream' failed with ETL_ERR_INVALID_ARGUMENT (2) "
                   + "but set no message (etl_error.message is NULL)", options: extractorOptions, onlyItsCheck: false),
        Broken(file: "ignores_cancel", check: "cancel",
               detail: "stream 'ticker' did not end within 1.00 s of cancel()", options: extractorOptions),
        Broken(file: "cancel_ignored_in_numbers", check: "cancel",
               detail: "stream 'numbers': cancel() was called before the first get_next, which then delivered a batch of 2 rows; "
                   + "after cancel(), get_next must return ECANCELED (or end the stream), however soon the read would finish",
               options: extractorOptions),
        Broken(file: "spec_not_json_schema", check: "config-schema",
               detail: "config_schema.properties.label.type: \"text\" is not a JSON Schema type", options: extractorOptions),
        Broken(file: "checkpoint_not_json", check: "checkpoint",
               detail: "checkpoint of stream 'numbers' after its first batch is not valid JSON: after=2", options: extractorOptions),
        Broken(file: "ignores_state", check: "checkpoint",
               detail: "stream 'numbers': read with the state {\"after\": 5} from the checkpoint taken after the whole stream "
                   + "returned 5 rows with 5 values of its cursor field 'id'; with no change at the source only rows at the "
                   + "cursor boundary (one value) may come again: read() ignores its state and re-reads the stream",
               options: extractorOptions),
        Broken(file: "reads_past_struct_size", check: "struct-size",
               detail: "SIGSEGV (a segmentation fault) during read of stream 'numbers' with a 24-byte (ABI 1.0) etl_read_request "
                   + "against a guard page: read() accessed etl_read_request past its struct_size", options: extractorOptions),
        Broken(file: "accepts_any_abi", check: "abi-negotiation",
               detail: "init accepted a host of ABI 2.0 (returned ETL_OK)", options: extractorOptions),
        Broken(file: "crash_in_get_next", check: "arrow",
               detail: "SIGSEGV (a segmentation fault) during read of stream 'numbers': get_next for batch 2", options: extractorOptions, onlyItsCheck: false),
        Broken(file: "null_count_zero", check: "arrow",
               detail: "stream 'numbers', batch 2, column 4 (\"score\", float64): null_count is 0 but the validity bitmap has 1 nulls",
               options: extractorOptions),
        Broken(file: "offsets_off_by_one", check: "values",
               detail: "stream 'numbers', batch 1, column 2 (\"label\", utf8): offset[0]=1, not 0: a fresh array's first value "
                   + "starts at byte 0 of its data, so every value is shifted by 1 byte (an off-by-one in the offsets; "
                   + "the first value reads as bytes 1..<4)", options: extractorOptions),
        Broken(file: "member_not_json", check: "values",
               detail: "stream 'numbers', batch 1, column 2 (\"label\", etl.member): row 1 is not the JSON text of a member "
                   + "(invalid literal; expected true, false or null, at byte 1)", options: extractorOptions),
        Broken(file: "declared_type", check: "declared-types",
               detail: "stream 'numbers', field 'label': the catalog declares integer, but batch 1, row 1 carries a utf8 value "
                   + "that is not a valid integer; sync would fail this stream with exit 65 (bad data) for every such value",
               options: extractorOptions),
        Broken(file: "writes_whole_descriptor", check: "struct-size",
               detail: "SIGSEGV (a segmentation fault) during init by a host of ABI 1.0 with a 120-byte "
                   + "descriptor against a guard page: init wrote past the 120 bytes of struct_size the host gave it",
               options: extractorOptions),
        Broken(file: "write_leaks_batch", check: "release",
               detail: "batch 1 written before commit was never released even after close() (a leak", options: warehouseOptions),
        Broken(file: "rollback_keeps_table", check: "rollback",
               detail: "_rollback', the table exists", options: warehouseOptions),
        Broken(file: "replace_empties_at_begin", check: "replace",
               detail: "_replace' (begun, batches written, not yet committed), a second instance's table_schema says the table "
                   + "does not exist: the replace removed or emptied the live table before commit; other connections must see "
                   + "the old table until the commit swaps the new one in", options: warehouseOptions),
        Broken(file: "replace_keeps_columns", check: "replace",
               detail: "_replace' still has column 'active' of the table it replaced", options: warehouseOptions),
        Broken(file: "replace_deletes_rows_at_begin", check: "replace",
               detail: "_replace' during the second replace (begun, batches written, not yet committed), read from a "
                   + "second instance, which must see the old rows until the commit: the query returned 0 rows; 5 were "
                   + "expected; missing ids 1, 2, 3, 4, 5", options: warehouseOptions),
        Broken(file: "upsert_appends", check: "upsert",
               detail: "_upsert' after the second upsert was committed (ids 1, 2, 3, then 2, 3, 4): the query returned "
                   + "6 rows; 4 were expected; ids in the order 1, 2, 2, 3, 3, 4", options: warehouseOptions),
        Broken(file: "write_mangles_values", check: "read-back",
               detail: "_read_back' after the replace was committed, row 7 (id 102), column 'name' (utf8): wrote \"long "
                   + "text, long text, long text,…\" (347 bytes), read back \"long text, long text, long text,…\" (255 "
                   + "bytes) (utf8); they differ from byte 256 on", options: warehouseOptions),
    ]

    /// The report line of `check` in `output`.
    private func line(_ check: String, in output: String) -> String? {
        output.split(separator: "\n").map(String.init).first {
            $0.dropFirst(6).hasPrefix(check + " ") && ["PASS  ", "FAIL  ", "SKIP  "].contains(String($0.prefix(6)))
        }
    }

    /// The line the report prints for a result.
    private func expected(_ check: ConformanceCheck, _ status: ConformanceResult.Status, _ detail: String) -> String {
        ConformanceReport.line(ConformanceResult(check: check, status: status, detail: detail))
    }

    private func runSuite(_ sandbox: HostSandbox, _ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.hostExecutable, ["plugins", "test"] + arguments,
                            environment: sandbox.environment, currentDirectory: sandbox.root)
    }

    private func report(_ result: TestSupport.ProcessResult) throws -> ConformanceReport {
        try JSONDecoder().decode(ConformanceReport.self, from: Data(result.stdout.utf8))
    }

    @Test(arguments: broken) func eachBrokenPluginFailsTheCheckNamedForItsBug(_ fixture: Broken) throws {
        let sandbox = try HostSandbox("conformance-\(fixture.file)")
        let library = try sandbox.compile([Self.fixtures + fixture.file + ".c"], name: "lib\(fixture.file).so")
        let result = try runSuite(sandbox, [library] + fixture.options)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        let failed = try #require(line(fixture.check, in: result.stdout), "\(result.stdout)")
        #expect(failed.hasPrefix("FAIL  \(fixture.check) "), "\(result.stdout)")
        #expect(failed.contains(fixture.detail), "\(failed)")
        #expect(line("load", in: result.stdout)?.hasPrefix("PASS") == true, "\(result.stdout)")
        #expect(result.stdout.hasSuffix(" failed, 0 skipped\n") || result.stdout.contains(" failed, 0 skipped\nnote:"),
                "\(result.stdout)")
        if fixture.onlyItsCheck {
            #expect(result.stdout.components(separatedBy: "\nFAIL  ").count == 2, "\(result.stdout)")
        }
    }

    /// A sync of `library` (registered, pinned, as `name`) into a fresh
    /// SQLite file `w.db` of the sandbox.
    private func sync(_ sandbox: HostSandbox, _ library: String, name: String, _ arguments: [String]) throws
        -> TestSupport.ProcessResult
    {
        let entry: [String: Any] = [
            "name": name, "kind": "extractor", "version": "1.0.0", "abi": "1.1", "entry": "etl_plugin_init",
            "library": library, "sha256": try SHA256.hexDigest(ofFileAt: library), "language": "c", "toolchain": NSNull(),
            "capabilities": [String](), "description": "test",
        ]
        let data = try JSONSerialization.data(withJSONObject: ["registry_version": 1, "plugins": [entry]])
        try data.write(to: URL(fileURLWithPath: sandbox.root + "/registry.json"))
        return try TestSupport.run(TestSupport.hostExecutable, ["sync", name, "sqlite", "-d", "path=\(sandbox.root)/w.db"] + arguments,
                                   environment: sandbox.environment.merging(["ETL_STATE_DIR": sandbox.root + "/state"]) { $1 },
                                   currentDirectory: sandbox.root)
    }

    @Test func aSyncRefusesANullCountThatDisagreesWithTheBitmapAndLoadsNullsAsNullWhenTheCountIsUnknown() throws {
        let sandbox = try HostSandbox("conformance-nullcount-sync")
        let library = try sandbox.compile([Self.fixtures + "null_count_zero.c"], name: "libnull_count_zero.so")
        let result = try sync(sandbox, library, name: "nullcount", ["-s", "rows=5", "--streams", "numbers", "--quiet"])
        #expect(!result.signaled)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr == "etl-host: error: plugin 'conformant': stream 'numbers': the stream returned an invalid batch: "
            + "column 4 (\"score\", float64): null_count is 0 but the validity bitmap has 1 nulls [ETL_ERR_INTERNAL]\n")
        let database = sandbox.root + "/w.db"
        let tables = FileManager.default.fileExists(atPath: database)
            ? try SQLiteInspector(path: database).rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'numbers'")
            : []
        #expect(tables.isEmpty, "\(tables)")

        // The same rows with null_count -1 (unknown, as Arrow allows): the bitmap decides, the null loads as NULL.
        let unknown = try sandbox.compile([Self.fixtures + "null_count_unknown.c"], name: "libnull_count_unknown.so")
        let loaded = try sync(sandbox, unknown, name: "unknown", ["-s", "rows=5", "--streams", "numbers", "--quiet"])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let scores = try SQLiteInspector(path: database).rows("SELECT id, quote(score) FROM numbers ORDER BY id")
        #expect(scores == [["1", "0.5"], ["2", "1.0"], ["3", "NULL"], ["4", "2.0"], ["5", "2.5"]], "\(scores)")
        let passes = try runSuite(sandbox, [unknown] + Self.extractorOptions)
        #expect(passes.status == 0, "\(passes.stdout)")
    }

    @Test func theConformantExtractorPassesEveryCheck() throws {
        let sandbox = try HostSandbox("conformance-extractor")
        let library = try sandbox.compile([Self.fixtures + "conformant_extractor.c"], name: "libconformant.so")
        let result = try runSuite(sandbox, [library, "--json"] + Self.extractorOptions)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let report = try report(result)
        #expect(report.plugin == "conformant")
        #expect(report.results.map(\.check) == ConformanceCheck.sequence(for: .extractor))
        #expect(report.results.filter { $0.status != .pass }.map(\.check) == [], "\(result.stdout)")
        let cancel = try #require(report.results.first { $0.check == .cancel })
        #expect(cancel.detail.contains("'ticker' stopped"), "\(cancel.detail)")
        #expect(cancel.detail.contains("with ECANCELED"), "\(cancel.detail)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(json?["status"] as? String == "passed")
        #expect(json?["exit_code"] as? Int == 0)
        #expect((json?["counts"] as? [String: Int]) == ["pass": 14, "fail": 0, "skip": 0])
    }

    @Test func theInMemoryWarehousePassesEveryCheck() throws {
        let sandbox = try HostSandbox("conformance-warehouse")
        let library = try sandbox.compile([Self.fixtures + "memory_warehouse.c"], name: "libmemwh.so")
        let result = try runSuite(sandbox, [library, "--json"] + Self.warehouseOptions)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let report = try report(result)
        #expect(report.results.map(\.check) == ConformanceCheck.sequence(for: .warehouse))
        #expect(report.results.filter { $0.status != .pass }.map(\.check) == [], "\(result.stdout)")
        let readBack = try #require(report.results.first { $0.check == .readBack })
        #expect(readBack.detail.hasSuffix("_read_back' by a replace read back equal through query"), "\(readBack.detail)")
    }

    @Test func aWarehouseWithoutQueryIsNotReadBackAndSaysWhy() throws {
        let sandbox = try HostSandbox("conformance-noquery")
        let library = try sandbox.compile(["Tests/Fixtures/CPlugins/textwarehouse.c"], name: "libtextwarehouse.so")
        let result = try runSuite(sandbox, [library, "-c", "dir=\(sandbox.root)"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(line("read-back", in: result.stdout) == expected(.readBack, .skip, "the warehouse does not declare the "
            + "sql_query capability: the rows written cannot be read back"), "\(result.stdout)")
        #expect(!result.stdout.contains("FAIL  "), "\(result.stdout)")
    }

    @Test func theDirlistExamplePasses() throws {
        let sandbox = try HostSandbox("conformance-dirlist")
        let library = try sandbox.compile(["Plugins/Examples/C/dirlist/dirlist.c"], name: "libetl_dirlist.so")
        let listed = sandbox.root + "/listed"
        try FileManager.default.createDirectory(atPath: listed + "/sub", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: listed + "/a.txt", contents: Data("hello\n".utf8))
        try FileManager.default.createSymbolicLink(atPath: listed + "/link", withDestinationPath: "a.txt")
        let result = try runSuite(sandbox, [library, "-c", "path=\(listed)"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("FAIL  "), "\(result.stdout)")
        #expect(line("checkpoint", in: result.stdout) == expected(.checkpoint, .skip, "not incremental (checkpoint is NULL)"))
        #expect(result.stdout.hasSuffix("14 checks: 13 passed, 0 failed, 1 skipped\n"), "\(result.stdout)")
    }

    @Test(arguments: [("csv", "samples/orders.csv"), ("jsonl", "samples/events.jsonl")])
    func theBundledFileExtractorsPass(_ plugin: String, _ sample: String) throws {
        let sandbox = try HostSandbox("conformance-\(plugin)")
        let result = try runSuite(sandbox, [plugin, "-c", "path=\(TestSupport.repositoryRoot)/\(sample)"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("FAIL  "), "\(result.stdout)")
        #expect(line("declared-types", in: result.stdout) == expected(.declaredTypes, .skip, "the catalog declares no field types"))
        #expect(result.stdout.hasSuffix("14 checks: 12 passed, 0 failed, 2 skipped\n"), "\(result.stdout)")
    }

    @Test func theBundledSQLiteWarehousePassesAndSaysWhatItLeft() throws {
        let sandbox = try HostSandbox("conformance-sqlite")
        let database = sandbox.root + "/scratch.db"
        let result = try runSuite(sandbox, ["sqlite", "-c", "path=\(database)", "--json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let report = try report(result)
        #expect(report.results.filter { $0.status != .pass }.map(\.check) == [], "\(result.stdout)")
        let note = try #require(report.notes.first)
        #expect(note.hasPrefix("tables named etl_conformance_"), "\(note)")
        let tables = try SQLiteInspector(path: database).rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .compactMap { $0.first ?? nil }
        let created = tables.filter { $0.hasPrefix("etl_conformance_") }.map { String($0.split(separator: "_").dropFirst(3).joined(separator: "_")) }
        #expect(created == ["append", "read_back", "release", "replace", "rollback_kept", "upsert"], "\(tables)")
        let readBack = try #require(report.results.first { $0.check == .readBack })
        #expect(readBack.detail.hasPrefix("13 rows of 10 columns (every v1 type, decimal, JSON, nulls, edge values) "
            + "written to 'etl_conformance_"), "\(readBack.detail)")
        let replace = try #require(report.results.first { $0.check == .replace })
        #expect(replace.detail.hasSuffix("; its query read the 5 old rows then; and the 4 new rows after the commit"),
                "\(replace.detail)")
    }

    @Test func withoutAConfigTheChecksThatOpenAreSkippedWithTheOptionToPass() throws {
        let sandbox = try HostSandbox("conformance-noconfig")
        let result = try runSuite(sandbox, ["csv"])
        #expect(result.status == 0, "\(result.stderr)")
        let skipped = "needs a config: pass -s KEY=VALUE for its required key path, or -s @file:PATH"
        #expect(line("open", in: result.stdout) == expected(.open, .skip, skipped))
        #expect(line("arrow", in: result.stdout) == expected(.arrow, .skip, skipped))
        #expect(line("config-schema", in: result.stdout)?.hasPrefix("PASS") == true)
        #expect(line("open-bad-config", in: result.stdout)?.hasPrefix("PASS") == true, "\(result.stdout)")

        let warehouse = try runSuite(sandbox, ["sqlite"])
        #expect(warehouse.status == 0)
        #expect(line("replace", in: warehouse.stdout)?.hasPrefix(expected(.replace, .skip, "needs the config of a scratch destination")) == true,
                "\(warehouse.stdout)")
        #expect(line("replace", in: warehouse.stdout)?.contains("_*): pass -d KEY=VALUE (keys: ") == true, "\(warehouse.stdout)")
        #expect(line("replace", in: warehouse.stdout)?.hasSuffix(") or -d @file:PATH") == true, "\(warehouse.stdout)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/warehouse.db"))
    }

    @Test func aConfigFileIsReadAndAWrongConfigIsAUsageError() throws {
        let sandbox = try HostSandbox("conformance-configfile")
        let library = try sandbox.compile([Self.fixtures + "conformant_extractor.c"], name: "libconformant.so")
        let file = sandbox.root + "/config.json"
        _ = FileManager.default.createFile(atPath: file, contents: Data(#"{"rows": 3, "label": "n-"}"#.utf8))
        let result = try runSuite(sandbox, [library, "--config", file, "--max-batches", "3", "--cancel-within", "1"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(line("arrow", in: result.stdout) == expected(.arrow, .pass, "2 streams, 5 batches, 6 rows: schemas and batches well-formed"))

        let wrong = try runSuite(sandbox, [library, "-c", "rows=3", "-c", "colour=red"])
        #expect(wrong.status == 64)
        #expect(wrong.stderr == "etl-host: error: conformant: unknown config key 'colour'; valid keys: label, rows\n")
        #expect(wrong.stdout == "")
    }

    @Test func maxBadRowsLetsATestInputWithAMalformedRecordSetItAside() throws {
        let sandbox = try HostSandbox("conformance-badrows")
        let library = try sandbox.compile([Self.fixtures + "has_a_bad_row.c"], name: "libhas_a_bad_row.so")
        let strict = try runSuite(sandbox, [library] + Self.extractorOptions)
        #expect(strict.status == 1, "\(strict.stdout)")
        #expect(line("arrow", in: strict.stdout) == expected(.arrow, .fail, "stream 'numbers', batch 1: get_next failed with "
            + "EBADMSG (74): row 2: the field ok is not a boolean"))

        let allowing = try runSuite(sandbox, [library, "--max-bad-rows", "1"] + Self.extractorOptions)
        #expect(allowing.status == 0, "\(allowing.stdout)\(allowing.stderr)")
        #expect(line("arrow", in: allowing.stdout) == expected(.arrow, .pass, "2 streams, 7 batches, 9 rows: schemas and "
            + "batches well-formed; 1 record set aside through reject() (--max-bad-rows): row 2: the field ok is not a boolean"))
        #expect(allowing.stdout.hasSuffix("14 checks: 14 passed, 0 failed, 0 skipped\n"), "\(allowing.stdout)")

        let negative = try runSuite(sandbox, [library, "--max-bad-rows=-1"])
        #expect(negative.status == 64)
        #expect(negative.stderr.contains("--max-bad-rows must be 0 or more"), "\(negative.stderr)")
    }

    @Test func aCheckThatHangsFailsAtItsTimeLimitNamingWhatItWasDoing() throws {
        let sandbox = try HostSandbox("conformance-hang")
        let library = try sandbox.compile([Self.fixtures + "ignores_cancel.c"], name: "libignores_cancel.so")
        // "ticker" never ends: reading 10^6 of its batches takes far longer than 2 s.
        let result = try runSuite(sandbox, [library, "-c", "rows=3", "--streams", "ticker", "--max-batches", "1000000",
                                            "--timeout", "2", "--cancel-within", "1"])
        #expect(result.status == 1)
        let arrow = try #require(line("arrow", in: result.stdout), "\(result.stdout)")
        #expect(arrow.hasPrefix("FAIL  arrow            did not finish within 2 s during "), "\(arrow)")
        #expect(arrow.contains("stream 'ticker'"), "\(arrow)")
        #expect(arrow.hasSuffix("(the worker was killed)"), "\(arrow)")
        #expect(line("cancel", in: result.stdout)?.hasPrefix("FAIL  cancel           stream 'ticker' did not end within 1.00 s") == true,
                "\(result.stdout)")
    }

    @Test func aFileThatIsNotAPluginFailsLoadAndSkipsTheRest() throws {
        let sandbox = try HostSandbox("conformance-notaplugin")
        let text = sandbox.root + "/notes.so"
        _ = FileManager.default.createFile(atPath: text, contents: Data("just some text\n".utf8))
        let result = try runSuite(sandbox, [text])
        #expect(result.status == 2)
        #expect(line("load", in: result.stdout) == expected(.load, .fail, "the plugin does not load: cannot load plugin '\(text)': not a shared library (no ELF header)"))
        #expect(line("arrow", in: result.stdout) == expected(.arrow, .skip, "the plugin does not load"))
        #expect(result.stdout.hasSuffix(" 1 failed, 18 skipped\n"), "\(result.stdout)")
    }

    @Test func helpListsTheChecksAndTheExitCodes() throws {
        let sandbox = try HostSandbox("conformance-help")
        let result = try runSuite(sandbox, ["--help"])
        #expect(result.status == 0)
        for check in ConformanceCheck.allCases {
            #expect(result.stdout.contains("  \(check.rawValue) "), "\(check)")
        }
        #expect(result.stdout.contains("Exit codes:\n  0   no check failed"))
        #expect(result.stdout.contains("  64  invalid command line, or a config that does not match the schema"))
    }

    /// Installs the broken fixture `file` (.c) and syncs its stream
    /// "numbers" into SQLite in a sandbox of its own.
    private func syncBroken(_ file: String) throws -> (HostSandbox, TestSupport.ProcessResult) {
        let sandbox = try HostSandbox("conformance-\(file)-sync")
        let library = try sandbox.compile([Self.fixtures + file + ".c"], name: "lib\(file).so")
        let installed = try sandbox.etlHost("plugins", "install", library)
        #expect(installed.status == 0, "\(installed.stderr)")
        return (sandbox, try sandbox.etlHost("sync", "conformant", "sqlite", "-s", "rows=5", "--streams", "numbers", "--quiet"))
    }

    /// A member column that holds words, not JSON text: sync refuses it as
    /// the plugin's bug (exit 2) naming the row and column, never the value.
    @Test func syncRefusesAMemberColumnThatIsNotJSONText() throws {
        let (sandbox, sync) = try syncBroken("member_not_json")
        #expect(sync.status == 2)
        #expect(sync.stderr == "etl-host: error: plugin 'conformant': stream 'numbers' row 1, column 'label': the member column "
            + "(etl.member) holds a value that does not start as a JSON value does, not the JSON text of a member; this is a bug of the extractor "
            + "(`etl-host plugins test` checks every value)\n")
        let warehouse = sandbox.root + "/warehouse.db"
        let tables = FileManager.default.fileExists(atPath: warehouse)
            ? try SQLiteInspector(path: warehouse).rows("SELECT name FROM sqlite_master WHERE name = 'numbers'") : []
        #expect(tables.isEmpty)
    }

    /// The offsets rule is the contract's, stricter than Arrow: `sync` refuses
    /// the batch that `plugins test` fails in "values", so the two agree.
    @Test func syncRefusesTheShiftedOffsetsThatTheValuesCheckFails() throws {
        let (_, sync) = try syncBroken("offsets_off_by_one")
        #expect(sync.status == 2)
        #expect(sync.stderr == "etl-host: error: plugin 'conformant': stream 'numbers': the stream returned an invalid batch: "
            + "column 2 (\"label\", utf8): offset[0]=1, not 0, in an array of offset 0: every value is shifted by 1 byte "
            + "(an off-by-one in the offsets?); a slice of a larger array must say so with the array's offset, as "
            + "etl_plugin.h requires [ETL_ERR_INTERNAL]\n")
    }
}
