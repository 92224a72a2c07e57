import Foundation

/// The C plugins the tests compile, built once per test process: the first
/// request for a set of sources and defines runs `cc` into a private folder,
/// later ones (from any test, on any thread) reuse that library, and
/// ``TestSupport/compileCPlugin(_:defines:output:)`` copies it where each
/// test wants it. A compile that failed fails every request for it the same
/// way.
public final class CompiledCPlugins: @unchecked Sendable {
    /// The one cache of this process.
    public static let shared = CompiledCPlugins()

    /// One set of sources and defines: its library, or why it did not compile.
    private final class Entry: @unchecked Sendable {
        let lock = NSLock()
        var outcome: Result<String, Error>?
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var folder: String?

    private init() {}

    /// The path of the library built from `sources` (relative to the repository
    /// root) with `defines`; compiled by the first caller, waited for by the others.
    public func library(sources: [String], defines: [String]) throws -> String {
        let key = (sources + ["\u{0}"] + defines).joined(separator: "\n")
        let (entry, folder) = try lock.withLock { () throws -> (Entry, String) in
            let folder = try self.folder ?? TestSupport.temporaryDirectory("compiled-c-plugins")
            self.folder = folder
            if let entry = entries[key] { return (entry, folder) }
            let entry = Entry()
            entries[key] = entry
            return (entry, folder)
        }
        return try entry.lock.withLock { () throws -> String in
            if let outcome = entry.outcome { return try outcome.get() }
            let output = folder + "/lib\(UUID().uuidString.prefix(12)).so"
            let outcome = Result { () throws -> String in
                try TestSupport.compileCPluginNow(sources, defines: defines, output: output)
                return output
            }
            entry.outcome = outcome
            return try outcome.get()
        }
    }
}
