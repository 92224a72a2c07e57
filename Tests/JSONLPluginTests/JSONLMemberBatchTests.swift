import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The `members` shape (the default): each top-level member's JSON text
/// in a column of its own, found by the scan that validates the line; the
/// records that do not fit travel whole in `_record`.
@Suite("The jsonl plugin's member batches")
struct JSONLMemberBatchTests {
    /// The batches of `text` read as stream `s`.
    private func batches(_ text: String) throws -> (schema: ArrowBatchSchema, batches: [ImportedBatch]) {
        let folder = try JSONLPlugin.folder(["s.jsonl": text])
        let reader = try JSONLPlugin.open(["path": "\(folder)/s.jsonl"]).read(stream: "s")
        var batches: [ImportedBatch] = []
        while let batch = try reader.next() { batches.append(batch) }
        return (reader.schema, batches)
    }

    /// Field names, with `*` after member columns and `!` after the record column.
    private func names(_ schema: ArrowBatchSchema) -> [String] {
        schema.fields.map { field in
            field.name + (field.annotation == .member ? "*" : field.annotation == .record ? "!" : "")
        }
    }

    /// Per row: the member columns' values (`-` for null), then `_record`.
    private func cells(_ batch: ImportedBatch) -> [[String]] {
        (0..<batch.rowCount).map { row in
            (1..<batch.schema.fields.count).map { batch.string(row: row, column: $0) ?? "-" }
        }
    }

    @Test("each member's JSON text byte for byte, keys in first-seen order, null and missing as null")
    func memberText() throws {
        let (schema, batches) = try batches("""
            {"id":1,"name":"Ada \\"A\\" \\u00e9","tags":[1, {"x": null}],"ok":true}
            { "id" : 12.50 , "note": null, "name":"", "extra":{"a":1e3}}
            {"ok":false,"id":-0,"big":12345678901234567890}

            """)
        #expect(names(schema) == ["_line", "id*", "name*", "tags*", "ok*", "note*", "extra*", "big*", "_record!"])
        #expect(schema.fields[0].type == .int64 && !schema.fields[0].nullable)
        #expect(schema.fields[1].metadata["etl.member"] == "1")
        #expect(schema.fields[1].type == .utf8 && schema.fields.last!.nullable)
        #expect(batches.count == 1)
        let batch = batches[0]
        #expect((0..<3).map { batch.int64(row: $0, column: 0) } == [1, 2, 3])
        #expect(cells(batch) == [
            ["1", #""Ada \"A\" \u00e9""#, #"[1, {"x": null}]"#, "true", "-", "-", "-", "-"],
            ["12.50", #""""#, "-", "-", "-", #"{"a":1e3}"#, "-", "-"],
            ["-0", "-", "-", "false", "-", "-", "12345678901234567890", "-"],
        ])
    }

