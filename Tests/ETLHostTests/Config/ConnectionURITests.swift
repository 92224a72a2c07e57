import ETLHost
import ETLPluginKit
import Foundation
import Testing

/// Connection URIs: the scheme picks the plugin, the rest becomes its keys
/// (the mapping docs/CONFIGURATION.md states), and bad URIs are exit 64.
@Suite struct ConnectionURITests {
    @Test func fileSchemesGiveThePathAndEachQueryParameterAsAKey() throws {
        let csv = try ConnectionURI("csv:///data/orders%20q1*.csv?delimiter=%3B&header=false")
        #expect(csv.plugin == "csv")
        #expect(csv.settings == ["path=/data/orders q1*.csv", "delimiter=;", "header=false"])
        #expect(try ConnectionURI("jsonl://logs/*.jsonl").settings == ["path=logs/*.jsonl"])
        #expect(try ConnectionURI("jsonl://logs/*.jsonl").plugin == "jsonl")
        let sqlite = try ConnectionURI("SQLITE:///tmp/w.db")
        #expect(sqlite.plugin == "sqlite")
        #expect(sqlite.settings == ["path=/tmp/w.db"])
        #expect(try ConnectionURI("sqlite://w.db").settings == ["path=w.db"])
    }

    @Test func postgresKeepsLibpqParametersInTheURLAndTakesTheOthersAsKeys() throws {
        for scheme in ["postgresql", "postgres"] {
            let uri = try ConnectionURI("\(scheme)://me:pw@db:5432/shop?sslmode=require&schema=raw&application_name=etl")
            #expect(uri.plugin == "postgres")
            #expect(uri.settings == ["url=\(scheme)://me:pw@db:5432/shop?sslmode=require&application_name=etl", "schema=raw"])
        }
        #expect(try ConnectionURI("postgresql://db/shop").settings == ["url=postgresql://db/shop"])
    }

    @Test func badURIsAreUsageErrorsThatSayWhatIsWrong() {
        func message(_ text: String) -> String? {
            do { _ = try ConnectionURI(text); return nil } catch let error as HostError {
                #expect(error.exitStatus == .usage)
                return error.message
            } catch { return "\(error)" }
        }
        #expect(message("mysql://db/shop") == "unknown connection URI scheme 'mysql://'; known: csv://, jsonl://, sqlite://, postgresql://, postgres:// (for another plugin, name it and give its keys with -s/-d KEY=VALUE)")
        #expect(message("sqlite://") == "sqlite://: the URI names no path (e.g. sqlite:///abs/path or sqlite://relative/path)")
        #expect(message("csv:///a%zz.csv") == "csv://: the path '/a%zz.csv' has a malformed %-escape (write % as %25)")
        #expect(message("csv:///a.csv?delimiter") == "'csv://': the query parameter 'delimiter' is not KEY=VALUE")
    }

    @Test func onlyTextWithASchemeIsAURI() {
        #expect(ConnectionURI.isURI("csv:///a.csv"))
        #expect(ConnectionURI.isURI("postgresql://db"))
        #expect(!ConnectionURI.isURI("csv"))
        #expect(!ConnectionURI.isURI("./my plugin"))
        #expect(!ConnectionURI.isURI("://x"))
    }

    @Test func locationsHideThePasswordAndMakePathsAbsolute() {
        #expect(ConnectionURI.redactingPassword("postgresql://me:s3cret@db/shop") == "postgresql://me:***@db/shop")
        #expect(ConnectionURI.redactingPassword("postgresql://me@db/shop") == "postgresql://me@db/shop")
        #expect(WarehouseLocation.text(plugin: "sqlite", config: ["path": .string("w.db")], secrets: [], folder: "/tmp/p") == "sqlite:///tmp/p/w.db")
        #expect(WarehouseLocation.text(plugin: "sqlite", config: [:], secrets: [], folder: "/tmp/p") == "sqlite:///tmp/p/warehouse.db")
        #expect(WarehouseLocation.text(plugin: "postgres", config: ["url": .string("postgresql://me:s3cret@db/shop?sslmode=require"), "schema": .string("raw")],
                                       secrets: ["postgresql://me:s3cret@db/shop?sslmode=require"]) == "postgresql://me:***@db/shop?sslmode=require&schema=raw")
        #expect(WarehouseLocation.text(plugin: "postgres", config: [:], secrets: []) == "postgres (server from PG* variables)")
        #expect(WarehouseLocation.text(plugin: "csvdir", config: ["folder": .string("out"), "token": .string("s3cret")], secrets: ["s3cret"]) == "csvdir (folder=out)")
    }

    @Test func environmentVariablesNameThePluginAndOneKeyEach() {
        let environment = ["ETL_SOURCE": "csv", "ETL_SOURCE__PATH": "a.csv", "ETL_SOURCE__DELIMITER": ";", "ETL_SOURCE__": "x",
                           "ETL_DESTINATION__PATH": "w.db", "ETL_SOURCES__PATH": "no", "PATH": "/bin"]
        #expect(EnvironmentConfig.plugin(.source, in: environment) == "csv")
        #expect(EnvironmentConfig.plugin(.destination, in: environment) == nil)
        #expect(EnvironmentConfig.settings(.source, in: environment) == ["delimiter=;", "path=a.csv"])
        #expect(EnvironmentConfig.settings(.destination, in: environment) == ["path=w.db"])
        #expect(EnvironmentConfig.variable(.destination, key: "path") == "ETL_DESTINATION__PATH")
    }
}
