@testable import ETLWorkflow
import Testing

/// `etl-host plan`'s three formats, for the whole pipeline and a selection.
@Suite struct PipelinePlanTests {
    static let yaml = """
        name: shop
        connections:
          crm: {plugin: csv, path: crm.csv}
          dwh: {plugin: sqlite, path: dwh.db}
        steps:
          raw_crm:   {sync: {from: crm, to: dwh, streams: [Customers, Orders], mode: upsert, incremental: true, tables: {prefix: crm_}}}
          raw_rates: {sync: {from: {plugin: csv, path: rates.csv}, table: fx_rates}}
          orders:    {needs: [raw_crm, raw_rates], query: "SELECT 1", materialize: view}
          orders_ok: {needs: [orders], check: {table: orders, not_null: [id], row_count: ">0"}}
          export:    {needs: [orders_ok], command: [python3, report.py], timeout: 90s}
        """

    func plan(_ selectors: String...) throws -> PipelinePlan {
        let fixture = try PipelineFixture(Self.yaml)
        let pipeline = try fixture.parse()
        var plan = PipelinePlan(pipeline: pipeline, graph: try StepGraph(pipeline).selecting(selectors.map(StepSelector.parse)))
        plan.file = "etl.yaml"
        return plan
    }

    @Test func text() throws {
        #expect(try plan().text == """
            shop (etl.yaml): 5 steps in 4 layers
            layer 1
              raw_crm    sync     reads crm (Customers, Orders); writes dwh (prefix crm_), upsert incremental
              raw_rates  sync     reads inline csv (all streams); writes dwh.fx_rates
            layer 2
              orders     sql      needs raw_crm, raw_rates; runs inline query in dwh; writes dwh.orders (view)
            layer 3
              orders_ok  check    needs orders; checks dwh.orders (2 assertions, severity error)
            layer 4
              export     command  needs orders_ok; runs python3 report.py (timeout 1m30s)
            """)
        #expect(try plan("orders+").text == """
            shop (etl.yaml): 3 steps in 3 layers
            layer 1
              orders     sql      needs raw_crm (not selected), raw_rates (not selected); runs inline query in dwh; writes dwh.orders (view)
            layer 2
              orders_ok  check    needs orders; checks dwh.orders (2 assertions, severity error)
            layer 3
              export     command  needs orders_ok; runs python3 report.py (timeout 1m30s)
            """)
    }

    @Test func dot() throws {
        #expect(try plan("+orders").dot == #"""
            digraph "shop" {
              rankdir=LR;
              node [shape=box];
              "raw_crm" [label="raw_crm\nsync"];
              "raw_rates" [label="raw_rates\nsync"];
              "orders" [label="orders\nsql"];
              "raw_crm" -> "orders";
              "raw_rates" -> "orders";
            }
            """#)
    }

    @Test func json() throws {
        #expect(try plan("orders_ok+").json == #"""
            {"file":"etl.yaml","layers":[["orders_ok"],["export"]],"pipeline":"shop","steps":[{"kind":"check","layer":1,"name":"orders_ok","needs":["orders"],"reads":["dwh.orders"],"summary":"checks dwh.orders (2 assertions, severity error)","unselected_needs":["orders"],"writes":[]},{"kind":"command","layer":2,"name":"export","needs":["orders_ok"],"reads":[],"summary":"runs python3 report.py (timeout 1m30s)","unselected_needs":[],"writes":[]}]}
            """#)
    }
}