    @Test("a record that does not fit travels whole, and the sample's keys stop at the first one")
    func oddRecords() throws {
        let lines = [
            #"{"a":1,"b":2}"#,
            #"{"a":3,"a":4}"#,          // a repeated key: whole; the sample's keys stop here
            #"{"a":5,"c":6}"#,          // c first seen after the stop: whole
            #"{"b":7,"a":8}"#,          // fits, in another order
            #"{"a":null,"a":9}"#,       // repeated after a null: whole
            #"{"\u0000k":1}"#,          // a NUL key: whole (the host refuses it by name)
            #"{"a#2":1}"#,              // a repeat's name: whole
            #"{"_line":1}"#, #"{"_record":1}"#, #"{"":1}"#,
            #"{"a":10}"#,
        ]
        let (schema, batches) = try batches(lines.joined(separator: "\n"))
        #expect(names(schema) == ["_line", "a*", "b*", "_record!"])
        let batch = try #require(batches.first)
        #expect(cells(batch) == [
            ["1", "2", "-"], ["-", "-", lines[1]], ["-", "-", lines[2]], ["8", "7", "-"], ["-", "-", lines[4]],
            ["-", "-", lines[5]], ["-", "-", lines[6]], ["-", "-", lines[7]], ["-", "-", lines[8]], ["-", "-", lines[9]],
            ["10", "-", "-"],
        ])
    }

    @Test("a key first seen after the first batch travels whole, in the batch where it comes")
    func lateKey() throws {
        var text = ""
        for index in 1...65_536 { text += #"{"i":\#(index)}"# + "\n" }
        text += #"{"i":65537,"late":"x"}"# + "\n" + #"{"i":65538}"# + "\n"
        let (schema, batches) = try batches(text)
        #expect(names(schema) == ["_line", "i*", "_record!"])
        #expect(batches.map(\.rowCount) == [65_536, 2])
        #expect(cells(batches[1]) == [["-", #"{"i":65537,"late":"x"}"#], ["65538", "-"]])
        #expect(batches[0].nullCount(column: 2) == 65_536)
    }

    @Test("at most 1,024 keys get a column: a wider record travels whole")
    func wide() throws {
        let narrow = "{" + (1...1_024).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}"
        let wider = "{" + (1...1_025).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}"
        let (schema, batches) = try batches(narrow + "\n" + wider + "\n" + narrow + "\n")
        #expect(schema.fields.count == 1 + 1_024 + 1)
        let batch = try #require(batches.first)
        #expect(batch.string(row: 0, column: 1_024) == "1024")
        #expect(batch.string(row: 1, column: 1_025) == wider)
        #expect(batch.string(row: 2, column: 1) == "1")
        let (alone, _) = try self.batches(wider + "\n")
        #expect(names(alone) == ["_line", "_record!"])
    }

    @Test("a host of ABI 1.3 gets whole lines (it would read member columns as text), a host of 1.4 members")
    func olderHost() throws {
        let folder = try JSONLPlugin.folder(["s.jsonl": "{\"a\":1,\"b\":\"x\"}\n{\"a\":2}\n"])
        let host = folder + "/old_host"
        let compiled = try TestSupport.run("/usr/bin/env", ["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", TestSupport.includeDirectory,
                                                            TestSupport.repositoryRoot + "/Tests/Fixtures/OldHost/old_host.c", "-ldl", "-o", host])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let config = #"{"path": "\#(folder)/s.jsonl"}"#
        let old = try TestSupport.run(host, [JSONLPlugin.libraryPath, "3", config, "s"])
        #expect(old.status == 0, "\(old.stderr)")
        #expect(old.stdout == "_record u etl.record=1\n_line l\nrows 2\n")
        let current = try TestSupport.run(host, [JSONLPlugin.libraryPath, "4", config, "s"])
        #expect(current.status == 0, "\(current.stderr)")
        #expect(current.stdout == "_line l\na u etl.member=1\nb u etl.member=1\n_record u etl.record=1\nrows 2\n")
    }

    @Test("a cancel while the first batch is read at open stops the read there")
    func cancelWhileSampling() throws {
        var text = ""
        for index in 1...70_000 { text += #"{"i":\#(index)}"# + "\n" }
        let folder = try JSONLPlugin.folder(["c.jsonl": text])
        let instance = try JSONLPlugin.open(["path": "\(folder)/c.jsonl"])
        instance.cancel()
        let error = hostError { _ = try instance.read(stream: "c") }
        #expect(error?.pluginStatus == PluginError.Code.cancelled.rawValue)
        #expect(error?.message.contains("reading stream \"c\" was cancelled") == true, "\(error?.message ?? "")")
    }

    @Test("an empty file: no member columns, no rows")
    func empty() throws {
        let (schema, batches) = try batches("\n\n")
        #expect(names(schema) == ["_line", "_record!"])
        #expect(batches.allSatisfy { $0.rowCount == 0 })
    }

    @Test("a malformed line in the sample fails the first batch with the usual text, as in the lines shape")
    func malformedInSample() throws {
        let folder = try JSONLPlugin.folder(["s.jsonl": "{\"a\":1}\n{\"a\":2,}\n{\"a\":3}\n"])
        let reader = try JSONLPlugin.open(["path": "\(folder)/s.jsonl"]).read(stream: "s")
        #expect(names(reader.schema) == ["_line", "a*", "_record!"])
        let error = hostError { _ = try reader.next() }
        #expect(error?.message == "plugin 'jsonl': stream 's': \(folder)/s.jsonl line 2, column 8: expected a string key after ',' [ETL_ERR_DATA]")
        #expect(error?.kind == .badData)
    }
}
