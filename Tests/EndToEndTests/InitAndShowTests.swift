import ETLTestSupport
import Foundation
import Testing

/// `etl-host init` (a project folder whose pipeline runs as written) and
/// `etl-host show TABLE` (a table's first rows).
@Suite struct InitAndShowTests {
    @Test func initThenRunInThatFolderLoadsTheSampleAndShowPrintsIt() throws {
        let sandbox = try CLISandbox("init-run")
        let created = try sandbox.etlHost(["init", "my shop"])
        #expect(created.status == 0, "\(created.stderr)")
        let project = sandbox.root + "/my shop"
        #expect(created.stdout == """
            Wrote etl.yaml, data/example.csv, .env.example, .gitignore, registry.json in \(project)
            Next: cd 'my shop' && etl-host run && etl-host show example

            """)
        for file in ["etl.yaml", "data/example.csv", ".env.example", ".gitignore", "registry.json"] {
            #expect(FileManager.default.fileExists(atPath: project + "/" + file), "\(file)")
        }
        let gitignore = String(decoding: FileManager.default.contents(atPath: project + "/.gitignore") ?? Data(), as: UTF8.self)
        #expect(gitignore.contains("\n*.db\n") && gitignore.contains("\n.env\n") && gitignore.contains("\n.etl-state/\n"))
        let example = String(decoding: FileManager.default.contents(atPath: project + "/.env.example") ?? Data(), as: UTF8.self)
        #expect(example.contains("\n# ETL_STATE_DIR=.etl-state\n") && example.contains("\n# ETL_DESTINATION__PATH=warehouse.db\n"))

        let validate = try sandbox.etlHost(["validate"], in: project)
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        let run = try sandbox.etlHost(["run"], in: project)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let db = try SQLiteInspector(path: project + "/warehouse.db")
        #expect(try db.rows("SELECT id, name, amount FROM example ORDER BY id") == [["1", "Ada", "12.5"], ["2", "Grace", "7.25"], ["3", "Linus", "3.75"]])
        // The project's registry.json is read (first in the folder) and adds nothing.
        let plugins = try sandbox.etlHost(["plugins", "list"], in: project)
        #expect(plugins.status == 0, "\(plugins.stderr)")

        let show = try sandbox.etlHost(["show", "example"], in: project)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout == """
            id  name   amount
            --  -----  ------
             1  Ada      12.5
             2  Grace    7.25
             3  Linus    3.75
            (3 rows)

            """)
        let limited = try sandbox.etlHost(["show", "example", "sqlite", "-d", "path=warehouse.db", "--limit", "1", "--format", "json"], in: project)
        #expect(limited.status == 0, "\(limited.stderr)")
        #expect(limited.stdout == #"{"id":1,"name":"Ada","amount":12.5}"# + "\n")
        let pipelineRuns = try sandbox.etlHost(["runs", "--json"], in: project)
        #expect(pipelineRuns.stdout.contains("\"pipeline\" : \"my_shop\""), "\(pipelineRuns.stdout)")
    }

    @Test func initRefusesToOverwriteAndNamesTheFilesUnlessForced() throws {
        let sandbox = try CLISandbox("init-exists")
        try sandbox.write("name: mine\nsteps: {}\n", to: "etl.yaml")
        try sandbox.write("KEEP=1\n", to: ".gitignore")
        let refused = try sandbox.etlHost(["init"])
        #expect(refused.status == 64)
        #expect(refused.stderr == "etl-host: error: . already has etl.yaml, .gitignore; nothing was written (--force overwrites them)\n")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/.env.example"))
        #expect(String(decoding: FileManager.default.contents(atPath: sandbox.root + "/etl.yaml") ?? Data(), as: UTF8.self) == "name: mine\nsteps: {}\n")
        let forced = try sandbox.etlHost(["init", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(String(decoding: FileManager.default.contents(atPath: sandbox.root + "/etl.yaml") ?? Data(), as: UTF8.self).contains("raw_example:"))
    }

    @Test func showOfAMissingTableIsExit64NamingIt() throws {
        let sandbox = try CLISandbox("show-missing")
        try sandbox.write("id\n1\n", to: "a.csv")
        #expect(try sandbox.etlHost(["sync", "csv", "sqlite", "-s", "path=a.csv", "--quiet"]).status == 0)
        let missing = try sandbox.etlHost(["show", "nope"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("no such table: nope"), "\(missing.stderr)")
        let negative = try sandbox.etlHost(["show", "a", "--limit", "-1"])
        #expect(negative.status == 64)
    }
}
