import ETLHost
import ETLTestSupport
import Foundation
import Testing

/// Issue 14's whole workflow through the built binary: an Airtable base
/// (the test server) and a CSV file synced into a warehouse, a clean table
/// built in SQL with a view on it, a check of that table, and a command
/// that exports — one run id, every step in `runs show`; a failing check
/// ends the run with exit 3 and names its count; `--resume` after the data
/// is fixed re-runs only the check and what needs it. The same file runs
/// against PostgreSQL with only the `dwh` connection changed.
@Suite struct PipelineRawToCleanTests {
    static let base = "appShopPipeline1"

    nonisolated(unsafe) static let fixture: [String: Any] = ["bases": [["id": base, "tables": [
        [
            "name": "Customers",
            "fields": [["name": "Name", "type": "singleLineText"], ["name": "Email", "type": "email"]],
            "records": [
                ["id": "recCustomer00001", "fields": ["Name": "Ada", "Email": "ada@example.com"]],
                ["id": "recCustomer00002", "fields": ["Name": "Linus", "Email": "linus@example.com"]],
            ],
        ],
        [
            "name": "Orders",
            "fields": [["name": "Ref", "type": "singleLineText"], ["name": "Email", "type": "email"],
                       ["name": "Currency", "type": "singleLineText"], ["name": "Amount", "type": "number", "options": ["precision": 2]]],
            "records": [
                ["id": "recOrder00000001", "fields": ["Ref": "A-1", "Email": "ada@example.com", "Currency": "EUR", "Amount": 10.5]],
                ["id": "recOrder00000002", "fields": ["Ref": "A-2", "Email": "linus@example.com", "Currency": "USD", "Amount": 4]],
                // Nobody has this address: the clean table's customer is NULL, the check fails.
                ["id": "recOrder00000003", "fields": ["Ref": "A-3", "Email": "ghost@example.com", "Currency": "EUR", "Amount": 2]],
            ],
        ],
    ] as [[String: Any]]]]]

    static func yaml(server: AirtableServer, dwh: String = "dwh: {plugin: sqlite, path: dwh.db}") -> String {
        """
        name: shop
        connections:
          crm: {plugin: airtable, base: \(base), api_url: "\(server.url)", token: "@env:AIRTABLE_TOKEN"}
          \(dwh)
        steps:
          raw_crm:   {sync: {from: crm, to: dwh, streams: [Customers, Orders]}}
          raw_rates: {sync: {from: {plugin: csv, path: rates.csv}, to: dwh}}
          clean_orders:
            needs: [raw_crm, raw_rates]
            sql: sql/clean_orders.sql
            into: dwh
          by_customer:
            needs: [clean_orders]
            query: SELECT customer, COUNT(*) AS orders FROM clean_orders GROUP BY customer
            materialize: view
            into: dwh
          orders_ok:
            needs: [clean_orders]
            check: {table: clean_orders, warehouse: dwh, not_null: [customer], unique: [id], row_count: "==3"}
          export:
            needs: [orders_ok]
            command: [sh, -c, 'echo "exported by $ETL_RUN_ID" >> export.txt']
        """
    }

    static let files = [
        "rates.csv": "currency,rate\nEUR,2\nUSD,1\n",
        "sql/clean_orders.sql": """
            SELECT o.ref AS id, c.name AS customer, o.amount * r.rate AS amount_usd
            FROM orders o
            LEFT JOIN customers c ON c.email = o.email
            JOIN rates r ON r.currency = o.currency
            ORDER BY o.ref

            """,
    ]

    static func sha256(_ text: String) -> String {
        var hasher = SHA256()
        hasher.update(Array(text.utf8))
        return hasher.finalizeHex()
    }

    static let environment = ["AIRTABLE_TOKEN": AirtableServer.defaultToken]

