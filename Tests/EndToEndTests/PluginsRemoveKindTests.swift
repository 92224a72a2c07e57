import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// `etl-host plugins remove NAME [--kind KIND]`: a plugin is known by its name and its kind, so a
/// name the registry lists as both an extractor and a warehouse (`postgres`) is removed only with
/// `--kind`, like `plugins info` and `plugins test`.
@Suite struct PluginsRemoveKindTests {
    /// A registry in the sandbox with the bundled postgres extractor and warehouse and sqlite.
    static func registryFile(_ sandbox: HostSandbox) throws -> String {
        let bundled = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: TestSupport.repositoryRoot + "/registry.json"))) as? [String: Any] ?? [:]
        var document = bundled
        document["plugins"] = (bundled["plugins"] as? [[String: Any]] ?? []).filter {
            ["postgres", "sqlite"].contains($0["name"] as? String ?? "")
        }
        let path = sandbox.root + "/registry.json"
        try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// "name kind" of each entry of the registry at `path`.
    static func entries(_ path: String) throws -> [String] {
        try JSONDecoder().decode(RegistryDocument.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            .plugins.map { "\($0.name) \($0.kind.rawValue)" }
    }

    @Test func aNameOfBothKindsNeedsKindAndOnlyThatKindIsRemoved() throws {
        let sandbox = try HostSandbox("remove-kind")
        let registry = try Self.registryFile(sandbox)
        let before = try Data(contentsOf: URL(fileURLWithPath: registry))

        let ambiguous = try sandbox.etlHost("plugins", "remove", "postgres", "--registry", registry)
        #expect(ambiguous.status == 64)
        #expect(ambiguous.stderr == "etl-host: error: plugin 'postgres' is both an extractor and a warehouse in \(registry); "
            + "say which to remove with --kind extractor or --kind warehouse\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: registry)) == before)

        let warehouse = try sandbox.etlHost("plugins", "remove", "postgres", "--kind", "warehouse", "--registry", registry)
        #expect(warehouse.status == 0, "\(warehouse.stderr)")
        #expect(warehouse.stdout == "Removed postgres 0.1.0 from \(registry)\n")
        #expect(try Self.entries(registry) == ["postgres extractor", "sqlite warehouse"])

        let again = try sandbox.etlHost("plugins", "remove", "postgres", "--kind", "warehouse", "--registry", registry)
        #expect(again.status == 1)
        #expect(again.stderr == "etl-host: error: plugin 'postgres' is only an extractor in \(registry), not a warehouse; "
            + "pass --kind extractor to remove it\n")
        #expect(try Self.entries(registry) == ["postgres extractor", "sqlite warehouse"])

        // One kind left: the name alone is enough.
        let extractor = try sandbox.etlHost("plugins", "remove", "postgres", "--registry", registry)
        #expect(extractor.status == 0, "\(extractor.stderr)")
        #expect(try Self.entries(registry) == ["sqlite warehouse"])

        let gone = try sandbox.etlHost("plugins", "remove", "postgres", "--kind", "extractor", "--registry", registry)
        #expect(gone.status == 1)
        // The bundled registry still has one: the message points there.
        #expect(gone.stderr.hasPrefix("etl-host: error: plugin 'postgres' is defined in "), "\(gone.stderr)")
        #expect(gone.stderr.contains("(bundled registry), not in \(registry), which is the registry this command changes"),
                "\(gone.stderr)")
    }

    @Test func aBadKindIsAUsageError() throws {
        let sandbox = try HostSandbox("remove-kind-bad")
        let registry = try Self.registryFile(sandbox)
        let result = try sandbox.etlHost("plugins", "remove", "postgres", "--kind", "loader", "--registry", registry)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--kind"), "\(result.stderr)")
        #expect(try Self.entries(registry) == ["postgres extractor", "postgres warehouse", "sqlite warehouse"])
    }
}
