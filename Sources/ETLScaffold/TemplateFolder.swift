import ETLHost
import Foundation

/// The project template of one language of `etl-host plugins new`: real
/// source files and a Makefile kept in the repository (not Swift strings),
/// so that the tests compile them as they are and as generated.
/// ``PluginScaffold`` copies the files of a kind (``files(language:kind:)``)
/// and fills their placeholders (`__NAME__`, `__IDENT__`, `__KIND__`,
/// `__ABI__`; see ``ScaffoldTemplates``). The placeholders sit only in
/// comments and string literals, so a template compiles before they are
/// filled.
///
/// | language | folder in the checkout               | installed                                  |
/// | -------- | ------------------------------------ | ------------------------------------------ |
/// | C        | `Sources/ETLScaffold/Templates/C`    | `<prefix>/share/etl-host/templates/c`      |
/// | Rust     | `Sources/ETLScaffold/Templates/Rust` | `<prefix>/share/etl-host/templates/rust`   |
///
/// The Swift templates are still Swift strings (``ScaffoldTemplates``).
///
/// ```swift
/// let template = try TemplateFolder.locate(.rust, kind: .warehouse, sdk: sdk)
/// template.folder   // ".../Sources/ETLScaffold/Templates/Rust"
/// ```
public struct TemplateFolder: Sendable, Equatable {
    /// One file of a template.
    public struct Entry: Sendable, Equatable {
        /// Its path in the template folder.
        public var source: String
        /// Its path in the new project (placeholders filled).
        public var destination: String
        /// What it is for, as `plugins new` lists it; nil for the plugin's
        /// own source and the Makefile, which ``PluginScaffold`` describes.
        public var purpose: String?
    }

    /// The language whose template this is.
    public var language: PluginScaffold.Language
    /// The folder holding the template's files.
    public var folder: String

    /// The ABI the Rust template's FFI declarations (`src/etl_ffi.rs`)
    /// target. Later minors only append fields, so such a plugin keeps
    /// loading in any 1.x host.
    public static let rustABI = "1.1"

    /// The files of the template of `language` for `kind`, in the order
    /// `plugins new` lists them. Swift has none (its templates are strings).
    public static func files(language: PluginScaffold.Language, kind: PluginKind) -> [Entry] {
        switch (language, kind) {
        case (.c, .extractor):
            [Entry(source: "extractor.c", destination: "__IDENT__.c"), Entry(source: "Makefile", destination: "Makefile")]
        case (.c, .warehouse):
            [
                Entry(source: "warehouse.c", destination: "__IDENT__.c"),
                Entry(source: "json_text.h", destination: "json_text.h", purpose: "each cell of a batch as JSON text"),
                Entry(source: "atomic_files.h", destination: "atomic_files.h", purpose: "temporary files, fsync'ed and renamed"),
                Entry(source: "Makefile", destination: "Makefile"),
            ]
        case (.rust, .extractor):
            [
                Entry(source: "src/lib.rs", destination: "src/lib.rs"),
                Entry(source: "src/etl_extractor.rs", destination: "src/etl_extractor.rs",
                      purpose: "the C entry points, over the Extractor and Stream traits"),
                Entry(source: "src/etl_sdk.rs", destination: "src/etl_sdk.rs", purpose: "errors, host services, the config read by key"),
                Entry(source: "src/etl_batch.rs", destination: "src/etl_batch.rs", purpose: "builds Arrow batches row by row"),
                Entry(source: "src/etl_ffi.rs", destination: "src/etl_ffi.rs", purpose: "etl_plugin.h as #[repr(C)] Rust, ABI \(rustABI)"),
                Entry(source: "Makefile", destination: "Makefile"),
            ]
        case (.rust, .warehouse):
            [
                Entry(source: "warehouse/lib.rs", destination: "src/lib.rs"),
                Entry(source: "src/etl_warehouse.rs", destination: "src/etl_warehouse.rs",
                      purpose: "the C entry points, over the Warehouse and TableWriter traits"),
                Entry(source: "src/etl_sdk.rs", destination: "src/etl_sdk.rs", purpose: "errors, host services, the config read by key"),
                Entry(source: "src/etl_reader.rs", destination: "src/etl_reader.rs", purpose: "reads the cells of Arrow batches, checked"),
                Entry(source: "src/etl_ffi.rs", destination: "src/etl_ffi.rs", purpose: "etl_plugin.h as #[repr(C)] Rust, ABI \(rustABI)"),
                Entry(source: "Makefile", destination: "Makefile"),
            ]
        case (.swift, _):
            []
        }
    }

    /// The name of `language`'s folder: `C` in the checkout, `c` installed.
    private static func folderName(_ language: PluginScaffold.Language) -> String {
        switch language {
        case .c: "C"
        case .swift: "Swift"
        case .rust: "Rust"
        }
    }

    /// Where the template of `language` is looked for, first match wins:
    /// the etl-host checkout (`Sources/ETLScaffold/Templates/<Lang>`),
    /// then beside an installed SDK's headers
    /// (`<prefix>/share/etl-host/templates/<lang>` for headers in
    /// `<prefix>/include/etl-host`).
    public static func candidates(_ language: PluginScaffold.Language, sdk: PluginSDK) -> [String] {
        var folders: [String] = []
        if let checkout = sdk.checkout {
            folders.append((checkout as NSString).appendingPathComponent("Sources/ETLScaffold/Templates/" + folderName(language)))
        }
        folders.append(((sdk.includeDirectory as NSString)
            .appendingPathComponent("../../share/etl-host/templates/" + language.rawValue) as NSString).standardizingPath)
        return folders
    }

    /// Finds the template of `language` holding every file of `kind`.
    ///
    /// - Throws: `.invalidArgument` naming every folder it looked in and
    ///   `--sdk`.
    public static func locate(_ language: PluginScaffold.Language, kind: PluginKind, sdk: PluginSDK) throws(HostError) -> TemplateFolder {
        let folders = candidates(language, sdk: sdk)
        let needed = files(language: language, kind: kind)
        let complete = folders.first { folder in
            needed.allSatisfy { FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent($0.source)) }
        }
        guard let folder = complete else {
            throw HostError(.invalidArgument, "cannot find the \(language.displayName) plugin template (looked in "
                + folders.joined(separator: " and ") + "); pass --sdk <etl-host checkout>")
        }
        return TemplateFolder(language: language, folder: folder)
    }

    /// The text of the file at `source` in the folder.
    ///
    /// - Throws: `.io` when it cannot be read.
    func text(_ source: String) throws(HostError) -> String {
        let full = (folder as NSString).appendingPathComponent(source)
        guard let data = FileManager.default.contents(atPath: full) else {
            throw HostError(.io, "cannot read '\(full)': \(errnoDescription())")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
