import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// Every Airtable field type, its catalog hint, its Arrow column and its values.
@Suite("airtable: types, values and names")
struct TypeMappingTests {
    static let base = "appTypes000000001"

    /// (name, type, options, hint, Arrow type, json annotation)
    static var fields: [(String, String, [String: Any]?, String, ArrowColumnType, Bool)] { [
        ("Name", "singleLineText", nil, "string", .utf8, false),
        ("Notes", "multilineText", nil, "string", .utf8, false),
        ("Email", "email", nil, "string", .utf8, false),
        ("Site", "url", nil, "string", .utf8, false),
        ("Phone", "phoneNumber", nil, "string", .utf8, false),
        ("Rich", "richText", nil, "string", .utf8, false),
        ("Count", "number", ["precision": 0], "integer", .int64, false),
        ("Ratio", "number", ["precision": 3], "number", .float64, false),
        ("Price", "currency", ["precision": 2, "symbol": "$"], "number", .float64, false),
        ("Cents", "currency", ["precision": 0, "symbol": "¢"], "integer", .int64, false),
        ("Share", "percent", ["precision": 0], "number", .float64, false),
        ("Stars", "rating", ["icon": "star", "max": 5, "color": "yellowBright"], "integer", .int64, false),
        ("Seq", "autoNumber", nil, "integer", .int64, false),
        ("Linked", "count", ["isValid": true, "recordLinkFieldId": "fldX"], "integer", .int64, false),
        ("Took", "duration", ["durationFormat": "h:mm:ss"], "number", .float64, false),
        ("Done", "checkbox", nil, "boolean", .bool, false),
        ("Day", "date", nil, "date", .date32, false),
        ("When", "dateTime", nil, "timestamp", .timestampMicrosecondsUTC, false),
        ("Made", "createdTime", nil, "timestamp", .timestampMicrosecondsUTC, false),
        ("Touched", "lastModifiedTime", nil, "timestamp", .timestampMicrosecondsUTC, false),
        ("Calc", "formula", ["formula": "{Count}/2", "isValid": true, "referencedFieldIds": [],
                             "result": ["type": "number", "options": ["precision": 0]]], "number", .float64, false),
        ("Label", "formula", ["formula": "{Name}", "isValid": true, "referencedFieldIds": [],
                              "result": ["type": "singleLineText"]], "string", .utf8, false),
        ("Flag", "formula", ["formula": "{Done}", "isValid": true, "referencedFieldIds": [],
                             "result": ["type": "checkbox"]], "boolean", .bool, false),
        ("Due", "formula", ["formula": "DATEADD({Day},1,'days')", "isValid": true, "referencedFieldIds": [],
                            "result": ["type": "date"]], "date", .date32, false),
        ("Total", "rollup", ["isValid": true, "recordLinkFieldId": "fldX", "fieldIdInLinkedTable": "fldY",
                             "referencedFieldIds": [], "result": ["type": "currency", "options": ["precision": 2]]],
         "number", .float64, false),
        ("Looked", "multipleLookupValues", ["isValid": true, "recordLinkFieldId": "fldX",
                                            "fieldIdInLinkedTable": "fldY", "result": ["type": "number"]],
         "json", .utf8, true),
        ("Status", "singleSelect", nil, "string", .utf8, false),
        ("Tags", "multipleSelects", nil, "json", .utf8, true),
        ("Link", "multipleRecordLinks", ["linkedTableId": "tblX", "isReversed": false,
                                         "prefersSingleRecordLink": false], "json", .utf8, true),
        ("Files", "multipleAttachments", ["isReversed": false], "json", .utf8, true),
        ("Owner", "singleCollaborator", nil, "json", .utf8, true),
        ("Team", "multipleCollaborators", nil, "json", .utf8, true),
        ("Author", "createdBy", nil, "json", .utf8, true),
        ("Code", "barcode", nil, "json", .utf8, true),
        ("Go", "button", nil, "json", .utf8, true),
        ("Future", "hologram", ["depth": 3], "json", .utf8, true),
        ("Never", "singleLineText", nil, "string", .utf8, false),
    ] }

