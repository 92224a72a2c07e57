@testable import ETLWorkflow
import Testing

@Suite("view replacement: the way per warehouse, and the one-statement drop + create for PostgreSQL")
struct ViewReplacementTests {
    @Test("PostgreSQL replaces with CREATE OR REPLACE; SQLite and unknown warehouses drop then create")
    func wayPerWarehouse() {
        #expect(ViewReplacement(warehouse: "postgres") == .createOrReplace)
        #expect(ViewReplacement(warehouse: "sqlite") == .dropThenCreate)
        #expect(ViewReplacement(warehouse: "duckdb") == .dropThenCreate)
    }

    @Test("the DO block's dollar-quote tags never occur in the statements it runs")
    func dollarQuoteTags() {
        #expect(ViewMaterializer.dropAndCreateInOneStatement(view: "\"v\"", create: "CREATE VIEW \"v\" AS SELECT 1")
            == "DO $etl_do$ BEGIN EXECUTE $etl_sql$DROP VIEW \"v\"$etl_sql$; EXECUTE $etl_sql$CREATE VIEW \"v\" AS "
            + "SELECT 1$etl_sql$; END $etl_do$")
        let create = "CREATE VIEW \"v\" AS SELECT '$etl_sql$ $etl_sql1$ $etl_do$' AS tags"
        #expect(ViewMaterializer.dropAndCreateInOneStatement(view: "\"v\"", create: create)
            == "DO $etl_do1$ BEGIN EXECUTE $etl_sql2$DROP VIEW \"v\"$etl_sql2$; EXECUTE $etl_sql2$\(create)$etl_sql2$; "
            + "END $etl_do1$")
    }
}
