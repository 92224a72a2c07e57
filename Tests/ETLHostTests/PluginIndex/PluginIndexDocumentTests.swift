@testable import ETLHost
import Foundation
import Testing

/// Reading an index: the format of docs/PLUGIN_INDEX.md, and errors that
/// name the index and the place.
@Suite struct PluginIndexDocumentTests {
    static let sha = String(repeating: "ab", count: 32)

    static func decode(_ text: String) throws -> PluginIndexDocument {
        try PluginIndexDocument.decode(Data(text.utf8), origin: "https://example.org/index.json")
    }

    @Test func theDocumentedExampleReads() throws {
        let index = try Self.decode("""
            {"index_version": 1, "plugins": [
              {"name": "csvdir", "kind": "extractor", "description": "CSV files of a folder",
               "versions": [{"version": "0.2.0", "abi": "1.3", "language": "c", "toolchain": null,
                             "platform": "linux-x86_64", "url": "csvdir-0.2.0-linux-x86_64.so", "sha256": "\(Self.sha)"}]}]}
            """)
        #expect(index.plugins == [PluginIndexDocument.Plugin(name: "csvdir", kind: .extractor, description: "CSV files of a folder", versions: [
            .init(version: "0.2.0", abi: "1.3", language: "c", toolchain: nil, platform: "linux-x86_64",
                  url: "csvdir-0.2.0-linux-x86_64.so", sha256: Self.sha)])])
        #expect(try Self.decode(String(decoding: index.encoded(), as: UTF8.self)) == index)
    }

    @Test func errorsNameTheIndexAndThePlace() {
        #expect(throws: HostError(.registry, "plugin index 'https://example.org/index.json': plugins[0].versions[0] is missing the required key 'sha256'")) {
            try Self.decode(#"{"index_version": 1, "plugins": [{"name": "a", "kind": "extractor", "description": "", "versions": [{"version": "1", "abi": "1.3", "platform": "linux-x86_64", "url": "a.so"}]}]}"#)
        }
        #expect(throws: HostError(.registry, "plugin index 'https://example.org/index.json' has index_version 2; this etl-host reads version 1")) {
            try Self.decode(#"{"index_version": 2, "plugins": []}"#)
        }
        #expect(throws: HostError(.registry, "plugin index 'https://example.org/index.json': plugins[0].versions[0].sha256 is not 64 hexadecimal digits")) {
            try Self.decode(#"{"index_version": 1, "plugins": [{"name": "a", "kind": "extractor", "description": "", "versions": [{"version": "1", "abi": "1.3", "platform": "linux-x86_64", "url": "a.so", "sha256": "abc"}]}]}"#)
        }
        #expect(throws: HostError(.registry, "plugin index 'https://example.org/index.json' lists the extractor 'a' twice (plugins[1]); list its builds under one entry")) {
            try Self.decode(#"{"index_version": 1, "plugins": [{"name": "a", "kind": "extractor", "description": "", "versions": []}, {"name": "a", "kind": "extractor", "description": "", "versions": []}]}"#)
        }
        #expect(throws: HostError(.registry, "plugin index 'https://example.org/index.json': plugins[0].name 'A b' is not a plugin name (1-64 characters of a-z, 0-9, '-' and '_')")) {
            try Self.decode(#"{"index_version": 1, "plugins": [{"name": "A b", "kind": "extractor", "description": "", "versions": []}]}"#)
        }
    }

    @Test func relativeURLsResolveAgainstTheIndex() {
        #expect(IndexURL.resolve("a-1.0.so", againstIndex: "https://example.org/etl/index.json") == "https://example.org/etl/a-1.0.so")
        #expect(IndexURL.resolve("../libs/a.so", againstIndex: "https://example.org/etl/index.json") == "https://example.org/libs/a.so")
        #expect(IndexURL.resolve("https://cdn.example.org/a.so", againstIndex: "https://example.org/etl/index.json") == "https://cdn.example.org/a.so")
        #expect(IndexURL.resolve("a.so", againstIndex: "file:///srv/index/index.json") == "file:///srv/index/a.so")
        #expect(IndexURL.resolve("sub/a.so", againstIndex: "/srv/index/index.json") == "/srv/index/sub/a.so")
    }

    @Test func aBuildFitsWhenABIMajorPlatformAndSwiftToolchainMatch() {
        let host = PluginIndexCatalog.HostTarget(abi: HostABI.make(major: 1, minor: 3), toolchain: "swift-6.3.1", platform: "linux-x86_64")
        func build(abi: String = "1.3", language: String = "c", toolchain: String? = nil, platform: String = "linux-x86_64") -> PluginIndexDocument.Build {
            .init(version: "1", abi: abi, language: language, toolchain: toolchain, platform: platform, url: "a.so", sha256: Self.sha)
        }
        #expect(host.misfit(build()) == nil)
        #expect(host.misfit(build(abi: "1.9")) == nil)
        #expect(host.misfit(build(abi: "2.0")) == "built for ABI 2.0; this etl-host speaks ABI 1.3")
        #expect(host.misfit(build(platform: "linux-aarch64")) == "built for linux-aarch64; this etl-host runs on linux-x86_64")
        #expect(host.misfit(build(language: "swift", toolchain: "swift-6.3.1")) == nil)
        #expect(host.misfit(build(language: "swift", toolchain: "swift-6.2")) == "built with swift-6.2; this etl-host was built with swift-6.3.1")
    }
}
