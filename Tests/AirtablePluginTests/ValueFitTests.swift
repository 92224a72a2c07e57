import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// A value that does not fit its column is never loaded as something else
/// (NULL, a rounded number): its record is set aside through the host's
/// `reject` (`--max-bad-rows`) or the stream fails naming table, record
/// and field.
@Suite("airtable: values that do not fit their column")
struct ValueFitTests {
    static let base = "appFit00000000001"

    /// One record per misfit, after one good record: (field, value, what the reason says).
    static var misfits: [(field: String, value: Any, reason: String)] { [
        ("Count", "many", #"field "Count" (Airtable type number, loaded as integer): a value is a string, not a whole number"#),
        ("Count", 4.5, #"field "Count" (Airtable type number, loaded as integer): a value is a number that is not a whole number in range, not a whole number"#),
        ("Count", ["specialValue": "NaN"], #"field "Count" (Airtable type number, loaded as integer): a value is an object, not a whole number"#),
        ("Ratio", "n/a", #"field "Ratio" (Airtable type number, loaded as number): a value is a string, not a number"#),
        ("Day", "10/12/1815", #"field "Day" (Airtable type date, loaded as date): a value is text in another format, not a date (YYYY-MM-DD)"#),
        ("When", "yesterday", #"field "When" (Airtable type dateTime, loaded as timestamp): a value is text in another format, not an ISO 8601 date and time"#),
        ("Done", "yes", #"field "Done" (Airtable type checkbox, loaded as boolean): a value is a string, not true or false"#),
        ("Name", 12, #"field "Name" (Airtable type singleLineText, loaded as string): a value is a number, not a string"#),
        ("Due", "2024-03-02T10:00:00.000Z", #"field "Due" (Airtable type formula, loaded as date): a value is text in another format, not a date (YYYY-MM-DD)"#),
        ("Flag", ["specialValue": "Infinity"], #"field "Flag" (Airtable type formula, loaded as boolean): a value is the special number Infinity, not true or false"#),
        ("Calc", ["specialValue": "Tomorrow"], #"field "Calc" (Airtable type formula, loaded as number): a value is the special value "Tomorrow", not a number"#),
    ] }

    static func recordID(_ index: Int) -> String { String(format: "recFIT%011d", index) }

    static func server() throws -> AirtableServer {
        let fields: [[String: Any]] = [
            ["name": "Name", "type": "singleLineText"],
            ["name": "Count", "type": "number", "options": ["precision": 0]],
            ["name": "Ratio", "type": "number", "options": ["precision": 2]],
            ["name": "Day", "type": "date"],
            ["name": "When", "type": "dateTime"],
            ["name": "Done", "type": "checkbox"],
            ["name": "Due", "type": "formula", "options": ["formula": "{Day}", "isValid": true, "referencedFieldIds": [],
                                                           "result": ["type": "date"]]],
            ["name": "Flag", "type": "formula", "options": ["formula": "{Done}", "isValid": true, "referencedFieldIds": [],
                                                            "result": ["type": "checkbox"]]],
            ["name": "Calc", "type": "formula", "options": ["formula": "{Ratio}*2", "isValid": true,
                                                            "referencedFieldIds": [], "result": ["type": "number"]]],
        ]
        var records: [[String: Any]] = [["id": recordID(0), "fields": ["Name": "fits", "Count": 3, "Calc": 1.5]]]
        for (index, misfit) in misfits.enumerated() {
            var values: [String: Any] = ["Ratio": Double(index + 1)]
            values[misfit.field] = misfit.value
            records.append(["id": recordID(index + 1), "fields": values])
        }
        return try AirtableServer.start(["bases": [["id": base, "tables": [["name": "Fit", "fields": fields,
                                                                                 "records": records]]]]])
    }

    @Test("without an allowance the stream fails at the first misfit, naming table, record and field, never the value")
    func failsOutLoud() throws {
        let server = try Self.server()
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["requests_per_second": .integer(50)])
        let error = hostError { _ = try instance.readAll("Fit") }
        #expect(error?.pluginStatus == 10, "\(String(describing: error))")
        #expect(error?.message.contains(#"table "Fit", record \#(Self.recordID(1)): \#(Self.misfits[0].reason); "#
            + "the record is not loaded (allow bad rows to set such records aside)") == true,
                "\(String(describing: error?.message))")
        #expect(error?.message.contains("many") == false)
    }

    @Test("with an allowance each misfit's record is set aside with its reason and its JSON; the rest loads")
    func setAside() throws {
        let server = try Self.server()
        let (instance, log) = try AirtablePlugin.open(server, base: Self.base, ["requests_per_second": .integer(50)])
        instance.context.allowRejects(100)
        let result = try instance.readAll("Fit")
        #expect(result.rows.count == 1)
        #expect(result.row(0)["id"] == .string(Self.recordID(0)))
        #expect(result.row(0)["Count"] == .int(3))
        #expect(result.row(0)["Calc"] == .double(1.5))

        let rejects = instance.context.takeRejects()
        #expect(rejects.map(\.stream) == Array(repeating: "Fit", count: Self.misfits.count))
        #expect(rejects.map(\.location) == Self.misfits.indices.map { #"table "Fit", record \#(Self.recordID($0 + 1))"# })
        #expect(rejects.map(\.reason) == Self.misfits.map(\.reason))
        for (index, reject) in rejects.enumerated() {
            let record = try JSONSerialization.jsonObject(with: Data(reject.raw)) as? [String: Any]
            #expect(record?["id"] as? String == Self.recordID(index + 1))
            #expect((record?["fields"] as? [String: Any])?["Ratio"] as? Double == (index == 3 ? nil : Double(index + 1)))
        }
        #expect(log.messages(.warn) == [])
        #expect(log.messages(.info) == ["table \"Fit\": 1 record in 1 page (\(Self.misfits.count) records with a value "
            + "that did not fit its field's type set aside)"])
    }

    static let arguments = ["-s", "base=\(base)", "-s", "token=\(AirtableServer.defaultToken)", "-s", "requests_per_second=50"]

    @Test("through the host: exit 65 and no table without --max-bad-rows; with it the records land in _etl_rejects")
    func throughTheHost() throws {
        let server = try Self.server()
        let sandbox = try AirtableSandbox(server: server)
        let refused = try sandbox.sync(Self.arguments)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains(#"table "Fit", record \#(Self.recordID(1)): \#(Self.misfits[0].reason)"#),
                "\(refused.stderr)")
        // The extraction failed before any load began: the warehouse was never opened.
        #expect(FileManager.default.fileExists(atPath: sandbox.database) == false)

        let loaded = try sandbox.sync(Self.arguments + ["--max-bad-rows", "20"])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let database = try SQLiteInspector(path: sandbox.database)
        #expect(try database.rows("SELECT id, count, calc FROM fit") == [[Self.recordID(0), "3", "1.5"]])
        #expect(try database.rows("SELECT stream, location, reason FROM _etl_rejects ORDER BY location")
            == Self.misfits.indices.map { ["Fit", #"table "Fit", record \#(Self.recordID($0 + 1))"#, Self.misfits[$0].reason] })
    }
}
