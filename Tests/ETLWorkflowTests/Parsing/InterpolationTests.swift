@testable import ETLWorkflow
import Foundation
import Testing

/// `${VAR}` from the environment and the `.env` file next to the pipeline.
@Suite struct InterpolationTests {
    @Test func substitutesEscapesAndRefuses() {
        let interpolation = Interpolation(variables: ["A": "1", "B_2": "two"])
        #expect(interpolation.apply("x${A}y${B_2}") == .success("x1ytwo"))
        #expect(interpolation.apply("cost: $5, $${A} stays") == .success("cost: $5, ${A} stays"))
        #expect(interpolation.apply("${MISSING}") == .failure(.undefined("MISSING")))
        #expect(interpolation.apply("${A") == .failure(.malformed("${A")))
        #expect(interpolation.apply("${1A}") == .failure(.malformed("${1A}")))
    }

    @Test func theEnvironmentWinsOverDotEnvAndValuesAreTypedAfterSubstitution() throws {
        let fixture = try PipelineFixture("""
            connections:
              pg:
                plugin: postgres
                url: "postgresql://${PGUSER}@localhost:${PGPORT}/db"
                port: ${PGPORT}
                note: "$${KEEP}"
            steps:
              load: {sync: {from: {plugin: csv, path: "${DATA}/a.csv"}, to: pg}}
            """, files: [".env": """
                # a comment, then a blank line

                PGUSER=from_file
                export PGPORT=5433   # trailing comment
                DATA='data dir'
                QUOTED="a\\"b"
                """])
        let pipeline = try fixture.parse(environment: ["PGUSER": "from_env"])
        let pg = try #require(pipeline.connection(named: "pg"))
        #expect(pg.config["url"] == .string("postgresql://from_env@localhost:5433/db"))
        #expect(pg.config["port"] == .integer(5433))
        #expect(pg.config["note"] == .string("${KEEP}"))
        guard case .sync(let sync) = pipeline.steps[0].kind, case .inline(let source) = sync.from else {
            Issue.record("no inline source"); return
        }
        #expect(source.config["path"] == .string("data dir/a.csv"))
    }

    @Test func anUndefinedVariableIsNamedWithItsPlace() throws {
        let fixture = try PipelineFixture("""
            connections:
              crm: {plugin: airtable, base: "${AIRTABLE_BASE}"}
            steps:
              hi: {command: [echo, "${GREETING}", "${1X}"]}
            """, files: [".env": "GOOD=1\nnot a line\n9X=2\nQ=\"open\n"])
        #expect(fixture.problems() == [
            ".env:2:1: expected KEY=VALUE, found 'not a line'",
            ".env:3:1: '9X' is not a variable name (a letter or _, then letters, digits or _)",
            ".env:4:1: Q: the value's quote \" is not closed",
            "etl.yaml:2:33: undefined variable ${AIRTABLE_BASE}: set it in the environment or in the .env file next to the pipeline file (write $${ for a literal ${)",
            "etl.yaml:4:24: undefined variable ${GREETING}: set it in the environment or in the .env file next to the pipeline file (write $${ for a literal ${)",
            "etl.yaml:4:39: malformed variable reference '${1X}': write ${NAME} (a letter or _, then letters, digits or _), or $${ for a literal ${",
        ])
    }
}
