import Foundation

/// Writes a plugin index into a folder: `index.json` plus the library
/// files it lists, ready to be served over HTTP or read through `file://`
/// (`etl-host plugins publish`, `scripts/make-plugin-index`).
///
/// Each library is probed in a child process for what it declares (name,
/// kind, version, ABI, language, toolchain, description), copied in as
/// `NAME-KIND-VERSION-PLATFORM.so` and listed with its sha256 and a `url`
/// relative to the index. An existing `index.json` is extended: a build of
/// the same version, platform and toolchain is replaced, others are kept,
/// so publishing version 2 next to version 1 offers both.
///
/// ```swift
/// let publisher = IndexPublisher(folder: "dist/index")
/// let builds = try publisher.publish(libraries: [".build/release/libetl_csv.so"])
/// ```
public struct IndexPublisher: Sendable {
    /// The folder that holds `index.json` and the libraries.
    public var folder: String
    /// The etl-host executable that runs the probe child.
    public var probeExecutable: String
    /// The platform the libraries are listed for.
    public var platform: String

    /// A publisher into `folder`.
    public init(folder: String, probeExecutable: String = HostEnvironment.executablePath, platform: String = HostPlatform.current) {
        self.folder = HostEnvironment.absolutePath(folder)
        self.probeExecutable = probeExecutable
        self.platform = platform
    }

    /// The index file in ``folder``.
    public var indexPath: String { (folder as NSString).appendingPathComponent("index.json") }

    /// One library added to the index.
    public struct Published: Sendable {
        /// Its name and kind in the index.
        public var name: String, kind: PluginKind
        /// The build as listed.
        public var build: PluginIndexDocument.Build
    }

    /// Probes, copies and lists each library; writes `index.json` once all
    /// of them were accepted (a refused library leaves the index as it was).
    ///
    /// - Throws: the probe's refusal of a library, naming it; `.io` when
    ///   the folder or a file cannot be written.
    @discardableResult
    public func publish(libraries: [String]) throws -> [Published] {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw HostError(.io, "cannot create the index folder '\(folder)': \(error.localizedDescription)")
        }
        var document = FileManager.default.fileExists(atPath: indexPath)
            ? try PluginIndexDocument.decode(IndexDownload.fetch(indexPath), origin: indexPath)
            : PluginIndexDocument()
        var published: [Published] = []
        var copies: [(from: String, to: String)] = []
        for given in libraries {
            let library = HostEnvironment.absolutePath(given)
            try PluginLoader.checkIsSharedLibrary(library)
            let descriptor = try PluginProbe.describe(libraryAt: library, entrySymbol: "etl_plugin_init", executable: probeExecutable)
            let sha256 = try LibraryFile.sha256(ofLibraryAt: library)
            let fileName = "\(descriptor.name)-\(descriptor.kind.rawValue)-\(descriptor.version)-\(platform).so"
            let build = PluginIndexDocument.Build(
                version: descriptor.version, abi: descriptor.abi, language: descriptor.language,
                toolchain: descriptor.toolchain, platform: platform, url: fileName, sha256: sha256)
            if let position = document.plugins.firstIndex(where: { $0.name == descriptor.name && $0.kind == descriptor.kind }) {
                document.plugins[position].description = descriptor.description
                document.plugins[position].versions.removeAll {
                    $0.version == build.version && $0.platform == build.platform && $0.toolchain == build.toolchain
                }
                document.plugins[position].versions.append(build)
                document.plugins[position].versions.sort { PluginVersion($0.version) < PluginVersion($1.version) }
            } else {
                document.plugins.append(PluginIndexDocument.Plugin(
                    name: descriptor.name, kind: descriptor.kind, description: descriptor.description, versions: [build]))
            }
            copies.append((library, (folder as NSString).appendingPathComponent(fileName)))
            published.append(Published(name: descriptor.name, kind: descriptor.kind, build: build))
        }
        for copy in copies { try AtomicFile.copy(from: copy.from, to: copy.to) }
        document.plugins.sort { ($0.name, $0.kind.rawValue) < ($1.name, $1.kind.rawValue) }
        try AtomicFile.write(document.encoded(), to: indexPath)
        return published
    }
}
