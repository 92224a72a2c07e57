import ETLPluginKit
import Testing

/// What a CSV file parsed into.
struct ParsedCSV: Equatable, CustomStringConvertible {
    var header: [String]
    var rows: [[String?]]
    var description: String { "\(header) \(rows)" }
}

/// Parses `bytes` with every read size in `readSizes` (cutting records at
/// every position), a 16-byte chunk (forcing compaction and growth) and
/// batches of 2 rows; checks that all runs agree and returns the result,
/// or throws the first run's error (after checking that all runs fail
/// alike).
func parseCSV(_ bytes: [UInt8], delimiter: String = ",", hasHeader: Bool = true,
              readSizes: [Int] = [1, 2, 3, 7, 64, Int.max]) throws -> ParsedCSV {
    let dialect = try CSVDialect(delimiter: delimiter, hasHeader: hasHeader)
    var results: [Result<ParsedCSV, PluginError>] = []
    for readSize in readSizes {
        let reader = CSVReader(input: CSVMemoryInput(bytes, maxReadSize: readSize), fileName: "orders.csv",
                               dialect: dialect, chunkSize: 16)
        do throws(PluginError) {
            let header = try reader.readHeader()
            let builder = try ArrowBatchBuilder(schema: CSVReader.schema(columns: header))
            var rows: [[String?]] = []
            var more = true
            while more {
                more = try reader.readBatch(into: builder, maxRows: 2)
                var array = ArrowArray()
                try builder.finish(into: &array)
                let batch = try ImportedBatch(taking: &array, schema: builder.schema)
                #expect(batch.rowCount <= 2)
                for row in 0..<batch.rowCount {
                    rows.append((0..<batch.columnCount).map { batch.string(row: row, column: $0) })
                }
            }
            #expect(reader.rowsRead == rows.count)
            results.append(.success(ParsedCSV(header: header, rows: rows)))
        } catch {
            results.append(.failure(error))
        }
    }
    for result in results.dropFirst() {
        #expect(result == results[0], "read sizes disagree")
    }
    return try results[0].get()
}

func parseCSV(_ text: String, delimiter: String = ",", hasHeader: Bool = true) throws -> ParsedCSV {
    try parseCSV(Array(text.utf8), delimiter: delimiter, hasHeader: hasHeader)
}