    static var full: [String: Any] { [
        "Name": "Ada Lovelace", "Notes": "line 1\nline 2", "Email": "ada@example.com",
        "Site": "https://example.com/a?b=c&d", "Phone": "+44 20 7946 0958", "Rich": "**bold** _it_\n",
        "Count": 42, "Ratio": 0.125, "Price": 19.99, "Cents": 1500, "Share": 0.25, "Stars": 4, "Seq": 7,
        "Linked": 2, "Took": 5400.5, "Done": true, "Day": "1815-12-10", "When": "2024-03-10T14:30:00.000+02:00",
        "Calc": 2.5, "Label": "Ada", "Flag": true, "Due": "2024-03-02T00:00:00.000Z", "Total": 12.5,
        "Looked": [1, "two", ["three": 3]], "Status": "Doing", "Tags": ["x", "y é"],
        "Link": ["recAAAAAAAAAAAAA1", "recAAAAAAAAAAAAA2"],
        "Files": [["id": "att1", "url": "https://dl.example.com/a.png", "filename": "a.png", "size": 10,
                   "type": "image/png"]],
        "Owner": ["id": "usr1", "email": "ada@example.com", "name": "Ada"],
        "Team": [["id": "usr1", "email": "ada@example.com", "name": "Ada"]],
        "Author": ["id": "usr2", "email": "bob@example.com", "name": "Bob"],
        "Code": ["text": "0123", "type": "upce"], "Go": ["label": "Open", "url": "https://example.com"],
        "Future": ["x": 1, "y": [true, NSNull()]],
    ] }

    static func fixture() -> [String: Any] {
        ["bases": [["id": base, "tables": [[
            "name": "Types",
            "fields": fields.map { field -> [String: Any] in
                var spec: [String: Any] = ["name": field.0, "type": field.1]
                if let options = field.2 { spec["options"] = options }
                return spec
            },
            "records": [
                ["id": "recTYPES000000001", "fields": full],
                ["id": "recTYPES000000002", "fields": [:] as [String: Any]],
                ["id": "recTYPES000000003", "fields": [
                    "Calc": ["specialValue": "NaN"], "Label": ["error": "#ERROR!"], "Total": ["specialValue": "-Infinity"],
                    "Cents": 12.0, "Flag": 1,
                ] as [String: Any]],
            ],
        ]]]]]
    }

    @Test("discover: one stream per table, id key, a hint per field in schema order")
    func catalog() throws {
        let server = try AirtableServer.start(Self.fixture())
        let (instance, _) = try AirtablePlugin.open(server, base: Self.base, ["requests_per_second": .integer(50)])
        let catalog = try Catalog(jsonText: try instance.discover())
        #expect(catalog.streams.count == 1)
        let stream = try #require(catalog.streams.first)
        #expect(stream.name == "Types")
        #expect(stream.primaryKey == ["id"])
        #expect(stream.fields?.map(\.name) == ["id", "createdTime"] + Self.fields.map(\.0))
        #expect(stream.fields?.map { $0.type?.rawValue ?? "-" } == ["string", "timestamp"] + Self.fields.map(\.3))
    }

    @Test("read: every type in its column, exactly; omitted cells; special numbers as doubles, a formula error NULL")
    func values() throws {
        let server = try AirtableServer.start(Self.fixture())
        let (instance, log) = try AirtablePlugin.open(server, base: Self.base, ["requests_per_second": .integer(50)])
        let result = try instance.readAll("Types")

        #expect(result.columnNames == ["id", "createdTime"] + Self.fields.map(\.0))
        #expect(result.schema.fields.map(\.type)
            == [.utf8, .timestampMicrosecondsUTC] + Self.fields.map(\.4))
        #expect(result.schema.fields.map { $0.annotation == .json } == [false, false] + Self.fields.map(\.5))
        #expect(result.rows.count == 3)

