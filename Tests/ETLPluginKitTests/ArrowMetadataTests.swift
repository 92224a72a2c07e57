import ETLPluginKit
import Testing

@Suite("ArrowMetadata")
struct ArrowMetadataTests {
    @Test("encodes as int32 count, then length-prefixed keys and values, native endian")
    func encoding() {
        let metadata: ArrowMetadata = ["ab": "c", "é": ""]
        let bytes = metadata.encoded()
        func int32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
        let expected: [UInt8] = int32(2) + int32(2) + Array("ab".utf8) + int32(1) + Array("c".utf8)
            + int32(2) + [0xC3, 0xA9] + int32(0)
        #expect(bytes == expected)
    }

    @Test("decodes what it encodes, keeping order")
    func roundTrip() throws {
        let metadata: ArrowMetadata = ["z": "1", "ARROW:extension:name": "arrow.json", "": "empty key"]
        let decoded = try metadata.encoded().withUnsafeBytes { try ArrowMetadata(decoding: $0.baseAddress!) }
        #expect(decoded == metadata)
        #expect(decoded.entries.map(\.key) == ["z", "ARROW:extension:name", ""])
        #expect(try ArrowMetadata(decodingOptional: nil).isEmpty)
    }

    @Test("a negative length is reported as corruption")
    func corrupt() {
        var bytes = ArrowMetadata([.init("key", "value")]).encoded()
        bytes.replaceSubrange(4..<8, with: withUnsafeBytes(of: Int32(-5)) { Array($0) })
        #expect(errorMessage { _ = try bytes.withUnsafeBytes { try ArrowMetadata(decoding: $0.baseAddress!) } }
            == "metadata is corrupt: the length of key 1 is -5")
    }

    @Test("invalid UTF-8 in a key is reported")
    func invalidKey() {
        var bytes = ArrowMetadata([.init("key", "value")]).encoded()
        bytes[8] = 0xFF
        #expect(errorMessage { _ = try bytes.withUnsafeBytes { try ArrowMetadata(decoding: $0.baseAddress!) } }
            == "metadata is corrupt: key 1 is not valid UTF-8")
    }

    @Test("the subscript replaces and removes pairs")
    func subscripting() {
        var metadata: ArrowMetadata = ["a": "1"]
        metadata["a"] = "2"
        metadata["b"] = "3"
        #expect(metadata.entries == [.init("a", "2"), .init("b", "3")])
        metadata["a"] = nil
        #expect(metadata == ["b": "3"])
    }

    @Test("annotations map to their metadata pairs and back")
    func annotations() throws {
        let cases: [(ArrowFieldAnnotation, String, String)] = [
            (.json, "ARROW:extension:name", "arrow.json"), (.untyped, "etl.untyped", "1"),
            (.decimal(precision: 38, scale: 9), "etl.decimal", "38,9"), (.record, "etl.record", "1"),
        ]
        for (annotation, key, value) in cases {
            let field = ArrowField("c", .utf8, annotation: annotation)
            #expect(field.metadata == ArrowMetadata([.init(key, value)]))
            #expect(field.annotation == annotation)
        }
        var field = ArrowField("c", .utf8, annotation: .json, metadata: ["keep": "me"])
        field.annotation = .untyped
        #expect(field.metadata == ["keep": "me", "etl.untyped": "1"])
        field.annotation = nil
        #expect(field.metadata == ["keep": "me"])
    }

    @Test("two annotations on one field are refused")
    func twoAnnotations() {
        #expect(errorMessage { _ = try ArrowFieldAnnotation(metadata: ["etl.untyped": "1", "etl.record": "1"]) }
            == "a field may carry only one of arrow.json, etl.untyped, etl.decimal, etl.record and etl.member; "
                + "found untyped, record")
    }
}
