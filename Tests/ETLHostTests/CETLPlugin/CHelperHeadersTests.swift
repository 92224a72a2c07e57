import ETLTestSupport
import Foundation
import Testing

/// The header-only helpers for C authors, etl_config.h and etl_reader.h,
/// tested by C programs (Tests/Fixtures/CHelpers) that this suite compiles
/// with `cc` (C99, every warning an error, AddressSanitizer and
/// UndefinedBehaviorSanitizer on) and runs. Each program asserts exact
/// values and messages itself and prints how many checks passed.
@Suite struct CHelperHeadersTests {
    /// Compiles `source` (in Tests/Fixtures/CHelpers) and runs it.
    private func compileAndRun(_ source: String) throws -> TestSupport.ProcessResult {
        let folder = try TestSupport.temporaryDirectory("c-helpers")
        let program = folder + "/" + (source as NSString).deletingPathExtension
        let fixtures = TestSupport.repositoryRoot + "/Tests/Fixtures/CHelpers"
        let compiled = try TestSupport.run("/usr/bin/env", [
            "cc", "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Wconversion", "-Wshadow", "-Werror", "-g",
            "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
            "-I", TestSupport.includeDirectory, "-I", fixtures, fixtures + "/" + source, "-o", program,
        ])
        guard compiled.status == 0 else { throw TestFailure("cc failed (\(compiled.status)): \(compiled.stderr)") }
        return try TestSupport.run(program, [])
    }

    @Test func configReaderReadsEveryTypeAndNamesTheKeyInErrors() throws {
        let run = try compileAndRun("config_reader_test.c")
        #expect(run.stderr == "")
        #expect(run.stdout == "225 checks passed\n")
        #expect(run.status == 0 && !run.signaled)
    }

    @Test func batchReaderReadsEveryV1TypeWithNullsAndOffsets() throws {
        let run = try compileAndRun("batch_reader_test.c")
        #expect(run.stderr == "")
        #expect(run.stdout == "140 checks passed\n")
        #expect(run.status == 0 && !run.signaled)
    }
}
