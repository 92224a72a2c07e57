import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `scripts/install` and `scripts/uninstall`: a prefix install of the built
/// etl-host (`--from` the test's build folder), then the installed binary
/// driven from another folder in a clean environment (`env -i`).
@Suite struct InstallTests {
    /// A prefix with an etl-host installed into it.
    struct InstalledPrefix {
        let root: String
        /// `<root>/prefix`, or `~/.local` of the test's HOME (the default prefix).
        let prefix: String
        var binary: String { prefix + "/bin/etl-host" }
        /// A folder outside the prefix and the checkout: runs start here.
        var work: String { root + "/work" }
        var home: String { root + "/home" }
        /// What `env -i` leaves: PATH (the prefix's bin first), HOME, nothing else.
        var environment: [String: String] { ["PATH": "\(prefix)/bin:/usr/bin:/bin", "HOME": home] }

        /// Installs into a new prefix that already holds files of other
        /// programs (`bin/other-tool`, `share/man/man1/other.1`).
        init(_ label: String, inHome: Bool = false) throws {
            root = try TestSupport.temporaryDirectory("install-\(label)")
            prefix = inHome ? root + "/home/.local" : root + "/prefix"
            for folder in [prefix + "/bin", prefix + "/share/man/man1", root + "/work", root + "/home"] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            _ = FileManager.default.createFile(atPath: prefix + "/bin/other-tool", contents: Data("#!/bin/sh\n".utf8))
            _ = FileManager.default.createFile(atPath: prefix + "/share/man/man1/other.1", contents: Data(".TH OTHER 1\n".utf8))
        }

        /// Runs scripts/install (or uninstall) on this prefix.
        func script(_ name: String, _ extra: [String] = []) throws -> TestSupport.ProcessResult {
            try TestSupport.run("/bin/bash", [TestSupport.repositoryRoot + "/scripts/" + name, "--prefix", prefix] + extra,
                                environment: environment, currentDirectory: work)
        }

        func install() throws {
            let result = try script("install", ["--from", TestSupport.productsDirectory])
            guard result.status == 0 else { throw TestFailure("scripts/install failed (\(result.status)): \(result.stderr)") }
        }

        /// Runs `executable` in the work folder with the clean environment.
        func run(_ executable: String, _ arguments: String..., environment extra: [String: String] = [:]) throws -> TestSupport.ProcessResult {
            try TestSupport.run(executable, arguments, environment: environment.merging(extra) { $1 }, currentDirectory: work)
        }

