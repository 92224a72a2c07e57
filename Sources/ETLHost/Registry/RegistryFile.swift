import Foundation

/// One registry file on disk: reading it, resolving library paths against it,
/// and changing it safely.
///
/// Changes go through ``update(_:)``, which holds an exclusive lock on
/// `<file>.lock` for the whole read-modify-write and replaces the file
/// atomically (temporary file, fsync, rename), so two `plugins install`
/// processes racing on one registry both land, and a reader never sees a
/// half-written file.
public struct RegistryFile: Sendable {
    /// Absolute path of the registry file (it need not exist yet).
    public let path: String
    /// Folder used to resolve `@host/` library paths.
    public let hostDirectory: String

    /// A registry at `path`; `hostDirectory` defaults to the folder of the
    /// running executable.
    public init(path: String, hostDirectory: String = HostEnvironment.executableDirectory) {
        self.path = HostEnvironment.absolutePath(path)
        self.hostDirectory = hostDirectory
    }

    /// The folder holding the registry file.
    public var directory: String { (path as NSString).deletingLastPathComponent }

    /// Where `plugins install` copies libraries for this registry.
    public var pluginsDirectory: String { (directory as NSString).appendingPathComponent("plugins") }

    /// Whether the file exists.
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Reads the document. A missing file reads as an empty registry; a file
    /// that is not a valid registry, or not a regular file, is an error
    /// naming the file and the cause.
    public func read() throws -> RegistryDocument {
        // A FIFO or a device would block or never end: read regular files only.
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
            throw HostError(.registry, "registry '\(path)' is \(LibraryFile.kindDescription(status.st_mode)), not a regular file; refusing to read it")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            if !exists { return RegistryDocument() }
            throw HostError(.registry, "cannot read registry '\(path)': \(errnoDescription())")
        }
        return try Self.decode(data, path: path)
    }

    /// Reads, lets `body` change the document, and writes it back atomically,
    /// all under the registry's lock. Nothing is written if `body` throws or
    /// leaves the document unchanged.
    @discardableResult
    public func update<T>(_ body: (inout RegistryDocument) throws -> T) throws -> T {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = try FileLock(path: path + ".lock")
        defer { lock.unlock() }
        let original = try read()
        var document = original
        let result = try body(&document)
        if document != original {
            try AtomicFile.write(Self.encode(document), to: path)
        }
        return result
    }

    /// The absolute path of an entry's library: `@host/NAME` is NAME in the
    /// host's plugins folder (``HostLayout/pluginsDirectory``: the
    /// executable's folder in a build tree, `<prefix>/lib/etl-host/plugins`
    /// when installed); a relative path resolves against the registry's folder.
    public func resolveLibraryPath(_ library: String) -> String {
        if library.hasPrefix("/") { return library }
        if library.hasPrefix("@host/") {
            let plugins = HostLayout(executableDirectory: hostDirectory).pluginsDirectory
            return (plugins as NSString).appendingPathComponent(String(library.dropFirst("@host/".count)))
        }
        return ((directory as NSString).appendingPathComponent(library) as NSString).standardizingPath
    }

    /// The way to record `absoluteLibraryPath` in this registry: relative when
    /// it lies inside the registry's folder, absolute otherwise.
    public func recordedLibraryPath(_ absoluteLibraryPath: String) -> String {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        if absoluteLibraryPath.hasPrefix(prefix) { return String(absoluteLibraryPath.dropFirst(prefix.count)) }
        return absoluteLibraryPath
    }

    static func decode(_ data: Data, path: String) throws -> RegistryDocument {
        let document: RegistryDocument
        do {
            document = try JSONDecoder().decode(RegistryDocument.self, from: data)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw HostError(.registry, "registry '\(path)': \(Self.location(context.codingPath)): \(context.debugDescription) (kind is 'extractor' or 'warehouse')")
        } catch let DecodingError.dataCorrupted(context) {
            throw HostError(.registry, "registry '\(path)' is not valid JSON: \(context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw HostError(.registry, "registry '\(path)': \(Self.location(context.codingPath)) is missing the required key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw HostError(.registry, "registry '\(path)': \(Self.location(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw HostError(.registry, "registry '\(path)': \(Self.location(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw HostError(.registry, "registry '\(path)' cannot be read: \(error)")
        }
        guard document.registryVersion == RegistryDocument.currentVersion else {
            throw HostError(.registry, "registry '\(path)' has registry_version \(document.registryVersion); this etl-host reads version \(RegistryDocument.currentVersion)")
        }
        // One name may be both an extractor and a warehouse (`postgres`), never two of one kind.
        var seen = Set<String>()
        for entry in document.plugins where !seen.insert("\(entry.kind.rawValue)/\(entry.name)").inserted {
            throw HostError(.registry, "registry '\(path)' lists the \(entry.kind.rawValue) '\(entry.name)' twice")
        }
        return document
    }

    static func encode(_ document: RegistryDocument) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(document)
        data.append(0x0A)
        return data
    }

    private static func location(_ path: [any CodingKey]) -> String {
        if path.isEmpty { return "the top level" }
        return path.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            .replacingOccurrences(of: ".[", with: "[")
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}
