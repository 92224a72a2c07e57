@testable import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Choosing from several indexes: the first that lists a name wins, the
/// newest fitting build is taken, a name of two kinds needs --kind.
@Suite struct PluginIndexCatalogTests {
    static let sha = String(repeating: "0", count: 64)
    static let host = PluginIndexCatalog.HostTarget(abi: HostABI.make(major: 1, minor: 3), toolchain: "swift-6.3.1", platform: "linux-x86_64")

    static func build(_ version: String, abi: String = "1.3") -> PluginIndexDocument.Build {
        .init(version: version, abi: abi, language: "c", toolchain: nil, platform: "linux-x86_64", url: "\(version).so", sha256: sha)
    }

    /// Writes an index file and returns its path.
    static func index(_ folder: String, _ name: String, _ plugins: [PluginIndexDocument.Plugin]) throws -> String {
        let path = folder + "/" + name
        try PluginIndexDocument(plugins: plugins).encoded().write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theFirstIndexListingANameWinsAndItsNewestFittingBuildIsChosen() throws {
        let folder = try TestSupport.temporaryDirectory("index-catalog")
        let first = try Self.index(folder, "first.json", [
            .init(name: "shop", kind: .extractor, description: "Orders of the Shop API", versions: [Self.build("1.2.0"), Self.build("1.10.0"), Self.build("2.0.0", abi: "2.0")]),
        ])
        let second = try Self.index(folder, "second.json", [
            .init(name: "shop", kind: .extractor, description: "another shop", versions: [Self.build("9.0.0")]),
            .init(name: "crm", kind: .extractor, description: "CRM contacts", versions: [Self.build("0.1.0")]),
        ])
        let catalog = try PluginIndexCatalog(sources: PluginIndexSources(explicit: [first, second], environment: ["HOME": folder], currentDirectory: folder), host: Self.host)
        let choice = try catalog.choose(name: "shop", version: nil, kind: nil)
        #expect(choice.build.version == "1.10.0")
        #expect(choice.listing.index == first)
        #expect(choice.downloadURL == folder + "/1.10.0.so")
        #expect(try catalog.choose(name: "shop", version: "1.2", kind: .extractor).build.version == "1.2.0")
        #expect(try catalog.choose(name: "crm", version: nil, kind: nil).listing.index == second)
        #expect(catalog.search("ORDERS").map(\.plugin.name) == ["shop"])
        #expect(catalog.search("").map(\.plugin.name) == ["shop", "crm"])
        #expect(throws: HostError(.registry, "no plugin named 'erp' in the plugin indexes \(first), \(second); `etl-host plugins search WORD` lists what they have")) {
            try catalog.choose(name: "erp", version: nil, kind: nil)
        }
    }

    @Test func aNameOfTwoKindsNeedsAKind() throws {
        let folder = try TestSupport.temporaryDirectory("index-catalog-kinds")
        let path = try Self.index(folder, "index.json", [
            .init(name: "pg", kind: .extractor, description: "", versions: [Self.build("1.0.0")]),
            .init(name: "pg", kind: .warehouse, description: "", versions: [Self.build("2.0.0")]),
        ])
        let catalog = try PluginIndexCatalog(sources: PluginIndexSources(explicit: [path], environment: ["HOME": folder], currentDirectory: folder), host: Self.host)
        #expect(throws: HostError(.invalidArgument, "plugin 'pg' is both an extractor and a warehouse in the plugin indexes; say which with --kind extractor or --kind warehouse")) {
            try catalog.choose(name: "pg", version: nil, kind: nil)
        }
        #expect(try catalog.choose(name: "pg", version: nil, kind: .warehouse).build.version == "2.0.0")
    }

    @Test func anIndexThatCannotBeReadFailsNamingWhereItWasConfigured() throws {
        let folder = try TestSupport.temporaryDirectory("index-catalog-missing")
        try Data(#"{"indexes": ["gone.json"]}"#.utf8).write(to: URL(fileURLWithPath: folder + "/etl-index.json"))
        #expect(throws: HostError(.io, "plugin index \(folder)/gone.json (listed in \(folder)/etl-index.json): cannot read '\(folder)/gone.json': No such file or directory")) {
            try PluginIndexCatalog(sources: PluginIndexSources(environment: ["HOME": folder], currentDirectory: folder), host: Self.host)
        }
    }
}