@Suite("CSVReader")
struct CSVReaderTests {
    @Test("plain records")
    func plain() throws {
        #expect(try parseCSV("id,name\n1,Ada\n2,Grace\n3,Linus\n")
            == ParsedCSV(header: ["id", "name"], rows: [["1", "Ada"], ["2", "Grace"], ["3", "Linus"]]))
    }

    @Test("quoted fields: delimiters, doubled quotes, line breaks; \"\" is empty text, an empty field NULL")
    func quoted() throws {
        let text = "id,text\n1,\"a,b\"\n2,\"say \"\"hi\"\"\"\n3,\"line1\nline2\r\nline3\"\n4,\"\"\n5,\n,\"\"\"\"\n"
        #expect(try parseCSV(text) == ParsedCSV(header: ["id", "text"], rows: [
            ["1", "a,b"], ["2", "say \"hi\""], ["3", "line1\nline2\r\nline3"], ["4", ""], ["5", nil],
            [nil, "\""],
        ]))
    }

    @Test("CRLF, LF and lone CR line ends")
    func lineEnds() throws {
        let expected = ParsedCSV(header: ["a", "b"], rows: [["1", "2"], ["3", nil]])
        #expect(try parseCSV("a,b\r\n1,2\r\n3,\r\n") == expected)
        #expect(try parseCSV("a,b\n1,2\n3,\n") == expected)
        #expect(try parseCSV("a,b\r1,2\r3,\r") == expected)
        // In a one-column file a CRLF split in two would show up as NULLs.
        #expect(try parseCSV("a\r\n1\r\n2\r\n") == ParsedCSV(header: ["a"], rows: [["1"], ["2"]]))
        #expect(pluginError { _ = try parseCSV("a,b\r\n1,2\r\n3\r\n") }
            == PluginError.data("orders.csv line 3: expected 2 fields, found 1"))
    }

    @Test("the last record may lack its line break")
    func noFinalNewline() throws {
        #expect(try parseCSV("a,b\n1,2\n3,4") == ParsedCSV(header: ["a", "b"], rows: [["1", "2"], ["3", "4"]]))
        #expect(try parseCSV("a,b\n1,\"x\"") == ParsedCSV(header: ["a", "b"], rows: [["1", "x"]]))
        #expect(try parseCSV("a,b\n1,") == ParsedCSV(header: ["a", "b"], rows: [["1", nil]]))
        #expect(try parseCSV("a,b\r\n1,2\r") == ParsedCSV(header: ["a", "b"], rows: [["1", "2"]]))
    }

    @Test("a UTF-8 byte order mark is dropped")
    func byteOrderMark() throws {
        #expect(try parseCSV([0xEF, 0xBB, 0xBF] + Array("id,näme\n1,é\n".utf8))
            == ParsedCSV(header: ["id", "näme"], rows: [["1", "é"]]))
        #expect(try parseCSV([0xEF, 0xBB, 0xBF] + Array("\"id\"\n1".utf8))
            == ParsedCSV(header: ["id"], rows: [["1"]]))
    }

    @Test("other delimiters: ';' and tab")
    func delimiters() throws {
        #expect(try parseCSV("a;b\n1,5;\"x;y\"\n", delimiter: ";")
            == ParsedCSV(header: ["a", "b"], rows: [["1,5", "x;y"]]))
        #expect(try parseCSV("a\tb\n1\t2\n", delimiter: "\t") == ParsedCSV(header: ["a", "b"], rows: [["1", "2"]]))
    }

    @Test("blank lines are skipped; in a one-column file they are NULLs, except at the end")
    func blankLines() throws {
        #expect(try parseCSV("\na,b\n1,2\n\n3,4\n\n\n") == ParsedCSV(header: ["a", "b"], rows: [["1", "2"], ["3", "4"]]))
        #expect(try parseCSV("a\n1\n\n2\n\r\n\n") == ParsedCSV(header: ["a"], rows: [["1"], [nil], ["2"]]))
    }

    @Test("header names are kept raw, duplicates and empty ones included")
    func rawHeader() throws {
        #expect(try parseCSV("id,,id,\"a \"\"b\"\"\"\n1,2,3,4\n")
            == ParsedCSV(header: ["id", "", "id", "a \"b\""], rows: [["1", "2", "3", "4"]]))
    }

    @Test("without a header the columns are column_1, column_2, ... and the first line is data")
    func noHeader() throws {
        #expect(try parseCSV("1,2\n3,4\n", hasHeader: false)
            == ParsedCSV(header: ["column_1", "column_2"], rows: [["1", "2"], ["3", "4"]]))
    }

    @Test("a header alone gives no rows")
    func headerOnly() throws {
        #expect(try parseCSV("a,b\n") == ParsedCSV(header: ["a", "b"], rows: []))
        #expect(try parseCSV("a,b") == ParsedCSV(header: ["a", "b"], rows: []))
    }

    @Test("a quote inside an unquoted field is an ordinary character")
    func strayQuote() throws {
        #expect(try parseCSV("a,b\nx\"y,2\n") == ParsedCSV(header: ["a", "b"], rows: [["x\"y", "2"]]))
    }

    @Test("a record longer than the chunk is read whole")
    func longRecord() throws {
        let long = String(repeating: "abcdefghij", count: 300)
        #expect(try parseCSV("a,b\n\"\(long)\",\(long)\n1,2\n")
            == ParsedCSV(header: ["a", "b"], rows: [[long, long], ["1", "2"]]))
    }

    @Test("a row with the wrong number of fields names the file and line")
    func wrongFieldCount() {
        #expect(pluginError { _ = try parseCSV("a,b,c,d\n1,2,3,4\n1,2,3,4,5\n") }
            == PluginError.data("orders.csv line 3: expected 4 fields, found 5"))
        // Lines inside quoted fields count.
        #expect(pluginError { _ = try parseCSV("a,b\n\"x\ny\",2\n1\n") }
            == PluginError.data("orders.csv line 4: expected 2 fields, found 1"))
        #expect(pluginError { _ = try parseCSV("a\n1\n2,3\n") }
            == PluginError.data("orders.csv line 3: expected 1 field, found 2"))
    }

    @Test("an unterminated quote names the line where it opened")
    func unterminatedQuote() {
        #expect(pluginError { _ = try parseCSV("a,b\n\"x\ny\",1\n2,\"open\n3,4\n5,6\n") }
            == PluginError.data("orders.csv line 4: quoted field opened here is never closed"))
    }

    @Test("text after a closing quote is refused")
    func textAfterQuote() {
        #expect(pluginError { _ = try parseCSV("a,b\n1,\"x\"y\n") }
            == PluginError.data("orders.csv line 2: field 2 has characters after its closing quote; a quote "
                + "inside a quoted field must be doubled"))
    }

    @Test("invalid UTF-8 names the line, field and byte")
    func invalidUTF8() {
        #expect(pluginError { _ = try parseCSV(Array("a,b\n1,ok\n\"2\n\",x".utf8) + [0xFF] + Array("y\n".utf8)) }
            == PluginError.data("orders.csv line 4, field 2: invalid UTF-8 at byte 2 of the field; convert the "
                + "file to UTF-8"))
        #expect(pluginError { _ = try parseCSV([0x61, 0xC3, 0x0A, 0x31, 0x0A]) }
            == PluginError.data("orders.csv line 1, field 1: invalid UTF-8 at byte 2 of the field; convert the "
                + "file to UTF-8"))
    }

    @Test("an empty file is an error")
    func emptyFile() {
        #expect(pluginError { _ = try parseCSV("") }
            == PluginError.data("orders.csv is empty: expected a header line with the column names"))
        #expect(pluginError { _ = try parseCSV("\n\n", hasHeader: false) }
            == PluginError.data("orders.csv is empty: expected at least one line"))
    }

    @Test("dialects are checked")
    func dialects() {
        #expect(errorMessage { _ = try CSVDialect(delimiter: "::") }
            == "config \"delimiter\" must be a single ASCII character such as \",\" \";\" or \"\\t\"; got \"::\"")
        #expect(errorMessage { _ = try CSVDialect(delimiter: "") }
            == "config \"delimiter\" must be a single ASCII character such as \",\" \";\" or \"\\t\"; got an "
                + "empty string")
        #expect(errorMessage { _ = try CSVDialect(delimiter: "\"") }
            == "config \"delimiter\" and \"quote\" must differ; both are \"\"\"")
        #expect(errorMessage { _ = try CSVDialect(quote: "\n") } == "config \"quote\" cannot be a line break")
    }

    @Test("the columns are untyped utf8")
    func schema() {
        let schema = CSVReader.schema(columns: ["a", "b"])
        #expect(schema.fields.map(\.type) == [.utf8, .utf8])
        #expect(schema.fields.map(\.metadata) == [["etl.untyped": "1"], ["etl.untyped": "1"]])
    }

    @Test("a missing file is reported as not found")
    func missingFile() {
        #expect(pluginError { _ = try CSVFileInput(path: "/nonexistent/orders.csv") }
            == PluginError.notFound("cannot open /nonexistent/orders.csv: No such file or directory"))
    }
}
