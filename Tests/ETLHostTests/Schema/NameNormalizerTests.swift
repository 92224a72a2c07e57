import ETLHost
import Testing

@Suite struct NameNormalizerTests {
    @Test func collidingNamesGetStableDistinctIdentifiers() {
        var names = NameNormalizer()
        #expect(names.assign("First Name") == "first_name")
        #expect(names.assign("first_name") == "first_name_2")
        #expect(names.assign("First-Name") == "first_name_3")
        #expect(names.assign("First Name") == "first_name")  // same source, same name
    }

    @Test func reservedWordsDigitsEmojiAndUnicode() {
        #expect(NameNormalizer.normalize("Order") == "order")
        #expect(NameNormalizer.normalize("Group") == "group")
        #expect(NameNormalizer.normalize("2nd place") == "_2nd_place")
        #expect(NameNormalizer.normalize("🙂") == "column")
        #expect(NameNormalizer.normalize("Prix € (TTC)") == "prix_ttc")
        #expect(NameNormalizer.normalize("Größe") == "größe")
        #expect(NameNormalizer.normalize("  __a__b  ") == "a__b")  // `__` between parts is kept (a flattened path)
        #expect(NameNormalizer.normalize("a_-_b") == "a_b")
        #expect(NameNormalizer.normalize("address__zipCode") == "address__zip_code")
        #expect(NameNormalizer.normalize("a___b") == "a__b")
        #expect(NameNormalizer.normalize("__") == "column")
        #expect(NameNormalizer.normalize("_etl_runs") == "etl_runs")
        #expect(NameNormalizer.normalize("createdTime") == "created_time")
        #expect(NameNormalizer.normalize("HTTPServer") == "httpserver")
        #expect(NameNormalizer.normalize("order2Total") == "order2_total")
        #expect(NameNormalizer.normalize("a\"b; DROP TABLE x") == "a_b_drop_table_x")
        var names = NameNormalizer()
        #expect(names.assign("🙂") == "column")
        #expect(names.assign("😀") == "column_2")
    }

    @Test func longNamesAreCutWithAHash() {
        let long = String(repeating: "very long column name ", count: 10)
        let name = NameNormalizer.normalize(long)
        #expect(name.utf8.count <= 63)
        #expect(name.hasPrefix("very_long_column_name_very_long"))
        #expect(NameNormalizer.normalize(long + "x") != name)
    }

    @Test func storedMappingsWinOverNewOnes() {
        var names = NameNormalizer()
        names.reserve(source: "first_name", identifier: "first_name")
        names.reserve(source: "First Name", identifier: "first_name_2")
        #expect(names.assign("First Name") == "first_name_2")
        #expect(names.assign("FIRST NAME") == "first_name_3")
    }
}
