import ETLPluginKit
import Foundation

/// Where a warehouse is, in one short text a user can paste back into
/// `etl-host show` or `sync`: a ``ConnectionURI`` for the bundled
/// warehouses (`sqlite:///abs/path.db`, the PostgreSQL URI without its
/// password, `?schema=` added), else the plugin's name and its non-secret
/// keys.
///
/// ```swift
/// WarehouseLocation.text(plugin: "sqlite", config: ["path": "w.db"], secrets: [], folder: "/tmp/p")
/// // "sqlite:///tmp/p/w.db"
/// WarehouseLocation.text(plugin: "postgres", config: ["url": "postgresql://me:pw@db/shop", "schema": "raw"], secrets: [])
/// // "postgresql://me:***@db/shop?schema=raw"
/// ```
public enum WarehouseLocation {
    /// The location of `plugin` configured by `config` (resolved values);
    /// a key whose value is one of `secrets` (the resolved values of secret
    /// keys) is never shown, a PostgreSQL URI's password never; relative
    /// paths are made absolute against `folder`.
    public static func text(plugin: String, config: JSONObject, secrets: [String],
                            folder: String = FileManager.default.currentDirectoryPath) -> String {
        switch plugin {
        case "sqlite":
            // The plugin's default file (its schema's "default").
            let path = config["path"]?.stringValue ?? "warehouse.db"
            return "sqlite://" + absolute(path, folder: folder)
        case "postgres":
            let schema = config["schema"]?.stringValue.map { "schema=\($0)" }
            guard let url = config["url"]?.stringValue else {
                return "postgres (server from PG* variables\(schema.map { ", " + $0 } ?? ""))"
            }
            guard ConnectionURI.isURI(url) else { return "postgres (url as key=value\(schema.map { ", " + $0 } ?? ""))" }
            let shown = ConnectionURI.redactingPassword(url)
            guard let schema else { return shown }
            return shown + (shown.contains("?") ? "&" : "?") + schema
        default:
            let keys = config.keys.sorted().filter { key in !secrets.contains(config[key]?.stringValue ?? "\u{0}") }
            let shown = keys.map { "\($0)=\(config[$0]?.plainText ?? "")" }.joined(separator: " ")
            return shown.isEmpty ? plugin : "\(plugin) (\(shown))"
        }
    }

    private static func absolute(_ path: String, folder: String) -> String {
        path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
    }
}
