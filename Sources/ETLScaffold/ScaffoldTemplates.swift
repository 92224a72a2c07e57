import ETLHost
/// The text of the files `etl-host plugins new` writes, with placeholders
/// that ``PluginScaffold`` fills:
///
/// | placeholder | value                                             |
/// | ----------- | ------------------------------------------------- |
/// | `__NAME__`  | the plugin name, e.g. `my-source`                 |
/// | `__IDENT__` | the name as an identifier, e.g. `my_source`       |
/// | `__TYPE__`  | the Swift class, e.g. `MySourceExtractor`         |
/// | `__TARGET__`| the Swift target, e.g. `MySourcePlugin`           |
/// | `__KIND__`  | `extractor` or `warehouse`                        |
/// | `__ABI__`   | the ABI of the copied headers, e.g. `1.1`         |
/// | `__SDK__`   | the etl-host checkout (Swift: ETLPluginKit)       |
/// | `__PACKAGE__` | that checkout's SwiftPM package identity        |
///
/// Only the Swift project is here (`ScaffoldTemplates+Swift.swift`). The
/// C and Rust projects are real files in `Templates/C` and
/// `Templates/Rust` (``TemplateFolder``), compiled by the tests as they
/// are, with the same placeholders in their comments and string literals.
enum ScaffoldTemplates {
    /// The Package.swift of a Swift plugin.
    static let packageManifest = ##"""
    // swift-tools-version:6.0
    //
    // __NAME__: an etl-host __KIND__ written with ETLPluginKit, made by
    // `etl-host plugins new`.
    //
    //   swift build -c release   -> .build/release/libetl___IDENT__.so
    //
    // Build it with the same Swift toolchain as the etl-host that loads it:
    // Swift has no stable ABI on Linux, so the host refuses a Swift plugin
    // built by another compiler (`etl-host --version` names its toolchain).
    import PackageDescription

    let package = Package(
        name: "__IDENT__",
        products: [
            // The plugin: a shared library exporting etl_plugin_init.
            .library(name: "etl___IDENT__", type: .dynamic, targets: ["__TARGET__"]),
        ],
        dependencies: [
            // The etl-host checkout this project was made from (ETLPluginKit).
            .package(path: "__SDK__"),
        ],
        targets: [
            .target(
                name: "__TARGET__",
                dependencies: [.product(name: "ETLPluginKit", package: "__PACKAGE__")],
                path: "Sources/__TARGET__"
            ),
        ]
    )
    """##

    /// The .gitignore of a new project.
    static let gitignore = """
    *.so
    .build/
    .swiftpm/

    """
}