    @Test func rawToCleanToCheckedFailsOnTheCheckAndResumesAfterTheFix() throws {
        let server = try AirtableServer(fixture: Self.fixture)
        let sandbox = try PipelineRunSandbox("run-raw-to-clean", yaml: Self.yaml(server: server), files: Self.files)

        let first = try sandbox.run(environment: Self.environment)
        #expect(first.status == 3, "\(first.stdout)\n\(first.stderr)")
        let firstRecord = try #require(try sandbox.pipelineRuns().last)
        let firstID = try #require(firstRecord["id"] as? String)
        #expect(PipelineRunSandbox.states(firstRecord) == ["raw_crm=succeeded/1", "raw_rates=succeeded/1", "clean_orders=succeeded/1",
                                                          "by_customer=succeeded/1", "orders_ok=failed/1", "export=upstream_failed/0"])
        // The check names what failed and how many rows, never a value.
        #expect(first.stderr.contains("""
            step 'orders_ok': 1 of 3 checks on table "clean_orders" failed: not_null "customer": 1 row is NULL
            """), "\(first.stderr)")
        #expect(try sandbox.rows("SELECT id, customer, amount_usd FROM clean_orders ORDER BY id")
                == [["A-1", "Ada", "21.0"], ["A-2", "Linus", "4.0"], ["A-3", nil, "4.0"]])
        #expect(try sandbox.rows("SELECT customer, orders FROM by_customer ORDER BY customer")
                == [[nil, "1"], ["Ada", "1"], ["Linus", "1"]])
        #expect(sandbox.read("export.txt") == nil)

        // The run record keeps the SQL that built the table and each assertion.
        let steps = try #require(firstRecord["steps"] as? [[String: Any]])
        let sql = try #require(steps[2]["sql"] as? [String: Any])
        #expect(sql["source"] as? String == "sql/clean_orders.sql")
        #expect(sql["text"] as? String == Self.files["sql/clean_orders.sql"])
        #expect(sql["sha256"] as? String == Self.sha256(Self.files["sql/clean_orders.sql"]!))
        #expect(sql["target"] as? String == "clean_orders")
        #expect(sql["materialize"] as? String == "table")
        let checks = try #require(steps[4]["checks"] as? [[String: Any]])
        #expect(checks.map { "\($0["kind"] as? String ?? "?")/\($0["passed"] as? Bool ?? false)/\(($0["offending_rows"] as? Int).map(String.init) ?? "-")" }
                == ["not_null/false/1", "unique/true/0", "row_count/true/-"])
        #expect(steps[4]["check_failures"] as? Int == 1)
        #expect(steps[4]["exit_code"] as? Int == 3)

        let show = try sandbox.etlHost(["runs", "show", firstID])
        #expect(show.status == 0, "\(show.stderr)")
        let text = PipelineRunSandbox.masked(show.stdout)
        for line in [
            "  raw_crm       sync     succeeded        1         5     #.##",
            "  clean_orders  sql      succeeded        1         3     #.##",
            "  by_customer   sql      succeeded        1         -     #.##",
            "  orders_ok     check    failed           1         -     #.##",
            "  export        command  upstream_failed  0         -     -",
            "  clean_orders: table \"clean_orders\" from sql/clean_orders.sql (sha256 \((sql["sha256"] as! String).prefix(12))…)",
            "  orders_ok: FAILED: not_null \"customer\": 1 row is NULL",
            "raw_crm: sync run ",
        ] {
            #expect(text.contains(line), "missing \(line) in\n\(text)")
        }

        // The data is fixed in the warehouse; resume re-runs only the check and what needs it.
        let fix = try SQLiteInspector(path: sandbox.project + "/dwh.db", writable: true)
        _ = try fix.rows("UPDATE clean_orders SET customer = 'Grace' WHERE id = 'A-3'")
        try server.clearLog()
        let resumed = try sandbox.run("--resume", firstID, environment: Self.environment)
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        let second = try #require(try sandbox.pipelineRuns().last)
        let secondID = try #require(second["id"] as? String)
        #expect(secondID != firstID)
        #expect(second["resumed_from"] as? String == firstID)
        #expect(PipelineRunSandbox.states(second) == ["raw_crm=skipped/0", "raw_rates=skipped/0", "clean_orders=skipped/0",
                                                     "by_customer=skipped/0", "orders_ok=succeeded/1", "export=succeeded/1"])
        // Nothing was read from Airtable again, the table was not rebuilt.
        #expect(try server.log().filter { $0.endpoint == "list" }.isEmpty)
        #expect(try sandbox.rows("SELECT id, customer FROM clean_orders ORDER BY id") == [["A-1", "Ada"], ["A-2", "Linus"], ["A-3", "Grace"]])
        #expect(sandbox.read("export.txt") == "exported by \(secondID)\n")
    }

    @Test func theSameFileRunsAgainstPostgreSQL() throws {
        let url = try PostgresInspector.serverURL()
        let schema = PostgresInspector.uniqueSchema("raw_to_clean")
        let db = try PostgresInspector(url: url)
        defer { db.dropSchema(schema) }
        let server = try AirtableServer(fixture: Self.fixture)
        let yaml = Self.yaml(server: server, dwh: "dwh: {plugin: postgres, url: \"@env:PIPELINE_PG_URL\", schema: \(schema)}")
        let sandbox = try PipelineRunSandbox("run-raw-to-clean-pg", yaml: yaml, files: Self.files)
        let first = try sandbox.run(environment: Self.environment.merging(["PIPELINE_PG_URL": url]) { $1 })
        #expect(first.status == 3, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stderr.contains("step 'orders_ok': 1 of 3 checks on table \"clean_orders\" failed: not_null \"customer\": 1 row is NULL"),
                "\(first.stderr)")
        let table = PostgresInspector.qualified(schema, "clean_orders")
        let clean = try db.rows("SELECT id, customer, amount_usd::text, pg_typeof(amount_usd)::text FROM \(table) ORDER BY id")
        #expect(clean == [["A-1", "Ada", "21", "double precision"], ["A-2", "Linus", "4", "double precision"], ["A-3", nil, "4", "double precision"]],
                "\(clean)")
        #expect(try db.rows("SELECT customer, orders FROM \(PostgresInspector.qualified(schema, "by_customer")) ORDER BY customer NULLS FIRST")
                == [[nil, "1"], ["Ada", "1"], ["Linus", "1"]])
        let id = try #require(try sandbox.pipelineRuns().last?["id"] as? String)
        try db.execute("UPDATE \(table) SET customer = 'Grace' WHERE id = 'A-3'")
        let resumed = try sandbox.run("--resume", id, environment: Self.environment.merging(["PIPELINE_PG_URL": url]) { $1 })
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(PipelineRunSandbox.states(try #require(try sandbox.pipelineRuns().last))
                == ["raw_crm=skipped/0", "raw_rates=skipped/0", "clean_orders=skipped/0",
                    "by_customer=skipped/0", "orders_ok=succeeded/1", "export=succeeded/1"])
    }
}
