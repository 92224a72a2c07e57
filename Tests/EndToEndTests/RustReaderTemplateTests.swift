import ETLTestSupport
import Foundation
import Testing

/// The Rust warehouse template's batch reader (`src/etl_reader.rs`),
/// unit-tested by a Rust program (Tests/Fixtures/RustHelpers/reader_test.rs)
/// that this suite builds with plain rustc (warnings are errors, overflow
/// checks on) and runs: every v1 type read back with nulls and slices, the
/// metadata flags, and each refusal's message. The program asserts the
/// values itself and prints how many checks passed.
@Suite struct RustReaderTemplateTests {
    @Test func readerReadsEveryV1TypeAndRefusesBrokenBatchesNamingTheColumn() throws {
        let rustc = try #require(PluginBuild.rustc, "rustc is needed to build the Rust template's reader test")
        let folder = try TestSupport.temporaryDirectory("rust-reader")
        let program = folder + "/reader_test"
        let compiled = try TestSupport.run("/usr/bin/env", [
            rustc, "--edition", "2021", "-D", "warnings", "-C", "debug-assertions", "-C", "overflow-checks",
            TestSupport.repositoryRoot + "/Tests/Fixtures/RustHelpers/reader_test.rs", "-o", program,
        ])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let run = try TestSupport.run(program, [])
        #expect(run.stdout == "39 checks passed\n")
        #expect(run.stderr == "")
        #expect(run.status == 0 && !run.signaled)
    }
}
