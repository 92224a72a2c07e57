import ETLHost
import Testing

/// The column names of fields whose name repeats (source names `name#2`, ...).
@Suite struct RepeatedNameNormalizerTests {
    @Test func aRepeatIsNamedAfterItsFieldWithTheUsualCollisionNumbers() {
        var names = NameNormalizer()
        #expect(names.assign("name") == "name")
        #expect(names.assign("name#2", normalizing: "name") == "name_2")
        #expect(names.assign("") == "column")
        #expect(names.assign("#2", normalizing: "") == "column_2")
        // A real field named like the column a repeat took comes after it.
        #expect(names.assign("name_2") == "name_2_2")
        // Assigned once, kept: the name given first wins.
        #expect(names.assign("name#2", normalizing: "anything") == "name_2")
    }

    @Test func aStoredMappingIsReusedWhateverTheOrder() {
        var names = NameNormalizer()
        names.reserve(source: "name#2", identifier: "name_2")
        #expect(names.assign("name#2", normalizing: "name") == "name_2")
        #expect(names.assign("name") == "name")
    }
}
