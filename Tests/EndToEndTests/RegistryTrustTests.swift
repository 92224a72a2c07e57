import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Only checked code runs inside etl-host: a project `registry.json` in the
/// current folder cannot point a name at an unpinned library, a FIFO or
/// `/dev/zero`; a library that is not `@host/` is probed in a child process
/// before its first load (and remembered); shadowing is shown and announced.
/// All through the built binary.
@Suite struct RegistryTrustTests {
    static let variant = "Tests/Fixtures/CPlugins/variant.c"

    /// A sandbox with its own state folder (runs, probe cache).
    struct Project {
        let sandbox: HostSandbox
        var root: String { sandbox.root }
        var state: String { sandbox.root + "/state" }
        var probes: String { state + "/probes" }

        init(_ label: String) throws {
            sandbox = try HostSandbox(label)
        }

        /// Writes `./registry.json` with `entries` (name, library, sha256).
        func writeRegistry(_ entries: [(name: String, library: String, sha256: String?)], kind: String = "extractor") throws {
            let plugins: [[String: Any]] = entries.map { entry in
                ["name": entry.name, "kind": kind, "version": "1.0.0", "abi": "1.1", "entry": "etl_plugin_init",
                 "library": entry.library, "sha256": entry.sha256 ?? NSNull(), "language": "c", "toolchain": NSNull(),
                 "capabilities": [String](), "description": "test"]
            }
            let data = try JSONSerialization.data(withJSONObject: ["registry_version": 1, "plugins": plugins])
            try data.write(to: URL(fileURLWithPath: root + "/registry.json"))
        }

        func etlHost(_ arguments: String...) throws -> TestSupport.ProcessResult {
            try TestSupport.run(TestSupport.hostExecutable, arguments,
                                environment: sandbox.environment.merging(["ETL_STATE_DIR": state]) { $1 },
                                currentDirectory: root)
        }

