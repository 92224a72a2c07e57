import ETLTestSupport
import Foundation
import Testing

/// The host's own settings (`ETL_SNAPSHOT_DIR`, `ETL_STATE_DIR`,
/// `ETL_REGISTRY_PATH`, ...) from the project's `.env`, as the
/// `ETL_SOURCE__<KEY>` variables are read: relative folders mean the
/// `.env`'s neighbours, and the real environment always wins.
@Suite struct DotEnvHostSettingsTests {
    /// The sandbox's environment without any of the host settings, so the `.env` decides.
    static func environment(_ sandbox: HostSandbox, _ extra: [String: String] = [:]) -> [String: String] {
        sandbox.environment.filter { !$0.key.hasPrefix("ETL_") }.merging(extra) { $1 }
    }

    static func etlHost(_ sandbox: HostSandbox, _ arguments: [String], _ extra: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.hostExecutable, arguments, environment: environment(sandbox, extra), currentDirectory: sandbox.root)
    }

    @Test func snapshotAndStateFoldersComeFromDotEnvUnlessTheEnvironmentSetsThem() throws {
        let sandbox = try HostSandbox("dotenv-host")
        let root = URL(fileURLWithPath: sandbox.root).resolvingSymlinksInPath().path
        try Data("id\n1\n2\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/a.csv"))
        try Data("# host settings\nETL_STATE_DIR=st\nexport ETL_SNAPSHOT_DIR=\"nas\"\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/.env"))

        // The folder named in .env is used (and, as from the environment, must exist).
        let unmounted = try Self.etlHost(sandbox, ["sync", "csv", "sqlite", "-s", "path=a.csv", "--quiet"])
        #expect(unmounted.status == 64)
        #expect(unmounted.stderr == "etl-host: error: ETL_SNAPSHOT_DIR: the folder '\(root)/nas' does not exist (is it mounted?); "
            + "create it first, snapshots never go to a folder made in its place\n")

        try FileManager.default.createDirectory(atPath: sandbox.root + "/nas", withIntermediateDirectories: false)
        let sync = try Self.etlHost(sandbox, ["sync", "csv", "sqlite", "-s", "path=a.csv", "--quiet"])
        #expect(sync.status == 0, "\(sync.stderr)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/st/runs").filter { !$0.hasPrefix(".") }
        #expect(runs.count == 1)
        let record = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: "\(sandbox.root)/st/runs/\(runs[0])/run.json"))) as? [String: Any])
        let folder = try #require(record["snapshot_folder"] as? String)
        #expect(folder.hasPrefix(root + "/nas/"), "\(folder)")
        #expect(FileManager.default.fileExists(atPath: folder))

        // The environment wins over the file, even when it sets an empty value.
        try FileManager.default.createDirectory(atPath: sandbox.root + "/state", withIntermediateDirectories: false)
        let overridden = try Self.etlHost(sandbox, ["sync", "csv", "sqlite", "-s", "path=a.csv", "--quiet", "--no-snapshot"],
                                          ["ETL_STATE_DIR": sandbox.root + "/state", "ETL_SNAPSHOT_DIR": ""])
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/state/runs").filter { !$0.hasPrefix(".") }.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/st/runs").filter { !$0.hasPrefix(".") }.count == 1)
    }

    @Test func theRegistryPathFromDotEnvIsSearchedFromAnyCommand() throws {
        let sandbox = try HostSandbox("dotenv-registry")
        let root = URL(fileURLWithPath: sandbox.root).resolvingSymlinksInPath().path
        try Data("ETL_REGISTRY_PATH=team/registry.json\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/.env"))
        let version = try Self.etlHost(sandbox, ["--version"])
        #expect(version.status == 0, "\(version.stderr)")
        #expect(version.stdout.contains("\(root)/team/registry.json"), "\(version.stdout)")

        let overridden = try Self.etlHost(sandbox, ["--version"], ["ETL_REGISTRY_PATH": sandbox.root + "/other.json"])
        #expect(overridden.stdout.contains("\(sandbox.root)/other.json"), "\(overridden.stdout)")
        #expect(!overridden.stdout.contains("team/registry.json"), "\(overridden.stdout)")
    }
}
