import ETLTestSupport
import Foundation
import Testing

/// The example plugins under Plugins/Examples, each built with its own
/// tools (make and cc, rustc, swift build), installed with the real
/// `etl-host plugins install`, synced end to end and checked with
/// `etl-host plugins test`.
@Suite struct ExamplePluginsTests {
    static let examples = TestSupport.repositoryRoot + "/Plugins/Examples"

    // MARK: - C: dirlist (extractor)

    @Test func dirlistListsADirectoryIntoSQLite() throws {
        let sandbox = try HostSandbox("ex-dirlist")
        let library = try PluginBuild.make(Self.examples + "/C/dirlist", output: sandbox.root, library: "libetl_dirlist.so")
        try sandbox.install(library)
        let folder = sandbox.root + "/listed"
        try sandbox.write("hello", to: "listed/a.txt")
        try sandbox.write("", to: "listed/sub/keep")
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: "a.txt")
        let noon = Date(timeIntervalSince1970: 1_704_164_645) // 2024-01-02T03:04:05Z
        try FileManager.default.setAttributes([.modificationDate: noon], ofItemAtPath: folder + "/a.txt")

        let sync = try sandbox.etlHost("sync", "dirlist", "sqlite", "-s", "path=listed", "-d", "path=w.db", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/w.db")
        #expect(try db.rows("SELECT name, size, is_dir, size_kib, link_target FROM files WHERE name <> 'sub' ORDER BY name") == [
            ["a.txt", "5", "0", "0.0048828125", nil],
            ["link", "5", "0", "0.0048828125", "a.txt"], // lstat: the link itself, 5 bytes of target
        ])
        #expect(try db.scalar("SELECT modified_at FROM files WHERE name = 'a.txt'") == "2024-01-02T03:04:05.000000Z")
        #expect(try db.rows("SELECT is_dir, link_target FROM files WHERE name = 'sub'") == [["1", nil]])
        try sandbox.expectConformance("dirlist", config: ["path=listed"])
    }

    /// The C examples read their config with etl_config.h: a refusal names
    /// the key, and the plugin's name appears once (the host adds it).
    @Test func cExamplesRefuseABadConfigNamingTheKeyOnce() throws {
        let sandbox = try HostSandbox("ex-c-config")
        try sandbox.install(try PluginBuild.make(Self.examples + "/C/dirlist", output: sandbox.root, library: "libetl_dirlist.so"))
        try sandbox.install(try PluginBuild.make(Self.examples + "/C/csvdir", output: sandbox.root, library: "libetl_csvdir.so"))
        try sandbox.write("a\n1\n", to: "t.csv")
        let noDir = try sandbox.etlHost("sync", "csv", "csvdir", "-s", "path=t.csv", "-d", "dir=", "--quiet")
        #expect(noDir.status == 64)
        #expect(noDir.stderr == "etl-host: error: plugin 'csvdir': open failed: config key 'dir': must not be empty [ETL_ERR_INVALID_ARGUMENT (2)]\n")
        let empty = try sandbox.etlHost("sync", "dirlist", "sqlite", "-s", "path=", "-d", "path=w.db", "--quiet")
        #expect(empty.status == 64)
        #expect(empty.stderr == "etl-host: error: plugin 'dirlist': open failed: config key 'path': must not be empty [ETL_ERR_INVALID_ARGUMENT (2)]\n")
        let missing = try sandbox.etlHost("sync", "dirlist", "sqlite", "-s", "path=nope", "-d", "path=w.db", "--quiet")
        #expect(missing.status == 1)
        #expect(missing.stderr == "etl-host: error: plugin 'dirlist': open failed: cannot read directory 'nope': No such file or directory [ETL_ERR_NOT_FOUND (3)]\n")
    }

    // MARK: - C: csvdir (warehouse)

    static let people = #"""
        id,name,price,day,at,flag,note
        1,"apple, red",1.5,2024-01-05,2024-01-05T10:00:00Z,true,"say ""hi"""
        2,pear,2,2024-02-29,2024-02-29 23:59:59.5,false,
        3,"",,1969-12-31,1969-12-31T23:59:59.999999Z,,x

        """#

    @Test func csvdirWritesExactCSVAndReplacesAtomically() throws {
        let sandbox = try HostSandbox("ex-csvdir")
        let library = try PluginBuild.make(Self.examples + "/C/csvdir", output: sandbox.root, library: "libetl_csvdir.so")
        try sandbox.install(library)
        try sandbox.write(Self.people, to: "items.csv")

        let first = try sandbox.etlHost("sync", "csv", "csvdir", "-s", "path=items.csv", "-d", "dir=out", "--quiet")
        #expect(first.status == 0, "\(first.stderr)")
        let expected = #"""
            id,name,price,day,at,flag,note
            1,"apple, red",1.5,2024-01-05,2024-01-05T10:00:00.000000Z,true,"say ""hi"""
            2,pear,2.0,2024-02-29,2024-02-29T23:59:59.500000Z,false,
            3,"",,1969-12-31,1969-12-31T23:59:59.999999Z,,x

            """#
        #expect(sandbox.text("out/items.csv") == expected)
        // Only the table and the state file are left (and the lock file): no temporary file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/out").sorted()
            == [".csvdir.lock", "_etl_state.json", "items.csv"])
        let state = try JSONSerialization.jsonObject(with: Data((sandbox.text("out/_etl_state.json") ?? "").utf8)) as? [String: Any]
        #expect((state?["state"] as? [String: Any])?.isEmpty == true)
        let schema = (state?["schemas"] as? [String: Any])?["items"] as? [String: Any]
        #expect((schema?["columns"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            == ["id", "name", "price", "day", "at", "flag", "note"])

        // A second replace with other columns swaps the whole file.
        try sandbox.write("id,name\n7,fig\n", to: "items.csv")
        let second = try sandbox.etlHost("sync", "csv", "csvdir", "-s", "path=items.csv", "-d", "dir=out", "--quiet")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(sandbox.text("out/items.csv") == "id,name\n7,fig\n")
    }

    @Test func csvdirAppendsWithNewColumnsAndRefusesOtherChanges() throws {
        let sandbox = try HostSandbox("ex-csvdir-append")
        let library = try PluginBuild.make(Self.examples + "/C/csvdir", output: sandbox.root, library: "libetl_csvdir.so")
        try sandbox.install(library)
        try sandbox.write("id,name\n1,\"a\nb\"\n2,c\n", to: "t.csv")
        #expect(try sandbox.etlHost("sync", "csv", "csvdir", "-s", "path=t.csv", "-d", "dir=out", "--mode", "append", "--quiet").status == 0)
        #expect(sandbox.text("out/t.csv") == "id,name\n1,\"a\nb\"\n2,c\n")

        // A new field: old lines get an empty (NULL) field for it.
        try sandbox.write("id,name,extra\n3,d,x\n", to: "t.csv")
        let append = try sandbox.etlHost("sync", "csv", "csvdir", "-s", "path=t.csv", "-d", "dir=out", "--mode", "append", "--quiet")
        #expect(append.status == 0, "\(append.stderr)")
        #expect(sandbox.text("out/t.csv") == "id,name,extra\n1,\"a\nb\",\n2,c,\n3,d,x\n")

        // A file whose columns are not a prefix of the new ones is refused and left as it was.
        try sandbox.write("a,b\n1,2\n", to: "out/other.csv")
        try sandbox.write("a,c\n5,6\n", to: "other.csv")
        let refused = try sandbox.etlHost("sync", "csv", "csvdir", "-s", "path=other.csv", "-d", "dir=out", "--mode", "append", "--quiet")
        #expect(refused.status == 1)
        // The plugin's message does not name the plugin: the host does, once.
        #expect(refused.stderr == "etl-host: error: plugin 'csvdir': commit of table 'other' failed: cannot append to 'out/other.csv': "
            + "its columns (a,b) are not the first of the new ones (a,c); use --mode replace to rewrite it [ETL_ERR_INVALID_ARGUMENT (2)]\n")
        #expect(sandbox.text("out/other.csv") == "a,b\n1,2\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/out").filter { $0.hasSuffix(".tmp") }.isEmpty)

        let upsert = try sandbox.etlHost("sync", "csv", "csvdir", "-s", "path=t.csv", "-d", "dir=out", "--mode", "upsert", "--primary-key", "id")
        #expect(upsert.status == 64)
        #expect(upsert.stderr.contains("does not support --mode upsert (it supports: replace, append)"))
        try sandbox.expectConformance("csvdir", config: ["dir=" + sandbox.root + "/conformance"])
    }

    // MARK: - Rust: passwd (extractor)

    static let passwd = """
        root:x:0:0:root:/root:/bin/bash
        # a comment, then an empty line

        ada:x:1000:1000:Ada Lovelace,,,:/home/ada:/bin/zsh
        +nis-entry
        nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin

        """

    @Test func passwdBuiltWithRustcReadsUsersAndGroups() throws {
        let rustc = try #require(PluginBuild.rustc, "rustc is needed to build Plugins/Examples/Rust/passwd")
        let sandbox = try HostSandbox("ex-passwd")
        let library = try PluginBuild.make(Self.examples + "/Rust/passwd", output: sandbox.root, library: "libetl_passwd.so",
                                           variables: ["RUSTC=\(rustc)"])
        try sandbox.install(library)
        try sandbox.write(Self.passwd, to: "passwd")
        try sandbox.write("root:x:0:\nstaff:x:50:ada,root\n", to: "group")

        let sync = try sandbox.etlHost("sync", "passwd", "sqlite", "-s", "passwd_file=passwd", "-s", "group_file=group",
                                       "-d", "path=w.db", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/w.db")
        #expect(try db.rows("SELECT name, uid, gid, full_name, gecos, home, shell FROM users ORDER BY uid") == [
            ["root", "0", "0", "root", "root", "/root", "/bin/bash"],
            ["ada", "1000", "1000", "Ada Lovelace", "Ada Lovelace,,,", "/home/ada", "/bin/zsh"],
            ["nobody", "65534", "65534", nil, "", "/nonexistent", "/usr/sbin/nologin"],
        ])
        #expect(try db.rows("SELECT name, gid, members FROM groups ORDER BY gid") == [
            ["root", "0", "[]"], ["staff", "50", #"["ada","root"]"#],
        ])
        #expect(try db.columns("users") == ["name TEXT", "uid INTEGER", "gid INTEGER", "full_name TEXT", "gecos TEXT", "home TEXT", "shell TEXT"])

        // A malformed line fails the stream (bad data, exit 65) unless --max-bad-rows takes it.
        try sandbox.write("root:x:0:0:root:/root:/bin/bash\nbad:x:NaN:0::/:/bin/sh\n", to: "bad/passwd")
        let bad = try sandbox.etlHost("sync", "passwd", "sqlite", "-s", "passwd_file=bad/passwd", "-s", "group_file=group",
                                      "-d", "path=w.db", "--streams", "users", "--quiet")
        #expect(bad.status == 65)
        #expect(bad.stderr == "etl-host: error: plugin 'passwd': stream 'users': bad/passwd line 2: the uid is not a number from 0 to 4294967295 [ETL_ERR_DATA]\n")
        let taken = try sandbox.etlHost("sync", "passwd", "sqlite", "-s", "passwd_file=bad/passwd", "-s", "group_file=group",
                                        "-d", "path=w.db", "--streams", "users", "--max-bad-rows", "1", "--quiet")
        #expect(taken.status == 0, "\(taken.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/w.db").rows("SELECT location, reason FROM _etl_rejects")
            == [["bad/passwd line 2", "the uid is not a number from 0 to 4294967295"]])

        try sandbox.expectConformance("passwd", config: ["passwd_file=" + sandbox.root + "/passwd",
                                                         "group_file=" + sandbox.root + "/group"])
    }

    // MARK: - Swift: procstats (extractor, ETLPluginKit)

    @Test func procstatsReadsAProcTree() throws {
        let sandbox = try HostSandbox("ex-procstats")
        try sandbox.install(TestSupport.productsDirectory + "/libetl_example_procstats.so")
        try sandbox.write("0.52 0.58 0.59 2/1047 12345\n", to: "proc/loadavg")
        try sandbox.write("3600.25 7000.00\n", to: "proc/uptime")
        try sandbox.write("MemTotal:       16314372 kB\nMemFree:            1000 kB\nHugePages_Total:       0\n", to: "proc/meminfo")
        try sandbox.write("cpu  1 2 3 4\nbtime 1700000000\nprocesses 5\n", to: "proc/stat")
        try sandbox.write("1 (init) S 0 1 1 0 -1 4194560 100 200 0 0 250 150 0 0 20 0 1 0 500 16777216 1000 18446744073709551615\n",
                          to: "proc/1/stat")
        try sandbox.write("42 (my (odd) name) R 1 42 42 0 -1 0 0 0 0 0 7 3 0 0 20 0 4 0 12345 8192 10 0\n", to: "proc/42/stat")
        try sandbox.write("not a process\n", to: "proc/sys/stat")

        let before = Date()
        let sync = try sandbox.etlHost("sync", "procstats", "sqlite", "-s", "proc_dir=proc", "-d", "path=w.db", "--quiet")
        let after = Date()
        #expect(sync.status == 0, "\(sync.stderr)")
        let db = try SQLiteInspector(path: sandbox.root + "/w.db")
        #expect(try db.rows("SELECT load_1m, load_5m, load_15m, runnable, scheduled, last_pid, uptime_seconds FROM loadavg")
            == [["0.52", "0.58", "0.59", "2", "1047", "12345", "3600.25"]])
        #expect(try db.rows("SELECT name, value, unit FROM meminfo ORDER BY rowid") == [
            ["MemTotal", "16705916928", "bytes"], ["MemFree", "1024000", "bytes"], ["HugePages_Total", "0", nil],
        ])
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start1 = Self.timestamp(1_700_000_000 + 500 / ticks)
        let start42 = Self.timestamp(1_700_000_000 + 12_345 / ticks)
        #expect(try db.rows("""
            SELECT pid, ppid, name, state, threads, user_seconds, system_seconds, rss_bytes, virtual_bytes, started_at
            FROM processes ORDER BY pid
            """) == [
            ["1", "0", "init", "S", "1", "\(250 / ticks)", "\(150 / ticks)", "\(1000 * page)", "16777216", start1],
            ["42", "1", "my (odd) name", "R", "4", "\(7 / ticks)", "\(3 / ticks)", "\(10 * page)", "8192", start42],
        ])
        // read_at: the time of the read, the same within a stream.
        for table in ["loadavg", "meminfo", "processes"] {
            let times = try db.rows("SELECT DISTINCT read_at FROM \(table)").compactMap { $0[0] }
            #expect(times.count == 1, "\(table)")
            let text = times.first ?? ""
            #expect(text >= Self.timestamp(before.timeIntervalSince1970.rounded(.down)) && text <= Self.timestamp(after.timeIntervalSince1970.rounded(.up)), "\(table): \(text)")
        }

        let missing = try sandbox.etlHost("sync", "procstats", "sqlite", "-s", "proc_dir=nowhere", "-d", "path=w.db", "--quiet")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nowhere/loadavg"), "\(missing.stderr)")
        try sandbox.expectConformance("procstats")
    }

    /// `seconds` since the epoch as the SQLite warehouse writes timestamps.
    static func timestamp(_ seconds: Double) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let micros = Int(((seconds - seconds.rounded(.down)) * 1_000_000).rounded())
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, micros)
    }
}
