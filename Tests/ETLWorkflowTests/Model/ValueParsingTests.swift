@testable import ETLWorkflow
import ETLHost
import Testing

/// Durations, row-count rules and "did you mean".
@Suite struct ValueParsingTests {
    @Test func durations() throws {
        #expect(try PipelineDuration.parse("90s").seconds == 90)
        #expect(try PipelineDuration.parse("10m").seconds == 600)
        #expect(try PipelineDuration.parse("26h").seconds == 93_600)
        #expect(try PipelineDuration.parse("2d").seconds == 172_800)
        #expect(try PipelineDuration.parse("1h30m").seconds == 5_400)
        #expect(PipelineDuration(seconds: 90).description == "1m30s")
        #expect(PipelineDuration(seconds: 93_600).description == "1d2h")
        for bad in ["", "10", "m", "0s", "1.5h", "10 m", "30m1h", "5w", "-1s", "1h1h", "99999999999999999999d"] {
            #expect(throws: PipelineDuration.ParseError(text: bad)) { try PipelineDuration.parse(bad) }
        }
    }

    @Test func rowCountRules() throws {
        #expect(try RowCountRule.parse(">0") == RowCountRule(.greaterThan, 0))
        #expect(try RowCountRule.parse(">=10") == RowCountRule(.atLeast, 10))
        #expect(try RowCountRule.parse("== 3") == RowCountRule(.equal, 3))
        #expect(try RowCountRule.parse("<=5") == RowCountRule(.atMost, 5))
        #expect(try RowCountRule.parse("<1000") == RowCountRule(.lessThan, 1000))
        #expect(try RowCountRule.parse("!=0") == RowCountRule(.notEqual, 0))
        #expect(try RowCountRule.parse(">=10").accepts(10))
        #expect(!(try RowCountRule.parse(">0").accepts(0)))
        for bad in ["", "0", ">", "=>1", ">-1", "> x", ">1.5", "=1"] {
            #expect(throws: RowCountRule.ParseError(text: bad)) { try RowCountRule.parse(bad) }
        }
        #expect(RowCountRule.ParseError(text: ">x").description
            == "'>x' is not a row count condition: write an operator (==, !=, >=, <=, >, <) and a whole number, e.g. \">0\", \">=10\", \"==3\"")
    }

    @Test func suggestions() {
        #expect(KeySuggestion.editDistance("kitten", "sitting") == 3)
        #expect(KeySuggestion.closest(to: "matrialize", in: ["materialize", "into"]) == "materialize")
        #expect(KeySuggestion.closest(to: "frm", in: ["from", "to"]) == "from")
        #expect(KeySuggestion.closest(to: "zzzz", in: ["from", "to"]) == nil)
        #expect(KeySuggestion.hint(for: "upsrt", in: ["replace", "append", "upsert"]) == " (did you mean 'upsert'?)")
    }
}
