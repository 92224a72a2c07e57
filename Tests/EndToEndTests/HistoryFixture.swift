import ETLTestSupport
import Foundation

/// The five runs of the SCD2 history end-to-end tests (issue 16): an
/// Airtable table `People` mutated between runs, the table `people` as it
/// is after each run, and every version its history must hold. Kept in one
/// type so that other tests (`query --as-of`) can reuse the expected tables.
///
/// | run | change at the source before it              |
/// |-----|---------------------------------------------|
/// | 1   | records 1-4                                 |
/// | 2   | 2 renamed (update), 5 added (insert)        |
/// | 3   | 3 deleted, 4's age changed                  |
/// | 4   | nothing (every record unchanged)            |
/// | 5   | 1 renamed, 3 back with its old values       |
enum HistoryFixture {
    static let base = "appHistory0000001"
    static let table = "People"
    /// Every record's creation time at the source (fixed, so values are exact).
    static let createdTime = "2026-01-01T00:00:00.000Z"

    /// One record: its number (id `recHIS00000000000N`), name and age.
    struct Person: Hashable {
        var number: Int
        var name: String
        var age: Int
        var id: String { HistoryFixture.id(number) }
    }

    static func id(_ number: Int) -> String { String(format: "recHIS%011d", number) }

    /// The source, and so the table, after each run (index 0 is run 1).
    static let states: [[Person]] = {
        let first = [Person(number: 1, name: "Ada", age: 10), Person(number: 2, name: "Bob", age: 20),
                     Person(number: 3, name: "Cy", age: 30), Person(number: 4, name: "Di", age: 40)]
        var second = first
        second[1].name = "Bobby"
        second.append(Person(number: 5, name: "Eve", age: 50))
        var third = second.filter { $0.number != 3 }
        third[2].age = 41
        let fourth = third
        var fifth = fourth
        fifth[0].name = "Ada L."
        fifth.insert(first[2], at: 2)
        return [first, second, third, fourth, fifth]
    }()

    /// One version of the history: the values, the run whose load opened
    /// it (its `_etl_valid_from` and `_etl_run_id`), the run whose load
    /// closed it (nil: open) and whether it is a tombstone.
    struct Version: Hashable {
        var person: Person
        var from: Int
        var to: Int?
        var deleted = false
    }

    /// Every version, ordered by record and then valid-from. Run 4 adds
    /// none: nothing changed.
    static let versions: [Version] = {
        let (s1, s2, s3, s5) = (states[0], states[1], states[2], states[4])
        return [
            Version(person: s1[0], from: 1, to: 5), Version(person: s5[0], from: 5, to: nil),
            Version(person: s1[1], from: 1, to: 2), Version(person: s2[1], from: 2, to: nil),
            Version(person: s1[2], from: 1, to: 3), Version(person: s1[2], from: 3, to: 5, deleted: true),
            Version(person: s5[2], from: 5, to: nil),
            Version(person: s1[3], from: 1, to: 3), Version(person: s3[2], from: 3, to: nil),
            Version(person: s2[4], from: 2, to: nil),
        ]
    }()

    /// The ids `etl-host diff` between runs 2 and 3 lists: removed, changed.
    static let removedBetween2And3 = [id(3)]
    static let changedBetween2And3 = [id(4)]

    /// The Airtable test server's fixture: the base with run 1's records.
    static var serverFixture: [String: Any] {
        ["bases": [["id": base, "tables": [[
            "name": table,
            "fields": [["name": "Name", "type": "singleLineText"], ["name": "Age", "type": "number", "options": ["precision": 0]]],
            "records": states[0].map(record),
        ]]]]]
    }

    private static func record(_ person: Person) -> [String: Any] {
        ["id": person.id, "createdTime": createdTime, "fields": ["Name": person.name, "Age": person.age]]
    }

    /// Changes the server's records from the state after run `run - 1` to
    /// the one after run `run` (2...5).
    static func mutate(_ server: AirtableServer, before run: Int) throws {
        let old = states[run - 2], new = states[run - 1]
        let oldByNumber = Dictionary(uniqueKeysWithValues: old.map { ($0.number, $0) })
        let newNumbers = Set(new.map(\.number))
        let gone = old.filter { !newNumbers.contains($0.number) }.map(\.id)
        if !gone.isEmpty { try server.deleteRecords(base: base, table: table, ids: gone) }
        let added = new.filter { oldByNumber[$0.number] == nil }
        if !added.isEmpty { try server.addRecords(base: base, table: table, added.map(record)) }
        let changed = new.filter { person in oldByNumber[person.number].map { $0 != person } ?? false }
        if !changed.isEmpty {
            try server.updateRecords(base: base, table: table, changed.map {
                ["id": $0.id, "fields": ["Name": $0.name, "Age": $0.age]]
            })
        }
    }
}
