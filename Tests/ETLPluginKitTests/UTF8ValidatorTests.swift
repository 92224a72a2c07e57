import ETLPluginKit
import Testing

@Suite("UTF8Validator")
struct UTF8ValidatorTests {
    func check(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { UTF8Validator.firstInvalidOffset($0) }
    }

    @Test("well-formed text of every sequence length is valid")
    func valid() {
        #expect(check([]) == nil)
        #expect(check(Array("plain ASCII, long enough for the 8-byte path".utf8)) == nil)
        #expect(check(Array("é ü ß 日本語 😀 \u{10FFFF} \u{E000}".utf8)) == nil)
        #expect(check([0xE0, 0xA0, 0x80, 0xED, 0x9F, 0xBF, 0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF]) == nil)
    }

    @Test("ill-formed sequences are found at their first byte",
          arguments: [
              ([0x61, 0x80], 1),                    // stray continuation byte
              ([0xC0, 0xAF], 0),                    // overlong 2-byte
              ([0xC1, 0xBF], 0),                    // overlong 2-byte
              ([0x61, 0x62, 0xE0, 0x80, 0xAF], 2),  // overlong 3-byte
              ([0xED, 0xA0, 0x80], 0),              // surrogate U+D800
              ([0xF0, 0x80, 0x80, 0xAF], 0),        // overlong 4-byte
              ([0xF4, 0x90, 0x80, 0x80], 0),        // above U+10FFFF
              ([0xF5, 0x80, 0x80, 0x80], 0),        // invalid lead byte
              ([0xFF], 0),
              ([0x61, 0xC3], 1),                    // truncated at the end
              ([0xE2, 0x82], 0),                    // truncated 3-byte
              ([0xE2, 0x28, 0xA1], 0),              // bad continuation
              (Array("12345678abcdefgh".utf8) + [0xC3, 0x28], 16),
          ] as [([UInt8], Int)])
    func invalid(bytes: [UInt8], offset: Int) {
        #expect(check(bytes) == offset)
    }

    @Test("agrees with the standard library on random bytes")
    func agreesWithStandardLibrary() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...12, using: &generator)
            // Bias towards bytes that form (or almost form) sequences.
            let pool: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1,
                                 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF]
            let bytes = (0..<count).map { _ in pool.randomElement(using: &generator)! }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect((check(bytes) == nil) == expected, "\(bytes.map { String($0, radix: 16) })")
        }
    }
}
