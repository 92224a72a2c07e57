import Foundation

/// The files `etl-host init` writes: a pipeline that runs as written on a
/// sample CSV it also writes, an `.env.example`, a `.gitignore` for
/// warehouse files and secrets, and a project `registry.json` (empty) for
/// the project's plugin pins.
struct ProjectSkeleton {
    /// One file: its path in the project folder and its text.
    struct File {
        var path: String
        var text: String
    }

    /// The pipeline's name (the folder's name, made a valid name).
    var name: String

    /// A valid pipeline name from a folder name: letters, digits, `_` and
    /// `-`, starting with a letter or `_` (`project` when nothing is left).
    static func pipelineName(folder: String) -> String {
        let cleaned = String(folder.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-") ? Character(scalar) : "_"
        })
        guard let first = cleaned.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else {
            return cleaned.isEmpty ? "project" : "p_" + cleaned
        }
        return cleaned
    }

    /// The files, in the order they are written.
    var files: [File] {
        [
            File(path: "etl.yaml", text: """
                # The pipeline of this project (every key: docs/PIPELINES.md of etl-host).
                #   etl-host validate     check this file (and --connect: open every connection)
                #   etl-host plan         its steps, in the order they run
                #   etl-host run          run them under one run id; `etl-host runs` lists the runs
                #   etl-host show example the rows the first step loaded
                # Paths are relative to this file's folder. ${VAR} reads the environment, then .env.
                name: \(name)
                connections:
                  warehouse: {plugin: sqlite, path: warehouse.db}
                  # a PostgreSQL warehouse instead: {plugin: postgres, url: "@env:DATABASE_URL", schema: raw}
                steps:
                  raw_example:
                    sync: {from: {plugin: csv, path: data/example.csv}, to: warehouse, table: example}
                  example_ok:
                    needs: [raw_example]
                    check: {table: example, not_null: [id], unique: [id], row_count: ">0"}

                """),
            File(path: "data/example.csv", text: """
                id,name,amount
                1,Ada,12.5
                2,Grace,7.25
                3,Linus,3.75

                """),
            File(path: ".env.example", text: """
                # Copy to .env (which .gitignore keeps out of git) and fill in. etl-host reads
                # .env in the project folder; a variable set in the environment wins over it.
                # A pipeline file reads these as ${NAME}, or as "@env:NAME" for a secret.
                # DATABASE_URL=postgresql://me:password@localhost:5432/analytics
                # AIRTABLE_TOKEN=pat...
                #
                # `etl-host sync` with no plugin arguments reads its plugins from ETL_SOURCE and
                # ETL_DESTINATION (a name or a URI) and each config key from
                # ETL_SOURCE__<KEY> / ETL_DESTINATION__<KEY> (docs/CONFIGURATION.md):
                # ETL_SOURCE=csv:///path/to/data/*.csv
                # ETL_DESTINATION=sqlite
                # ETL_DESTINATION__PATH=warehouse.db
                #
                # Keep the run history and snapshots in the project (git ignores the folder):
                # ETL_STATE_DIR=.etl-state

                """),
            File(path: ".gitignore", text: """
                # etl-host: warehouse files, secrets and local state
                *.db
                *.db-journal
                *.db-wal
                *.db-shm
                .env
                .etl-state/

                """),
            File(path: "registry.json", text: """
                {
                  "plugins" : [

                  ],
                  "registry_version" : 1
                }

                """),
        ]
    }
}