        /// Every path under the prefix (folders end with `/`), sorted.
        func listing() throws -> [String] {
            let enumerator = try #require(FileManager.default.enumerator(atPath: prefix))
            var paths: [String] = []
            while let path = enumerator.nextObject() as? String {
                var isFolder: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: prefix + "/" + path, isDirectory: &isFolder)
                paths.append(isFolder.boolValue ? path + "/" : path)
            }
            return paths.sorted()
        }
    }

    /// `plugins list` of a fresh install or build tree: the bundled plugins (PluginsCommandTests uses it too).
    static let bundledList = """
        NAME      KIND       VERSION  ABI  LANGUAGE  STATUS  FROM
        airtable  extractor  0.1.0    1.4  swift     ok      bundled
        csv       extractor  0.1.0    1.4  swift     ok      bundled
        jsonl     extractor  0.1.0    1.4  swift     ok      bundled
        postgres  extractor  0.1.0    1.4  swift     ok      bundled
        postgres  warehouse  0.1.0    1.4  swift     ok      bundled
        rest      extractor  0.1.0    1.4  swift     ok      bundled
        sqlite    warehouse  0.1.0    1.4  swift     ok      bundled

        """

    @Test func aPrefixInstallWorksFromAnotherFolderAndUninstallLeavesThePrefixAsBefore() throws {
        let installed = try InstalledPrefix("cycle")
        let before = try installed.listing()
        try installed.install()

        let plugins = ["airtable", "csv", "jsonl", "postgres", "postgres_source", "rest", "sqlite"].map { "lib/etl-host/plugins/libetl_\($0).so" }
        // The C and Rust templates of `plugins new`, folder names lowercased.
        let templateFolder = TestSupport.repositoryRoot + "/Sources/ETLScaffold/Templates"
        let templates = try FileManager.default.subpathsOfDirectory(atPath: templateFolder).map { path -> String in
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: templateFolder + "/" + path, isDirectory: &isFolder)
            let language = path.prefix { $0 != "/" }
            return "share/etl-host/templates/" + language.lowercased() + path.dropFirst(language.count) + (isFolder.boolValue ? "/" : "")
        }
        let templateFiles = templates.filter { !$0.hasSuffix("/") }
        #expect(templateFiles.count == 14)
        let added = Set(try installed.listing()).subtracting(before).sorted()
        #expect(added == ([
            "bin/etl-host", "include/", "include/etl-host/", "lib/", "lib/etl-host/", "lib/etl-host/plugins/",
            "share/bash-completion/", "share/bash-completion/completions/", "share/bash-completion/completions/etl-host",
            "share/etl-host/", "share/etl-host/bundled/", "share/etl-host/bundled/registry.json", "share/etl-host/install-manifest.txt",
            "share/etl-host/templates/", "share/fish/", "share/fish/vendor_completions.d/", "share/fish/vendor_completions.d/etl-host.fish",
            "share/man/man1/etl-host.1", "share/zsh/", "share/zsh/site-functions/", "share/zsh/site-functions/_etl-host",
        ] + ["etl_batch.h", "etl_config.h", "etl_plugin.h", "etl_reader.h"].map { "include/etl-host/\($0)" } + plugins + templates).sorted())

        // The bundled plugins, found through the prefix layout.
        let list = try installed.run(installed.binary, "plugins", "list")
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout == Self.bundledList)

        // The main job from a folder that is neither the prefix nor the checkout.
        try FileManager.default.copyItem(atPath: TestSupport.repositoryRoot + "/samples/orders.csv", toPath: installed.work + "/orders.csv")
        let sync = try installed.run("/usr/bin/env", "etl-host", "sync", "csv", "sqlite", "-s", "path=orders.csv")
        #expect(sync.status == 0, "\(sync.stderr)")
        let warehouse = try SQLiteInspector(path: installed.work + "/warehouse.db")
        #expect(try warehouse.scalar("SELECT count(*) FROM orders") == "4")
        #expect(try warehouse.scalar("SELECT customer_name FROM orders WHERE order_id = 1001") == "Ada Lovelace")

        // `--version` names the bundled plugins folder and every registry, in lookup order.
        let version = try installed.run(installed.binary, "--version")
        #expect(version.status == 0)
        let prefix = installed.prefix, work = installed.work, home = installed.home
        let width = "\(prefix)/share/etl-host/bundled/registry.json".count
        func row(_ number: Int, _ scope: String, _ path: String, _ found: String) -> String {
            "  \(number). \(scope.padding(toLength: 7, withPad: " ", startingAt: 0))  \(path.padding(toLength: width, withPad: " ", startingAt: 0))  \(found)"
        }
        #expect(version.stdout == """
            etl-host 0.1.0 (plugin ABI 1.4, swift-6.3.1)
            executable: \(prefix)/bin/etl-host
            bundled plugins: \(prefix)/lib/etl-host/plugins
            registries, in lookup order (for each plugin the first that lists it wins):
            \(row(1, "project", "\(work)/registry.json", "not found"))
            \(row(2, "bundled", "\(prefix)/share/etl-host/bundled/registry.json", "found"))
            \(row(3, "user", "\(home)/.local/share/etl-host/registry.json", "not found"))
            \(row(4, "system", "/etc/etl-host/registry.json", "not found"))
            plugins install writes to: \(home)/.local/share/etl-host/registry.json

            """)

        // The man page renders (man-db, no warnings) and documents the commands.
        let man = try installed.run("/usr/bin/man", "-l", "\(prefix)/share/man/man1/etl-host.1", environment: ["MANWIDTH": "80", "MANPAGER": "cat", "LANG": "C.UTF-8"])
        #expect(man.status == 0)
        #expect(man.stderr == "")
        let page = man.stdout
        #expect(page.hasPrefix("ETL-HOST(1)"))
        for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "FILES"] { #expect(page.contains("\n\(heading)\n"), "no \(heading)") }
        for command in ["etl-host sync", "etl-host run", "etl-host plugins install", "etl-host query"] {
            #expect(page.contains("\n   \(command)\n"), "no section for \(command)")
        }
        #expect(page.contains("--primary-key col[,col]"))

        // The bash completion loads and completes a subcommand.
        let completion = try installed.run("/bin/bash", "-c", """
            source "$1"
            COMP_WORDS=(etl-host sy); COMP_CWORD=1; COMP_LINE="etl-host sy"; COMP_POINT=${#COMP_LINE}
            _etl-host etl-host sy etl-host
            printf '%s\\n' "${COMPREPLY[@]}"
            """, "completion", "\(prefix)/share/bash-completion/completions/etl-host")
        #expect(completion.status == 0, "\(completion.stderr)")
        #expect(completion.stdout == "sync\n")

        // A connector of your own: scaffolded from the installed headers and templates, built, installed, synced.
        let new = try installed.run(installed.binary, "plugins", "new", "myext", "--kind", "extractor", "--lang", "c")
        #expect(new.status == 0, "\(new.stderr)")
        let make = try installed.run("/usr/bin/make", "-C", work + "/myext")
        #expect(make.status == 0, "\(make.stderr)")
        let add = try installed.run(installed.binary, "plugins", "install", work + "/myext/libetl_myext.so")
        #expect(add.status == 0, "\(add.stderr)")
        let mine = try installed.run(installed.binary, "sync", "myext", "sqlite", "-s", "count=5", "-d", "path=myext.db")
        #expect(mine.status == 0, "\(mine.stderr)")
        #expect(try SQLiteInspector(path: work + "/myext.db").scalar("SELECT count(*) FROM numbers") == "5")

        // Uninstall removes exactly what install added.
        let uninstall = try installed.script("uninstall")
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        #expect(uninstall.stdout == "removed etl-host from \(prefix) (\(11 + plugins.count + templateFiles.count) files)\n")
        #expect(try installed.listing() == before)
    }

    @Test func inTheDefaultPrefixTheUserRegistryAndItsPluginsSurviveReinstallAndUninstall() throws {
        // Prefix ~/.local: share/etl-host/ holds both the install's bundled/ and the user registry.
        let installed = try InstalledPrefix("user-plugins", inHome: true)
        let before = try installed.listing()
        try installed.install()
        let library = installed.root + "/libetl_dirlist.so"
        try TestSupport.compileCPlugin([PluginsCommandTests.dirlist], output: library)
        let add = try installed.run(installed.binary, "plugins", "install", library)
        #expect(add.status == 0, "\(add.stderr)")
        let userRegistry = installed.prefix + "/share/etl-host/registry.json"
        let userFiles = Set(try installed.listing()).subtracting(before).filter { $0.hasPrefix("share/etl-host/plugins/") || $0 == "share/etl-host/registry.json" }
        #expect(userFiles.count == 3, "\(userFiles)")  // the registry, plugins/ and the pinned copy

        let again = try installed.script("install", ["--from", TestSupport.productsDirectory])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.hasPrefix("removing the previous install first\ninstalled etl-host into \(installed.prefix):\n"))
        let list = try installed.run(installed.binary, "plugins", "list")
        #expect(list.stdout.contains("\ndirlist   extractor  1.0.0    1.4  c         ok (probed "), "\(list.stdout)")

        let uninstall = try installed.script("uninstall")
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        // share/etl-host/ existed before the second install, so it is not the install's to remove.
        #expect(uninstall.stdout == "removed etl-host from \(installed.prefix) (32 files)\n")
        let left = Set(try installed.listing()).subtracting(before)
        #expect(left.filter { !$0.hasPrefix("state/") } == userFiles.union(["share/etl-host/", "share/etl-host/registry.json.lock"]), "\(left.sorted())")
        #expect(FileManager.default.fileExists(atPath: userRegistry))
    }

    @Test func aSymlinkedBinaryFindsItsPlugins() throws {
        let installed = try InstalledPrefix("symlink")
        try installed.install()
        let bin = installed.root + "/elsewhere/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/etl-host", withDestinationPath: installed.binary)

        let list = try installed.run(bin + "/etl-host", "plugins", "list")
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout == Self.bundledList)
        let version = try installed.run(bin + "/etl-host", "--version")
        #expect(version.stdout.split(separator: "\n").dropFirst().prefix(2) == [
            "executable: \(installed.prefix)/bin/etl-host", "bundled plugins: \(installed.prefix)/lib/etl-host/plugins",
        ])
        #expect(try installed.script("uninstall").status == 0)  // no 60 MB left in /tmp
    }

    @Test func aBinaryCopiedAwayFromItsPluginsSaysWhereItLookedAndHowToFixIt() throws {
        let installed = try InstalledPrefix("moved")
        let bin = installed.root + "/away/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.hostExecutable, toPath: bin + "/etl-host")

        let sync = try installed.run(bin + "/etl-host", "sync", "csv", "sqlite", "-s", "path=orders.csv")
        #expect(sync.status == 1)
        let away = installed.root + "/away"
        #expect(sync.stderr == "etl-host: error: no plugin named 'csv' in any registry (none exists yet); available: none "
            + "(install one with `etl-host plugins install PATH`); this etl-host (in \(away)/bin) has no bundled plugins: "
            + "it looked for \(away)/share/etl-host/bundled/registry.json (an installed etl-host) and for a registry.json "
            + "beside a Package.swift in \(away)/bin and the 4 folders above it (a build tree); install etl-host with its "
            + "plugins (scripts/install --prefix DIR), link to the installed binary instead of copying it "
            + "(ln -s PREFIX/bin/etl-host ~/bin/), or pass --registry FILE\n")

        let version = try installed.run(bin + "/etl-host", "--version")
        #expect(version.stdout.split(separator: "\n")[2].hasPrefix("bundled plugins: none; this etl-host (in \(away)/bin) has no bundled plugins"))
        try FileManager.default.removeItem(atPath: bin + "/etl-host")
    }

    @Test func installRefusesABuildFolderWithoutTheBinaryOrAPluginAndLeavesThePrefixAlone() throws {
        let installed = try InstalledPrefix("bad-from")
        let before = try installed.listing()
        let build = installed.root + "/build"
        try FileManager.default.createDirectory(atPath: build, withIntermediateDirectories: true)

        let empty = try installed.script("install", ["--from", build])
        #expect(empty.status == 66)
        #expect(empty.stderr == "scripts/install: no etl-host binary in \(build) (build it with swift build -c release, or pass the folder that holds it)\n")

        try FileManager.default.createSymbolicLink(atPath: build + "/etl-host", withDestinationPath: TestSupport.hostExecutable)
        let noPlugins = try installed.script("install", ["--from", build])
        #expect(noPlugins.status == 66)
        #expect(noPlugins.stderr == "scripts/install: \(build) has no libetl_airtable.so (the bundled registry names it); build all products with swift build -c release\n")

        let unknown = try installed.script("install", ["--form", build])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "scripts/install: unknown argument '--form' (see scripts/install --help)\n")
        #expect(try installed.listing() == before)
    }

    @Test func uninstallRefusesAManifestThatPointsOutsideThePrefix() throws {
        let installed = try InstalledPrefix("manifest")
        try installed.install()
        let manifest = installed.prefix + "/share/etl-host/install-manifest.txt"
        let original = try String(contentsOfFile: manifest, encoding: .utf8)
        try (original + "file ../outside\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).count

        let uninstall = try installed.script("uninstall")
        #expect(uninstall.status == 65)
        #expect(uninstall.stderr == "scripts/uninstall: \(manifest):\(lines): '../outside' is not a path inside the prefix; nothing removed\n")
        #expect(FileManager.default.fileExists(atPath: installed.binary))
        try original.write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try installed.script("uninstall").status == 0)
    }
}
