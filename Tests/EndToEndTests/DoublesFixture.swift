import ETLTestSupport
import Foundation

extension HostSandbox {
    /// Builds the test extractor "doubles" (typed doubles, infinities, NaN,
    /// -0.0, a subnormal and a wrong type hint; see its patch): the C
    /// extractor that `etl-host plugins new doubles --kind extractor --lang
    /// c` writes, with Tests/Fixtures/CPlugins/doubles.patch applied, built
    /// by the generated Makefile with every warning an error. The fixture
    /// so never repeats the scaffold. Returns the library's path.
    func buildDoubles() throws -> String {
        let folder = root + "/doubles-src"
        let created = try etlHost("plugins", "new", "doubles", "--kind", "extractor", "--lang", "c", "--output", folder)
        guard created.status == 0 else { throw TestFailure("plugins new doubles failed (\(created.status)): \(created.stderr)") }
        let patch = TestSupport.repositoryRoot + "/Tests/Fixtures/CPlugins/doubles.patch"
        let patched = try TestSupport.run("/usr/bin/env", ["patch", "-s", "--no-backup-if-mismatch", folder + "/doubles.c", patch])
        guard patched.status == 0 else {
            throw TestFailure("\(patch) no longer applies to the C extractor template; regenerate it as its header says:\n"
                + patched.stdout + patched.stderr)
        }
        return try PluginBuild.make(folder, output: folder, library: "libetl_doubles.so",
                                    variables: ["CFLAGS=-std=c99 -O1 -Wall -Wextra -Werror"])
    }
}
