import Foundation

/// The Rust project template of `etl-host plugins new --lang rust`: real
/// `.rs` files and a Makefile kept in the repository (not Swift strings),
/// so that the tests compile them as generated. ``PluginScaffold`` fills
/// their placeholders (`__NAME__`, `__IDENT__`).
///
/// The template is an extractor that builds with `make` and plain `rustc
/// --crate-type cdylib`: no cargo, no crates, nothing from the network. Its
/// `src/etl_ffi.rs` mirrors etl_plugin.h at ABI ``abi`` (later minors only
/// append fields, so a 1.1 plugin keeps loading).
///
/// ```swift
/// let template = try RustTemplate.locate(sdk: sdk)
/// template.folder   // ".../Sources/ETLHost/Scaffold/Templates/Rust"
/// ```
public struct RustTemplate: Sendable, Equatable {
    /// The folder holding the template's files.
    public var folder: String

    /// The ABI the template's FFI declarations target.
    public static let abi = "1.1"

    /// The files of the template, relative to ``folder``, in the order
    /// `plugins new` lists them, with what each one is for (`nil`: the
    /// plugin's own source, described by the scaffold).
    static let files: KeyValuePairs<String, String?> = [
        "src/lib.rs": nil,
        "src/etl_extractor.rs": "the C entry points, over the Extractor and Stream traits",
        "src/etl_sdk.rs": "errors, host services, the config read by key",
        "src/etl_batch.rs": "builds Arrow batches row by row",
        "src/etl_ffi.rs": "etl_plugin.h as #[repr(C)] Rust, ABI \(abi)",
        "Makefile": nil,
    ]

    /// Where the template is looked for, first match wins: the etl-host
    /// checkout (`Sources/ETLHost/Scaffold/Templates/Rust`), then beside an
    /// installed SDK's headers (`<prefix>/share/etl-host/templates/rust`
    /// for headers in `<prefix>/include/etl-host`).
    public static func candidates(sdk: PluginSDK) -> [String] {
        var folders: [String] = []
        if let checkout = sdk.checkout {
            folders.append((checkout as NSString).appendingPathComponent("Sources/ETLHost/Scaffold/Templates/Rust"))
        }
        folders.append(((sdk.includeDirectory as NSString)
            .appendingPathComponent("../../share/etl-host/templates/rust") as NSString).standardizingPath)
        return folders
    }

    /// Finds the template.
    ///
    /// - Throws: `.invalidArgument` naming every folder it looked in and
    ///   `--sdk`.
    public static func locate(sdk: PluginSDK) throws(HostError) -> RustTemplate {
        let folders = candidates(sdk: sdk)
        let complete = folders.first { folder in
            files.allSatisfy { FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent($0.key)) }
        }
        guard let folder = complete else {
            throw HostError(.invalidArgument, "cannot find the Rust plugin template (looked in "
                + folders.joined(separator: " and ") + "); pass --sdk <etl-host checkout>")
        }
        return RustTemplate(folder: folder)
    }

    /// The text of one of ``files``.
    ///
    /// - Throws: `.io` when it cannot be read.
    func text(_ path: String) throws(HostError) -> String {
        let full = (folder as NSString).appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: full) else {
            throw HostError(.io, "cannot read '\(full)': \(errnoDescription())")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
