// swift-tools-version:6.0
//
// etl-host: a native, plugin-based ETL toolkit.
//
// Layout (see docs and ../shared/DESIGN.md):
//   Sources/CETLPlugin     the C contract (etl_plugin.h) and the C batch helper (etl_batch.h)
//   Sources/ETLPluginKit   the Swift SDK for plugin authors (also used by the host for Arrow)
//   Sources/ETLHost        the host library (the runtime): registry, loading, pipeline
//   Sources/ETLConformance `plugins test`: the conformance suite (depends on ETLHost)
//   Sources/ETLScaffold    `plugins new`: the scaffold and its templates (depends on ETLHost)
//   Sources/ETLWorkflow    pipeline files (depends on ETLHost)
//   Sources/ETLServe       `etl-host serve`: web UI + /api over the run history (depends on ETLWorkflow, FlyingFox)
//   Sources/etl-host       the command-line interface, which composes the libraries above
//   Plugins/<Name>         one folder per bundled plugin, each a dynamic library
//   Plugins/Examples       example plugins built with their own compilers (cc, rustc)
import PackageDescription

/// A bundled plugin: a dynamic library product `libetl_<name>.so` built from `Plugins/<folder>`.
func bundledPlugin(_ name: String, folder: String, dependencies: [Target.Dependency] = [], exclude: [String] = []) -> (Product, Target) {
    let target = "ETLPlugin\(folder)"
    return (
        .library(name: "etl_\(name)", type: .dynamic, targets: [target]),
        .target(
            name: target,
            dependencies: ["ETLPluginKit"] + dependencies,
            path: "Plugins/\(folder)",
            exclude: exclude
        )
    )
}

let plugins = [
    bundledPlugin("airtable", folder: "Airtable", dependencies: ["CCurl", "ETLHTTPShared"]),
    bundledPlugin("csv", folder: "CSV"),
    bundledPlugin("jsonl", folder: "JSONL"),
    bundledPlugin("postgres", folder: "Postgres", dependencies: ["CPostgres", "ETLPostgresShared"], exclude: ["README.md"]),
    // The `postgres` extractor (registry name `postgres`, kind extractor; its library is named apart from the warehouse's).
    bundledPlugin("postgres_source", folder: "PostgresSource", dependencies: ["CPostgres", "ETLPostgresShared"], exclude: ["README.md"]),
    // The `rest` extractor: any JSON HTTP API from a declarative config (issue 17).
    bundledPlugin("rest", folder: "Rest", dependencies: ["CCurl", "ETLHTTPShared"], exclude: ["README.md", "examples"]),
    bundledPlugin("sqlite", folder: "SQLite", dependencies: ["CSQLite", "CLibCrypto"], exclude: ["README.md"]),
]

