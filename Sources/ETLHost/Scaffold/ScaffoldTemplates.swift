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
/// | `__TAB__`   | a tab (Makefile recipes need one)                 |
///
/// The plugin sources are in `ScaffoldTemplates+C.swift` and
/// `ScaffoldTemplates+Swift.swift`. The Rust project is not here: it is
/// real files in `Templates/Rust` (``RustTemplate``), with the same
/// `__NAME__` and `__IDENT__` placeholders.
enum ScaffoldTemplates {
    /// The Makefile of a C plugin.
    static let makefile = ##"""
    # Builds the __NAME__ etl-host __KIND__ with nothing but a C compiler.
    #
    #   make                      -> ./libetl___IDENT__.so
    #   make OUT=/tmp/x           -> /tmp/x/libetl___IDENT__.so
    #   make CC=clang CFLAGS=-O0  -> another compiler or flags
    #   make clean
    #
    # include/ holds the contract (etl_plugin.h, ABI __ABI__) and its
    # header-only helpers (etl_batch.h builds batches, etl_config.h reads the
    # config, etl_reader.h reads batches), copied from etl-host when this
    # project was made.
    # To build against another etl-host, copy its headers over them, or run
    # make INCLUDE=<etl-host checkout>/Sources/CETLPlugin/include.

    HERE := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
    INCLUDE ?= $(HERE)include

    CC ?= cc
    CFLAGS ?= -std=c99 -O2 -Wall -Wextra
    OUT ?= .

    LIB := $(OUT)/libetl___IDENT__.so

    .PHONY: all clean

    all: $(LIB)

    # -fvisibility=hidden: export etl_plugin_init (ETL_EXPORT) and nothing else.
    $(LIB): $(HERE)__IDENT__.c $(INCLUDE)/etl_plugin.h $(INCLUDE)/etl_batch.h $(INCLUDE)/etl_config.h $(INCLUDE)/etl_reader.h
    __TAB__@mkdir -p $(OUT)
    __TAB__$(CC) $(CFLAGS) -fPIC -shared -fvisibility=hidden -I$(INCLUDE) -o $@ $(HERE)__IDENT__.c $(LDFLAGS)

    clean:
    __TAB__rm -f $(LIB)
    """##

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
