import ETLHost
import Foundation

/// Where `etl-host plugins new` finds what a new plugin project builds
/// against: the contract's headers (for C) and the etl-host source checkout
/// whose ETLPluginKit a Swift plugin depends on.
///
/// ```swift
/// let sdk = try PluginSDK.locate(explicit: nil, executableDirectory: HostEnvironment.executableDirectory)
/// sdk.includeDirectory   // ".../Sources/CETLPlugin/include"
/// sdk.checkout           // "/src/etl-host" (nil for an installed etl-host)
/// ```
public struct PluginSDK: Sendable, Equatable {
    /// The folder holding `etl_plugin.h` and its helpers (``headers``).
    public var includeDirectory: String
    /// The etl-host source checkout (the folder of its `Package.swift`), or
    /// nil when only the headers were found.
    public var checkout: String?

    /// The headers a C plugin project gets a copy of: the contract and its
    /// header-only helpers, with what each one is for.
    public static let headerPurposes: KeyValuePairs<String, String> = [
        "etl_plugin.h": "the contract",
        "etl_batch.h": "builds Arrow batches row by row",
        "etl_config.h": "reads the config JSON by key",
        "etl_reader.h": "reads the cells of Arrow batches (warehouses)",
    ]

    /// The names of ``headerPurposes``, in order.
    public static var headers: [String] { headerPurposes.map(\.key) }

    /// "etl_plugin.h, etl_batch.h, etl_config.h and etl_reader.h", for messages.
    static var headerList: String { headers.dropLast().joined(separator: ", ") + " and " + headers[headers.count - 1] }

    /// Creates a location.
    public init(includeDirectory: String, checkout: String?) {
        self.includeDirectory = includeDirectory
        self.checkout = checkout
    }

    /// Finds the SDK.
    ///
    /// - Parameters:
    ///   - explicit: `--sdk PATH`: an etl-host checkout, or a folder holding
    ///     the headers. Wins when given.
    ///   - executableDirectory: the running etl-host's folder. The checkout
    ///     it was built in is found by walking up from it (as the bundled
    ///     registry is); an installed etl-host has the headers in
    ///     `<prefix>/include/etl-host/`.
    /// - Throws: `.invalidArgument` naming where it looked and `--sdk`.
    public static func locate(explicit: String?, executableDirectory: String) throws(HostError) -> PluginSDK {
        if let explicit {
            let path = HostEnvironment.absolutePath(explicit)
            if let sdk = checkout(at: path) { return sdk }
            if hasHeaders(path) { return PluginSDK(includeDirectory: path, checkout: nil) }
            throw HostError(.invalidArgument, "--sdk '\(path)' is neither an etl-host source checkout "
                + "(with Sources/CETLPlugin/include/etl_plugin.h) nor a folder holding \(headerList)")
        }
        var folder = executableDirectory
        for _ in 0 ..< 6 {
            if let sdk = checkout(at: folder) { return sdk }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder { break }
            folder = parent
        }
        let installed = ((executableDirectory as NSString).appendingPathComponent("../include/etl-host") as NSString)
            .standardizingPath
        if hasHeaders(installed) { return PluginSDK(includeDirectory: installed, checkout: nil) }
        throw HostError(.invalidArgument, "cannot find etl_plugin.h: this etl-host (\(executableDirectory)) is "
            + "neither inside an etl-host source checkout nor installed with \(installed); pass --sdk PATH "
            + "(an etl-host checkout, or a folder holding \(headerList))")
    }

    /// The SDK of the checkout at `folder`, if it is one.
    static func checkout(at folder: String) -> PluginSDK? {
        let include = (folder as NSString).appendingPathComponent("Sources/CETLPlugin/include")
        let manifest = (folder as NSString).appendingPathComponent("Package.swift")
        guard FileManager.default.fileExists(atPath: manifest), hasHeaders(include) else { return nil }
        return PluginSDK(includeDirectory: include, checkout: folder)
    }

    private static func hasHeaders(_ folder: String) -> Bool {
        headers.allSatisfy { FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent($0)) }
    }
}