let package = Package(
    name: "etl-host",
    products: [
        .executable(name: "etl-host", targets: ["etl-host"]),
        .library(name: "ETLPluginKit", targets: ["ETLPluginKit"]),
        // Pipeline files (etl.yaml): model, parser, step graph, static validation.
        .library(name: "ETLWorkflow", targets: ["ETLWorkflow"]),
        // An example plugin built with the SDK (not bundled: not in registry.json).
        .library(name: "etl_example_procstats", type: .dynamic, targets: ["ETLExampleProcStats"]),
    ] + plugins.map(\.0),
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // `etl-host serve`'s HTTP server: small, no swift-nio (Hummingbird would add minutes per CI build).
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        .target(name: "CETLPlugin", path: "Sources/CETLPlugin"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", pkgConfig: "libpq"),
        .target(name: "ETLPluginKit", dependencies: ["CETLPlugin"], path: "Sources/ETLPluginKit"),
        // The libpq connection, errors, secret redaction and identifier quoting shared by the PostgreSQL
        // warehouse and extractor (each plugin links its own copy).
        .target(name: "ETLPostgresShared", dependencies: ["ETLPluginKit", "CPostgres"], path: "Plugins/PostgresShared"),
        // The libcurl client, request pacing and JSON array walking shared by the Airtable and REST
        // extractors (each plugin links its own copy).
        .target(name: "ETLHTTPShared", dependencies: ["ETLPluginKit", "CCurl"], path: "Plugins/HTTPShared"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4"),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd"),
        .systemLibrary(name: "CLibCrypto", path: "Sources/CLibCrypto"),
        .target(name: "ETLHost", dependencies: ["CETLPlugin", "ETLPluginKit", "CZlib", "CLZ4", "CZstd", "CLibCrypto", "CCurl"], path: "Sources/ETLHost"),
        .target(name: "ETLConformance", dependencies: ["ETLHost", "CETLPlugin", "ETLPluginKit"], path: "Sources/ETLConformance"),
        // Templates: the C and Rust projects of `plugins new`, read at run time (TemplateFolder).
        .target(name: "ETLScaffold", dependencies: ["ETLHost"], path: "Sources/ETLScaffold", exclude: ["Templates"]),
        .target(name: "ETLWorkflow", dependencies: ["ETLHost", "ETLPluginKit", .product(name: "Yams", package: "Yams")],
                path: "Sources/ETLWorkflow"),
        // `etl-host serve`: the web UI and /api over the run history, the runs index, the scheduler's controls.
        .target(name: "ETLServe", dependencies: ["ETLWorkflow", "ETLHost", "CSQLite", .product(name: "FlyingFox", package: "FlyingFox")],
                path: "Sources/ETLServe"),
        .target(name: "ETLExampleProcStats", dependencies: ["ETLPluginKit"], path: "Plugins/Examples/Swift/ProcStats"),
        .executableTarget(
            name: "etl-host",
            dependencies: [
                "ETLHost",
                "ETLConformance",
                "ETLScaffold",
                "ETLWorkflow",
                "ETLServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/etl-host"
        ),
        .target(name: "ETLTestSupport", dependencies: ["CSQLite", "CPostgres", "ETLHost", "ETLPluginKit"], path: "Tests/ETLTestSupport"),
        .testTarget(name: "ETLPluginKitTests", dependencies: ["ETLPluginKit", "ETLHost"], path: "Tests/ETLPluginKitTests"),
        .testTarget(name: "ETLHostTests", dependencies: ["ETLHost", "ETLTestSupport"], path: "Tests/ETLHostTests"),
        .testTarget(name: "ETLConformanceTests", dependencies: ["ETLConformance", "ETLHost", "ETLPluginKit", "ETLTestSupport"], path: "Tests/ETLConformanceTests"),
        .testTarget(name: "ETLScaffoldTests", dependencies: ["ETLScaffold", "ETLHost", "ETLTestSupport"], path: "Tests/ETLScaffoldTests"),
        .testTarget(name: "ETLWorkflowTests", dependencies: ["ETLWorkflow", "ETLHost", "ETLTestSupport"], path: "Tests/ETLWorkflowTests"),
        .testTarget(name: "EndToEndTests", dependencies: ["ETLHost", "ETLConformance", "ETLTestSupport"], path: "Tests/EndToEndTests"),
        .testTarget(name: "ETLServeTests", dependencies: ["ETLServe", "ETLWorkflow", "ETLHost", "ETLTestSupport"], path: "Tests/ETLServeTests"),
        .testTarget(name: "SQLitePluginTests", dependencies: ["ETLHost", "ETLTestSupport", "CSQLite"], path: "Tests/SQLitePluginTests"),
        .testTarget(name: "JSONLPluginTests", dependencies: ["ETLHost", "ETLTestSupport"], path: "Tests/JSONLPluginTests"),
        .testTarget(name: "AirtablePluginTests", dependencies: ["ETLHost", "ETLTestSupport"], path: "Tests/AirtablePluginTests"),
        .testTarget(name: "RestPluginTests", dependencies: ["ETLHost", "ETLTestSupport"], path: "Tests/RestPluginTests"),
        .testTarget(name: "HTTPSharedTests", dependencies: ["ETLHTTPShared", "ETLPluginKit"], path: "Tests/HTTPSharedTests"),
        .testTarget(name: "PostgresPluginTests", dependencies: ["ETLHost", "ETLTestSupport", "CPostgres"], path: "Tests/PostgresPluginTests"),
    ] + plugins.map(\.1)
)
