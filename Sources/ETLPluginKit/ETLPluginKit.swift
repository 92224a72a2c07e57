// ETLPluginKit: the Swift SDK for etl-host plugin authors, and the host's
// Arrow toolkit.
//
// Every Swift plugin links its own private copy of this module, so nothing
// here may rely on Swift types, singletons or class identity being shared
// with the host: everything that crosses the boundary is a C struct from
// etl_plugin.h.
//
// Map of the module:
//   ABI/      constants of etl_plugin.h, safe access to size-versioned structs,
//             the toolchain identity
//   Arrow/    building ("+s" batches, schemas, metadata) and reading
//             (validated import) of Arrow C Data Interface structs
//   Stream/   ArrowArrayStream export from a Swift batch source (the host
//             reads streams with its own ArrowStreamReader)
//   Plugin/   the Extractor and Warehouse protocols, the entry point and
//             the C trampolines behind them
//   CSV/      a fast RFC 4180 reader that fills batch builders

/// The C contract (`etl_plugin.h`): re-exported so that a plugin's entry
/// point can name `etl_host_api`, `etl_plugin` and `etl_error` with a
/// single `import ETLPluginKit`.
@_exported import CETLPlugin
