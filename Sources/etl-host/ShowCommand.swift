import ArgumentParser
import ETLHost
import ETLPluginKit
import ETLWorkflow
import Foundation

/// `etl-host show TABLE [WAREHOUSE|URI]`: a loaded table's first rows,
/// printed as `etl-host query` prints them.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the first rows of a table in a warehouse (where a sync loaded them).",
        discussion: """
            The same as `etl-host query WAREHOUSE "SELECT * FROM \\"TABLE\\""` with a \
            limit: the rows in the warehouse's own order, values printed exactly \
            (see `etl-host query --help`). The warehouse is a plugin name with -d \
            KEY=VALUE keys, or a URI (sqlite:///abs/path.db, sqlite://relative.db, \
            postgresql://user@host/db?schema=raw), as the "loaded into" lines of \
            `etl-host sync` print it; without one, $ETL_DESTINATION (and its \
            ETL_DESTINATION__<KEY> variables, also from ./.env), else sqlite with \
            its default file ./warehouse.db. TABLE is one name, quoted as written \
            (a PostgreSQL table is looked up in the plugin's schema, -d schema=...).

            Examples:
              etl-host show orders                               ./warehouse.db
              etl-host show orders sqlite:///srv/dwh.db --limit 5
              etl-host show orders postgresql://me@db/shop?schema=raw --format csv
              etl-host show orders sqlite -d path=dwh.db --format json --limit 0

            Exit codes: 0 the rows were printed; 64 a bad command line or config, \
            or a table the warehouse does not have; 1 the warehouse cannot be \
            reached; 2 the plugin was refused.
            """
    )

    @Argument(help: "The table's name.") var table: String
    @Argument(help: "The warehouse plugin or a URI (default: $ETL_DESTINATION, else sqlite).") var warehouse: String?
    @Option(name: [.customShort("d"), .customLong("dest")], help: ArgumentHelp("Warehouse config, KEY=VALUE (repeatable).", valueName: "key=value"))
    var dest: [String] = []
    @Option(help: ArgumentHelp("Print at most N rows (default 20; 0 prints none).", valueName: "n"))
    var limit: Int = 20
    @Option(help: ArgumentHelp("table (default), csv or json (JSON Lines).", valueName: "format"))
    var format: Choice<QueryOutputFormat> = Choice("table")
    @OptionGroup var registryOptions: RegistryOptions

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
    }

    func run() throws {
        try reportingErrors {
            let format = try format.value()
            let environment = try ProjectEnvironment.variables(folder: ".")
            let side = try ConnectionArguments.resolve(argument: warehouse, side: .destination, flags: dest, filePlugin: "sqlite",
                                                       environment: environment)!
            let plugin = try registryOptions.load().load(named: side.plugin, kind: .warehouse)
            let config = try ResolvedPluginConfig(name: side.plugin, plugin: plugin, input: side.input, environment: environment)
            let instance = try PluginInstance(plugin: plugin, configJSON: try ConfigResolver.json(config.resolved))
            defer { instance.close() }
            let sql = "SELECT * FROM \"\(table.replacingOccurrences(of: "\"", with: "\"\""))\""
            try QueryCommand.printRows(of: instance, sql: sql, format: format, limit: limit, statement: nil)
        }
    }
}