        let created = micros("2024-01-01T00:00:00Z")
        let full: [String: Cell] = [
            "id": .string("recTYPES000000001"), "createdTime": .timestamp(created),
            "Name": .string("Ada Lovelace"), "Notes": .string("line 1\nline 2"), "Email": .string("ada@example.com"),
            "Site": .string("https://example.com/a?b=c&d"), "Phone": .string("+44 20 7946 0958"),
            "Rich": .string("**bold** _it_\n"), "Count": .int(42), "Ratio": .double(0.125), "Price": .double(19.99),
            "Cents": .int(1500), "Share": .double(0.25), "Stars": .int(4), "Seq": .int(7), "Linked": .int(2),
            "Took": .double(5400.5), "Done": .bool(true), "Day": .date(days(1815, 12, 10)),
            "When": .timestamp(micros("2024-03-10T12:30:00Z")), "Made": .timestamp(created),
            "Touched": .timestamp(created), "Calc": .double(2.5), "Label": .string("Ada"), "Flag": .bool(true),
            "Due": .date(days(2024, 3, 2)), "Total": .double(12.5),
            "Looked": .string(#"[1,"two",{"three":3}]"#), "Status": .string("Doing"),
            "Tags": .string(#"["x","y é"]"#), "Link": .string(#"["recAAAAAAAAAAAAA1","recAAAAAAAAAAAAA2"]"#),
            "Files": .string(#"[{"filename":"a.png","id":"att1","size":10,"type":"image/png","url":"https://dl.example.com/a.png"}]"#),
            "Owner": .string(#"{"email":"ada@example.com","id":"usr1","name":"Ada"}"#),
            "Team": .string(#"[{"email":"ada@example.com","id":"usr1","name":"Ada"}]"#),
            "Author": .string(#"{"email":"bob@example.com","id":"usr2","name":"Bob"}"#),
            "Code": .string(#"{"text":"0123","type":"upce"}"#), "Go": .string(#"{"label":"Open","url":"https://example.com"}"#),
            "Future": .string(#"{"x":1,"y":[true,null]}"#), "Never": .null,
        ]
        #expect(result.row(0) == full)

        // Every cell omitted: NULL, an unchecked checkbox false; computed ones still there.
        var empty = Dictionary(uniqueKeysWithValues: result.columnNames.map { ($0, Cell.null) })
        empty["id"] = .string("recTYPES000000002")
        empty["createdTime"] = .timestamp(created + 1_000_000)
        empty["Made"] = .timestamp(created + 1_000_000)
        empty["Touched"] = .timestamp(created + 1_000_000)
        empty["Seq"] = .int(2)
        empty["Done"] = .bool(false)
        #expect(result.row(1) == empty)

        // A formula's special numbers are the doubles (NaN, -Infinity); its error has no value: NULL.
        let calc = try #require(result.columnNames.firstIndex(of: "Calc"))
        let total = try #require(result.columnNames.firstIndex(of: "Total"))
        guard case .double(let nan) = result.rows[2][calc], case .double(let negativeInfinity) = result.rows[2][total] else {
            Issue.record("Calc and Total are not doubles: \(result.rows[2])")
            return
        }
        #expect(nan.isNaN)
        #expect(negativeInfinity == -.infinity)
        var special = Dictionary(uniqueKeysWithValues: result.columnNames.map { ($0, Cell.null) })
        special["id"] = .string("recTYPES000000003")
        special["createdTime"] = .timestamp(created + 2_000_000)
        special["Made"] = .timestamp(created + 2_000_000)
        special["Touched"] = .timestamp(created + 2_000_000)
        special["Seq"] = .int(3)
        special["Done"] = .bool(false)
        special["Cents"] = .int(12)       // 12.0 arrives as 12
        special["Flag"] = .bool(true)     // a formula's 1
        special["Calc"] = result.rows[2][calc]
        special["Total"] = result.rows[2][total]
        #expect(result.row(2).filter { $0.key != "Calc" && $0.key != "Total" }
            == special.filter { $0.key != "Calc" && $0.key != "Total" })

        // The formula error is said once, naming the field, and counted.
        #expect(log.messages(.warn) == ["table \"Types\", field \"Label\" (Airtable type formula): a formula error has "
            + "no value; it loads as NULL (further ones in this field are not logged)"])
        #expect(log.messages(.info) == ["table \"Types\": 3 records in 1 page (1 formula error loaded as NULL)"])
    }

    @Test("text round-trips byte for byte: CRLF, quotes, emoji, SQL, escapes, combining marks")
    func textBytes() throws {
        let texts = [
            "line one\r\nline two\r\n", "say \"hi\" and 'bye'", "emoji 😀👩‍👩‍👧 and flags 🇫🇷",
            "Robert'); DROP TABLE students;--", "back\\slash \\n not a newline", "tab\there",
            "e\u{301} (combining) vs \u{e9} (precomposed)", "\u{2028}separator\u{2029}", "   padded   ", "",
            "<script>alert(1)</script> &amp;", "null", "0007", "\u{1}control\u{1f}",
        ]
        let server = try AirtableServer.start(["bases": [["id": "appText0000000001", "tables": [[
            "name": "Text", "fields": [["name": "Value", "type": "multilineText"], ["name": "Index", "type": "number"]],
            "records": texts.enumerated().map { ["fields": ["Value": $0.element, "Index": $0.offset]] },
        ]]]]])
        let (instance, _) = try AirtablePlugin.open(server, base: "appText0000000001", ["requests_per_second": .integer(50)])
        let result = try instance.readAll("Text")
        #expect(result.rows.count == texts.count)
        #expect(result.column("Index") == texts.indices.map { .int(Int64($0)) })
        // An empty string is an empty cell to Airtable: omitted, NULL.
        #expect(result.column("Value") == texts.map { $0.isEmpty ? .null : .text(Array($0.utf8)) })
    }

    @Test("names: id and createdTime fields keep their data under distinct columns; colliding names stay apart")
    func names() throws {
        let fields = ["Name", "id", "createdTime", "id (field)", "First Name", "first_name", "First-Name", "ID", "Order",
                      "select", "Größe", "🙂"]
        let values: [String: Any] = [
            "Name": "n", "id": "user id", "createdTime": "user created", "id (field)": "user id field",
            "First Name": "a", "first_name": "b", "First-Name": "c", "ID": "upper", "Order": "o", "select": "s",
            "Größe": "g", "🙂": "smile",
        ]
        let server = try AirtableServer.start(["bases": [["id": "appNames000000001", "tables": [[
            "name": "Odd / Names ✓", "fields": fields.map { ["name": $0, "type": "singleLineText"] },
            "records": [["id": "recNAMES000000001", "fields": values]],
        ]]]]])
        let (instance, _) = try AirtablePlugin.open(server, base: "appNames000000001", ["requests_per_second": .integer(50)])
        let catalog = try Catalog(jsonText: try instance.discover())
        let columns = ["id", "createdTime", "Name", "id (field)", "createdTime (field)", "id (field) (field)",
                       "First Name", "first_name", "First-Name", "ID", "Order", "select", "Größe", "🙂"]
        #expect(catalog.streams.first?.name == "Odd / Names ✓")
        #expect(catalog.streams.first?.fields?.map(\.name) == columns)
        let result = try instance.readAll("Odd / Names ✓")
        #expect(result.columnNames == columns)
        #expect(result.rows.first == [
            .string("recNAMES000000001"), .timestamp(micros("2024-01-01T00:00:00Z")), .string("n"),
            .string("user id"), .string("user created"), .string("user id field"), .string("a"), .string("b"),
            .string("c"), .string("upper"), .string("o"), .string("s"), .string("g"), .string("smile"),
        ])
        // The table is addressed by id, not by its odd name.
        let listed = try server.log().filter { $0.tableName != nil }
        #expect(listed.count == 1)
        #expect(listed.first?.path.hasPrefix("/v0/appNames000000001/tbl") == true)
    }

    @Test("tables: a selection in the given order, by name or id; an unknown one is named")
    func selection() throws {
        let table = { (name: String) -> [String: Any] in
            ["name": name, "fields": [["name": "Name", "type": "singleLineText"]], "records": [["fields": ["Name": name]]]]
        }
        let server = try AirtableServer.start(["bases": [["id": "appSelect00000001",
                                                         "tables": [table("A"), table("B"), table("C")]]]])
        let tableC = try #require((try server.status()["bases"] as? [String: Any])?["appSelect00000001"] as? [String: Any])
        let idC = try #require(((tableC["tables"] as? [String: Any])?["C"] as? [String: Any])?["id"] as? String)
        let (all, _) = try AirtablePlugin.open(server, base: "appSelect00000001")
        #expect(try Catalog(jsonText: all.discover()).streams.map(\.name) == ["A", "B", "C"])
        let (some, _) = try AirtablePlugin.open(server, base: "appSelect00000001",
                                                ["tables": .array([.string(idC), .string("A")])])
        #expect(try Catalog(jsonText: some.discover()).streams.map(\.name) == ["C", "A"])
        #expect(try some.readAll("C").column("Name") == [.string("C")])
        let (wrong, _) = try AirtablePlugin.open(server, base: "appSelect00000001", ["tables": .array([.string("D")])])
        let error = hostError { _ = try wrong.discover() }
        #expect(error?.pluginStatus == 3)
        #expect(error?.message.contains(#"config "tables": base appSelect00000001 has no table "D"; its tables: "A", "B", "C""#) == true)
        let unknown = hostError { _ = try all.read(stream: "Z") }
        #expect(unknown?.message.contains(#"base appSelect00000001 has no table "Z""#) == true)
    }
}
