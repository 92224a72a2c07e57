import ArgumentParser
import CETLPlugin
import ETLHost
import ETLPluginKit
import ETLWorkflow
import Foundation

/// `etl-host query WAREHOUSE -d ... "SELECT ..."`: one read-only statement
/// through the warehouse plugin's `query` operation, printed as a table,
/// CSV or JSON Lines; with `--as-of`, over the history tables as they were.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run one read-only SQL statement in a warehouse and print its rows (also as the tables were at a past moment).",
        discussion: """
            The statement goes through the warehouse plugin's query operation \
            (the sqlite and postgres plugins have it), so it is the warehouse's \
            own SQL: one read-only statement; names resolve as in a sync (the \
            postgres plugin's schema first, then public).

            --format table (the default) aligns the columns for a terminal: \
            numbers right-aligned, NULL as NULL, line breaks in values as \\n, \
            and a "(N rows)" line. It shows at most \(QueryPrinter.tableRowCap) rows unless \
            --limit says otherwise, then a "... N more rows" line. --format csv \
            is RFC 4180 with a header (CRLF line ends; NULL an empty field, an \
            empty text ""). --format json is JSON Lines: one object per row, \
            keys in column order, numbers as numbers, NULL as null. csv and json \
            print every row unless --limit is given.

            Values are printed exactly: integers and decimals as the warehouse \
            gives them (12.50 stays 12.50), doubles in the shortest form that \
            reads back as the same double (0.1, 1e-05; NaN, Infinity as text), \
            dates 2026-12-06, timestamps ISO 8601 UTC with microseconds \
            (2026-12-06T09:00:00.000000Z), bytes as \\x and hex.

            --as-of TIME reads every table that has a history table (sync \
            --history) as it was at TIME: before the statement runs, each such \
            table name is defined as the versions that were current then \
            (WITH "orders" AS (SELECT ... FROM "orders__history" WHERE \
            _etl_valid_from <= TIME AND (_etl_valid_to IS NULL OR _etl_valid_to > \
            TIME) AND NOT _etl_deleted) ...). A statement that starts with WITH \
            keeps its own definitions; one that defines a history table's name \
            itself keeps that meaning (a note says so). Schema-qualified names \
            (main.orders, shop.orders) and views are not rewritten: they read the \
            current tables. TIME is an ISO 8601 time with its zone \
            (2026-12-01T09:00:00Z), a day (2026-12-01: its start, UTC) or a run \
            id (the moment that run ended), as for `etl-host rebuild --as-of`; \
            it counts to the millisecond. See docs/HISTORY.md.

            Examples:
              etl-host query sqlite -d path=w.db "SELECT * FROM orders ORDER BY id"
              etl-host query sqlite -d path=w.db --format csv "SELECT * FROM t" > t.csv
              etl-host query postgres -d url=@env:DATABASE_URL -d schema=shop \\
                --format json --limit 10 "SELECT id, total FROM orders"
              etl-host query sqlite -d path=w.db --as-of 2026-12-01T09:00:00Z \\
                "SELECT status, count(*) FROM orders GROUP BY status"

            Exit codes: 0 the rows were printed; 64 a bad command line or \
            config, a statement the warehouse refuses (its message and the byte \
            offset in your statement), a warehouse without the query operation, \
            or --as-of on a warehouse without history tables; 65 a value the \
            warehouse cannot return while the rows stream; 1 other failures \
            (the warehouse cannot be reached, I/O); 2 the plugin was refused.
            """
    )

    @Argument(help: "The warehouse plugin (sqlite, postgres, or any with the query operation), or a URI (sqlite:///path.db, postgresql://...).") var warehouse: String
    @Argument(help: "One read-only SQL statement.") var sql: String
    @Option(name: [.customShort("d"), .customLong("dest")], help: ArgumentHelp("Warehouse config, KEY=VALUE (repeatable).", valueName: "key=value"))
    var dest: [String] = []
    @Option(help: ArgumentHelp("table (default), csv or json (JSON Lines).", valueName: "format"))
    var format: Choice<QueryOutputFormat> = Choice("table")
    @Option(help: ArgumentHelp("Print at most N rows (default: every row for csv and json, \(QueryPrinter.tableRowCap) for table).", valueName: "n"))
    var limit: Int?
    @Option(name: .customLong("as-of"), help: ArgumentHelp("Read the tables with history as they were then: an ISO 8601 time with its zone, a day (UTC), or a run id.", valueName: "time"))
    var asOf: String?
    @OptionGroup var registryOptions: RegistryOptions

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    func run() throws {
        try reportingErrors {
            let format = try format.value()
            let registry = try registryOptions.load()
            // A URI or a name; ETL_DESTINATION__<KEY> and ./.env below -d (docs/CONFIGURATION.md).
            let environment = try ProjectEnvironment.variables(folder: ".")
            let side = try ConnectionArguments.resolve(argument: warehouse, side: .destination, flags: dest, environment: environment)!
            let plugin = try registry.load(named: side.plugin, kind: .warehouse)
            let config = try ResolvedPluginConfig(name: side.plugin, plugin: plugin, input: side.input, environment: environment)
            let instance = try PluginInstance(plugin: plugin, configJSON: try ConfigResolver.json(config.resolved))
            defer { instance.close() }
            var statement: AsOfStatement?
            if let asOf {
                let instant = try RebuildPlan.instant(asOf, store: RunStore())
                let rewritten = AsOfStatement(sql: sql, instant: instant, tables: try HistoryCatalog.tables(in: instance))
                for name in rewritten.namesTheStatementDefines {
                    FileHandle.standardError.write(Data("etl-host: note: the statement defines \"\(name)\" itself; that name keeps its meaning and is not read as of \(rewritten.instantLiteral)\n".utf8))
                }
                statement = rewritten
            }
            try Self.printRows(of: instance, sql: statement?.sql ?? sql, format: format, limit: limit, statement: statement)
        }
    }

    /// Runs `sql` through the warehouse's query op and prints its rows on
    /// standard output (`show` uses it too); errors come back as ``refusal(_:_:)`` says.
    static func printRows(of instance: PluginInstance, sql: String, format: QueryOutputFormat, limit: Int?,
                          statement: AsOfStatement?) throws {
        let rows: QueryStream
        do { rows = try instance.query(sql: sql) } catch let error as HostError {
            throw refusal(error, statement)
        }
        defer { rows.close() }
        var printer = QueryPrinter(format: format, limit: limit, schema: rows.schema) { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        do {
            while let batch = try rows.next() {
                guard printer.add(batch) else { break }
            }
        } catch let error as HostError {
            printer.finish()
            throw refusal(error, statement)
        }
        printer.finish()
    }

    /// A refused statement (the plugin's `ETL_ERR_INVALID_ARGUMENT`) or an
    /// operation the warehouse lacks is a usage error (exit 64); offsets in
    /// a rewritten statement are turned back into the user's.
    static func refusal(_ error: HostError, _ statement: AsOfStatement?) -> HostError {
        var error = error
        if let statement { error = error.replacingMessage(with: statement.translating(error.message)) }
        let usage = [ETL_ERR_INVALID_ARGUMENT, ETL_ERR_NOT_IMPLEMENTED].map { Int32($0.rawValue) }
        if let status = error.pluginStatus, usage.contains(status), error.kind == .operationFailed {
            error = error.changingKind(to: .invalidArgument)
        }
        return error
    }
}

extension QueryOutputFormat: NamedChoice {
    static let option = "--format"
    static let listing = "table, csv or json"
    var name: String { rawValue }
}
