import ETLTestSupport
import Foundation
import Testing

/// The slow tier (suites named `SlowTier...`): tests that take minutes on
/// their own. `scripts/test --all` and CI run them; `scripts/test` (the
/// default tier) leaves them out with `swift test --skip SlowTier`.
@Suite struct SlowTierSwiftPackageTests {
    /// The whole path of a Swift plugin: a separate package built with
    /// `swift build` against this checkout (minutes: the kit is compiled
    /// again), installed, synced and tested.
    @Test(.timeLimit(.minutes(20))) func aSwiftExtractorBuildsAsItsOwnPackage() throws {
        let sandbox = try HostSandbox("new-swift-build")
        let created = try sandbox.etlHost("plugins", "new", "swift-numbers", "--kind", "extractor", "--lang", "swift")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("  swift build -c release\n  etl-host plugins test ./.build/release/libetl_swift_numbers.so\n"))
        let project = sandbox.root + "/swift-numbers"
        let scratch = sandbox.root + "/build"
        // The test's own environment (HOME), so that SwiftPM finds its cache.
        let build = try TestSupport.run("/usr/bin/env", ["swift", "build", "--package-path", project, "--scratch-path", scratch])
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        let library = scratch + "/debug/libetl_swift_numbers.so"
        try sandbox.install(library)
        let sync = try sandbox.etlHost("sync", "swift-numbers", "sqlite", "-s", "count=1500", "-d", "path=s.db", "--quiet")
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(try SQLiteInspector(path: sandbox.root + "/s.db").rows("SELECT count(*), sum(n), sum(even), max(n) FROM numbers")
            == [["1500", "1125750", "750", "1500"]])
        try sandbox.expectConformance(library)
    }
}
