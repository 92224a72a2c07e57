import ETLHost
import ETLTestSupport
import Foundation
import Testing

@Suite struct RegistrySearchPathTests {
    @Test func searchOrderFollowsTheDesign() throws {
        let root = try TestSupport.temporaryDirectory("search")
        // A fake source checkout: <root>/repo/registry.json + Package.swift, host in .build/debug.
        let repo = root + "/repo"
        let host = repo + "/.build/x86_64-unknown-linux-gnu/debug"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: repo + "/registry.json", contents: Data())
        _ = FileManager.default.createFile(atPath: repo + "/Package.swift", contents: Data())

        let path = RegistrySearchPath(
            explicit: root + "/explicit.json",
            environment: ["ETL_REGISTRY_PATH": root + "/env1.json:" + root + "/env2.json", "XDG_DATA_HOME": root + "/xdg", "HOME": root + "/home"],
            currentDirectory: root + "/work", hostDirectory: host
        )
        #expect(path.locations.map(\.scope) == [.explicit, .environment, .environment, .project, .bundled, .user, .system])
        #expect(path.locations.map(\.path) == [
            root + "/explicit.json", root + "/env1.json", root + "/env2.json", root + "/work/registry.json",
            repo + "/registry.json", root + "/xdg/etl-host/registry.json", "/etc/etl-host/registry.json",
        ])
        #expect(path.writableLocation.path == root + "/explicit.json")
    }

    @Test func writableLocationFallsBackToEnvironmentThenUser() {
        let withEnvironment = RegistrySearchPath(
            environment: ["ETL_REGISTRY_PATH": "/r/a.json:/r/b.json", "HOME": "/home/u"], currentDirectory: "/w", hostDirectory: "/nowhere"
        )
        #expect(withEnvironment.writableLocation == .init(scope: .environment, path: "/r/a.json"))
        let plain = RegistrySearchPath(environment: ["HOME": "/home/u"], currentDirectory: "/w", hostDirectory: "/nowhere")
        #expect(plain.writableLocation == .init(scope: .user, path: "/home/u/.local/share/etl-host/registry.json"))
    }

    @Test func theProjectAndBundledRegistryAreListedOnceWhenTheyAreTheSameFile() throws {
        let repo = try TestSupport.temporaryDirectory("search")
        _ = FileManager.default.createFile(atPath: repo + "/registry.json", contents: Data())
        _ = FileManager.default.createFile(atPath: repo + "/Package.swift", contents: Data())
        let path = RegistrySearchPath(environment: ["HOME": "/home/u"], currentDirectory: repo, hostDirectory: repo + "/.build/debug")
        #expect(path.locations.map(\.scope) == [.project, .user, .system])
    }
}