        /// The probe records written so far.
        func probeRecords() throws -> [ProbeRecord] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: probes)) ?? []
            return try names.sorted().map { try JSONDecoder().decode(ProbeRecord.self, from: Data(contentsOf: URL(fileURLWithPath: probes + "/" + $0))) }
        }

        /// The STATUS and FROM cells of `name` in `plugins list`.
        func listed(_ name: String) throws -> [String]? {
            let lines = try etlHost("plugins", "list").stdout.split(separator: "\n").map { Array($0) }
            guard let header = lines.first.map({ String($0) }),
                  let statusColumn = header.range(of: "STATUS").map({ header.distance(from: header.startIndex, to: $0.lowerBound) }),
                  let fromColumn = header.range(of: "FROM").map({ header.distance(from: header.startIndex, to: $0.lowerBound) }),
                  let line = lines.first(where: { String($0).hasPrefix(name + " ") }), line.count > fromColumn
            else { return nil }
            return [String(line[statusColumn ..< fromColumn]).trimmingCharacters(in: .whitespaces), String(line[fromColumn...])]
        }
    }

    @Test func anUnpinnedLibraryOutsideTheHostIsRefusedNamingPluginsInstall() throws {
        let project = try Project("trust-unpinned")
        let library = TestSupport.productsDirectory + "/libetl_csv.so"
        try project.writeRegistry([("csv", library, nil)])
        let result = try project.etlHost("sync", "csv", "sqlite", "-s", "path=\(TestSupport.repositoryRoot)/samples/orders.csv",
                                         "-d", "path=\(project.root)/w.db")
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr == "etl-host: error: plugin 'csv': refusing to load '\(library)': the project registry \(project.root)/registry.json "
            + "does not pin it by sha256 (\"sha256\": null), and only libraries built with this etl-host (@host/) run unpinned. "
            + "To trust this file, run `etl-host plugins install \(library) --name csv`, which probes it in a child process and pins it\n")
        #expect(!FileManager.default.fileExists(atPath: project.root + "/w.db"))
        #expect(try project.listed("csv") == ["unpinned: refused", "project, shadows bundled"])
    }

    @Test func aFIFOAndDevZeroAreRefusedAtOnceWithoutBeingOpenedForLongOrHashed() throws {
        let project = try Project("trust-fifo")
        let fifo = project.root + "/libfifo.so"
        #expect(mkfifo(fifo, 0o644) == 0)
        let pin = String(repeating: "ab", count: 32)
        try project.writeRegistry([("fifo", fifo, pin), ("zero", "/dev/zero", pin), ("unpinnedfifo", fifo, nil)])

        let cases: [(name: String, path: String, kind: String)] = [
            ("fifo", fifo, "a FIFO (named pipe)"), ("zero", "/dev/zero", "a character device"), ("unpinnedfifo", fifo, "a FIFO (named pipe)"),
        ]
        for (name, path, kind) in cases {
            let result = try project.etlHost("sync", name, "sqlite", "-d", "path=\(project.root)/w.db")
            #expect(result.status == 2, "\(name): \(result.stderr)")
            #expect(result.stderr == "etl-host: error: plugin '\(name)': refusing '\(path)': it is \(kind), not a regular file "
                + "(registry \(project.root)/registry.json); only regular files are opened or hashed\n")
            #expect(try project.listed(name)?.first == "not a file: refused")
        }
        // Installing from a FIFO does not wait for a writer either.
        let install = try project.etlHost("plugins", "install", fifo)
        #expect(install.status == 2)
        #expect(install.stderr == "etl-host: error: cannot load plugin '\(fifo)': it is a FIFO (named pipe), not a regular file; "
            + "only regular files are opened or hashed\n")
        #expect(try project.probeRecords().isEmpty)
    }

    @Test func aLibraryThatCrashesInInitIsProbedInAChildAndRefusedWithExit2AndNoBacktrace() throws {
        let project = try Project("trust-crash")
        let library = try project.sandbox.compile([Self.variant], defines: ["VARIANT_CRASH_IN_INIT"], name: "libcrash.so")
        let digest = try SHA256.hexDigest(ofFileAt: library)
        try project.writeRegistry([("crashy", library, digest)])
        #expect(try project.listed("crashy")?.first == "not probed yet")

        let message = "etl-host: error: plugin 'crashy': its library '\(library)' crashed while initializing in a probe child process "
            + "(signal 11, SIGSEGV, a segmentation fault); refused: it was not loaded into etl-host (registry \(project.root)/registry.json)"
        let first = try project.etlHost("sync", "crashy", "sqlite", "-d", "path=\(project.root)/w.db")
        #expect(!first.signaled)
        #expect(first.status == 2)
        #expect(first.stderr == message + "\n")
        let records = try project.probeRecords()
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.library == library)
        #expect(record.sha256 == digest)
        #expect(record.outcome == .failed)
        #expect(record.reason == "SIGSEGV")
        #expect(record.toolchain == "swift-6.3.1")
        #expect(record.abi == "1.4")

        // The second run refuses it from the remembered probe, without probing again.
        let second = try project.etlHost("sync", "crashy", "sqlite", "-d", "path=\(project.root)/w.db")
        #expect(second.status == 2)
        #expect(second.stderr == message + " (remembered from its probe at \(record.probedAt); a changed library is probed again)\n")
        #expect(try project.probeRecords() == [record])
        #expect(try project.listed("crashy")?.first == "probe failed: SIGSEGV")
    }

    @Test func replayAnnouncesAWarehouseThatShadowsTheBundledOne() throws {
        let project = try Project("trust-shadow-replay")
        let library = TestSupport.productsDirectory + "/libetl_sqlite.so"
        try project.writeRegistry([("sqlite", library, try SHA256.hexDigest(ofFileAt: library))], kind: "warehouse")
        let sample = "path=\(TestSupport.repositoryRoot)/samples/orders.csv"
        let sync = try project.etlHost("sync", "csv", "sqlite", "-s", sample, "-d", "path=\(project.root)/w.db", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        let bundled = try #require(RegistrySearchPath(currentDirectory: project.root, hostDirectory: TestSupport.productsDirectory).locations.first { $0.scope == .bundled }?.path)
        let notice = "etl-host: warn: plugin 'sqlite' comes from the project registry \(project.root)/registry.json "
            + "(library \(library)), which shadows the bundled 'sqlite' of \(bundled)\n"
        #expect(sync.stderr == notice)
        let runs = try FileManager.default.contentsOfDirectory(atPath: project.state + "/runs").filter { !$0.hasPrefix(".") }
        let id = try #require(runs.first)
        let replay = try project.etlHost("replay", id, "sqlite", "-d", "path=\(project.root)/again.db", "--quiet")
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr == notice)
    }

    @Test func aGoodLibraryIsProbedOnceRememberedAndItsShadowingAnnouncedOnceInTheRunLog() throws {
        let project = try Project("trust-shadow")
        let library = TestSupport.productsDirectory + "/libetl_csv.so"
        let digest = try SHA256.hexDigest(ofFileAt: library)
        try project.writeRegistry([("csv", library, digest)])
        #expect(try project.listed("csv") == ["not probed yet", "project, shadows bundled"])

        let sample = "path=\(TestSupport.repositoryRoot)/samples/orders.csv"
        let first = try project.etlHost("sync", "csv", "sqlite", "-s", sample, "-d", "path=\(project.root)/w.db", "--quiet")
        #expect(first.status == 0, "\(first.stderr)")
        let bundled = try #require(RegistrySearchPath(currentDirectory: project.root, hostDirectory: TestSupport.productsDirectory).locations.first { $0.scope == .bundled }?.path)
        let notice = "plugin 'csv' comes from the project registry \(project.root)/registry.json (library \(library)), "
            + "which shadows the bundled 'csv' of \(bundled)"
        #expect(first.stderr == "etl-host: warn: \(notice)\n")
        let runs = try FileManager.default.contentsOfDirectory(atPath: project.state + "/runs").filter { !$0.hasPrefix(".") }
        #expect(runs.count == 1)
        let log = try String(contentsOfFile: project.state + "/runs/\(runs[0])/log.jsonl", encoding: .utf8)
        #expect(log.components(separatedBy: notice).count == 2, "\(log)")

        let record = try #require(try project.probeRecords().first)
        #expect(record.outcome == .ok)
        #expect(record.sha256 == digest)
        // Backdate the record: a re-probe would rewrite it.
        let file = try #require(FileManager.default.contentsOfDirectory(atPath: project.probes).first)
        let path = project.probes + "/" + file
        let backdated = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: record.probedAt, with: "2026-01-02T03:04:05.000Z")
        try backdated.write(toFile: path, atomically: true, encoding: .utf8)

        let second = try project.etlHost("sync", "csv", "sqlite", "-s", sample, "-d", "path=\(project.root)/w.db", "--quiet")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr == "etl-host: warn: \(notice)\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == backdated)
        #expect(try project.listed("csv") == ["ok (probed 2026-01-02)", "project, shadows bundled"])

        let list = try project.etlHost("plugins", "list", "--json")
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        let row = try #require(rows.first { $0["name"] as? String == "csv" })
        #expect(row["status"] as? String == "ok")
        #expect(row["status_text"] as? String == "ok (probed 2026-01-02)")
        #expect((row["probe"] as? [String: Any])?["probed_at"] as? String == "2026-01-02T03:04:05.000Z")
        #expect((row["shadows"] as? [[String: String]]) == [["scope": "bundled", "registry": bundled,
                                                            "library": TestSupport.productsDirectory + "/libetl_csv.so"]])
    }

    @Test func pluginsInfoIsAProbeToo() throws {
        let project = try Project("trust-info")
        let good = try project.sandbox.compile([Self.variant], name: "libgood.so")
        let crash = try project.sandbox.compile([Self.variant], defines: ["VARIANT_CRASH_IN_INIT"], name: "libcrash.so")
        try project.writeRegistry([("good", good, try SHA256.hexDigest(ofFileAt: good)),
                                   ("crashy", crash, try SHA256.hexDigest(ofFileAt: crash))])
        let info = try project.etlHost("plugins", "info", "good")
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.hasPrefix("variant 1.0.0: "), "\(info.stdout)")
        let record = try #require(try project.probeRecords().first)
        #expect(try project.listed("good")?.first == "ok (probed \(record.probedOn))")

        let refused = try project.etlHost("plugins", "info", "crashy")
        #expect(refused.status == 2)
        #expect(refused.stderr == "etl-host: error: plugin 'crashy': its library '\(crash)' crashed while initializing in a probe child "
            + "process (signal 11, SIGSEGV, a segmentation fault); refused: it was not loaded into etl-host (registry \(project.root)/registry.json)\n")
        #expect(try project.listed("crashy")?.first == "probe failed: SIGSEGV")
    }

    @Test func anInstalledPluginWasProbedAtInstallAndIsNotProbedAgain() throws {
        let project = try Project("trust-install")
        let library = try project.sandbox.compile([Self.variant], name: "libgood.so")
        let install = try project.etlHost("plugins", "install", library, "--name", "good")
        #expect(install.status == 0, "\(install.stderr)")
        let record = try #require(try project.probeRecords().first)
        #expect(record.outcome == .ok)
        #expect(record.library.hasPrefix(project.root + "/data/etl-host/plugins/good-"))
        #expect(try project.listed("good") == ["ok (probed \(record.probedOn))", "user"])
    }

    @Test func staleIncomingCopiesOfKilledInstallsAreRemovedByListAndInstallButNotThoseOfALiveOne() throws {
        let project = try Project("trust-incoming")
        let folder = project.root + "/data/etl-host/plugins"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let gone = try TestSupport.run("/bin/sh", ["-c", "echo $$"])
        let deadPID = try #require(Int32(gone.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let live = ".incoming-\(getpid())-7.so"  // this test process: an install still running
        for name in [".incoming-\(deadPID)-1.so", ".incoming-\(deadPID)-2.so.tmp-\(deadPID)-3", live, "kept.so"] {
            _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data("x".utf8))
        }
        #expect(try project.etlHost("plugins", "list").status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [live, "kept.so"])

        _ = FileManager.default.createFile(atPath: folder + "/.incoming-\(deadPID)-4.so", contents: Data("x".utf8))
        let library = try project.sandbox.compile([Self.variant], name: "libgood.so")
        #expect(try project.etlHost("plugins", "install", library).status == 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(left.filter { $0.hasPrefix(".incoming-") } == [live], "\(left)")
    }

    @Test func aBatchWhoseLengthRunsPastItsOffsetsBufferIsRefusedNotACrash() throws {
        let project = try Project("trust-offsets")
        let library = try project.sandbox.compile(["Tests/Fixtures/BrokenPlugins/length_past_offsets.c"], name: "liblengthy.so")
        try project.writeRegistry([("lengthy", library, try SHA256.hexDigest(ofFileAt: library))])
        let result = try project.etlHost("sync", "lengthy", "sqlite", "-s", "rows=5", "--streams", "numbers",
                                         "-d", "path=\(project.root)/w.db", "--quiet")
        #expect(!result.signaled)
        // A batch that breaks the Arrow rules is the plugin's bug: exit 2 (plugin refused), not bad data.
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr == "etl-host: error: plugin 'conformant': stream 'numbers': the stream returned an invalid batch: "
            + "column 2 (\"label\", utf8): the offsets buffer (buffers[1]) needs 16 bytes for offset 0 + length 3 + 1, "
            + "but only 12 are readable (the length runs past the end of the buffer) [ETL_ERR_INTERNAL]\n")
    }
}
