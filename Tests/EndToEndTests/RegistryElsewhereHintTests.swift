import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `plugins install --registry R` then a command without `--registry`: the
/// install notes that R is not searched by default, and the lookup that
/// misses the plugin names R and the flag that finds it.
@Suite struct RegistryElsewhereHintTests {
    @Test func aPluginInstalledIntoAnotherRegistryIsNamedWhenALookupMissesIt() throws {
        let sandbox = try HostSandbox("elsewhere")
        let library = try sandbox.compile([PluginsCommandTests.dirlist], name: "libetl_dirlist.so")
        let registry = sandbox.root + "/team/registry.json"

        let install = try sandbox.etlHost("plugins", "install", "--registry", registry, library)
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stderr == "etl-host: note: \(registry) is not searched by default: pass --registry \(registry) "
            + "to sync, run and the other commands (or set ETL_REGISTRY_PATH=\(registry)) to use 'dirlist'\n")

        let sync = try sandbox.etlHost("sync", "dirlist", "sqlite", "-s", "path=.")
        #expect(sync.status == 1)
        let bundled = TestSupport.repositoryRoot + "/registry.json"
        #expect(sync.stderr == "etl-host: error: no plugin named 'dirlist' in \(bundled); available: airtable, csv, jsonl, "
            + "postgres, rest, sqlite (install one with `etl-host plugins install PATH`); 'dirlist' was installed into "
            + "\(registry), which is not on this search path: pass --registry \(registry) (or set ETL_REGISTRY_PATH=\(registry))\n")

        // With the flag the hint gave, the plugin is found.
        let found = try sandbox.etlHost("plugins", "info", "dirlist", "--registry", registry)
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.hasPrefix("dirlist 1.0.0: "))
    }

    @Test func aRegistryOnTheSearchPathGetsNoNote() throws {
        let sandbox = try HostSandbox("elsewhere-project")
        let library = try sandbox.compile([PluginsCommandTests.dirlist], name: "libetl_dirlist.so")
        // ./registry.json is the project registry, searched by every command run here.
        let install = try sandbox.etlHost("plugins", "install", "--registry", "registry.json", library)
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stderr == "")
    }
}
