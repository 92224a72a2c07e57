@testable import ETLHost
import Foundation
import Testing

/// Plain decimals of up to fifteen digits become doubles without strtod
/// (``DoubleExactness/shortDecimal(_:)``), bit for bit as strtod makes them.
@Suite struct ShortDecimalTests {
    private func short(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { DoubleExactness.shortDecimal(UnsafeRawBufferPointer($0)) }
    }

    private func held(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { DoubleExactness.heldDouble(UnsafeRawBufferPointer($0)) }
    }

    @Test("every shape of plain decimal, random digits: the same bits as strtod, 200,000 literals")
    func sameBitsAsStrtod() {
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        for _ in 0 ..< 200_000 {
            let digits = Int.random(in: 1 ... 15, using: &generator)
            let fraction = Int.random(in: 0 ..< digits, using: &generator)
            var text = String((0 ..< digits).map { _ in Character(String(Int.random(in: 0 ... 9, using: &generator))) })
            if fraction > 0 { text.insert(".", at: text.index(text.endIndex, offsetBy: -fraction)) }
            if Bool.random(using: &generator) { text = "-" + text }
            guard let value = short(text) else {
                Issue.record("\(text) took the general path")
                continue
            }
            let expected = strtod(text, nil)
            #expect(value.bitPattern == (expected == 0 ? 0.0 : expected).bitPattern, "\(text)")
            checked += 1
        }
        #expect(checked == 200_000)
    }

    @Test("edge cases: zeros (no negative zero), leading zeros, the largest; anything else takes the general path")
    func edges() {
        #expect(short("0")?.bitPattern == 0.0.bitPattern)
        #expect(short("-0.000")?.bitPattern == 0.0.bitPattern)
        #expect(short("007.5") == 7.5)
        #expect(short("0.1") == 0.1 && short("-0.37") == -0.37 && short("1250.5") == 1250.5)
        #expect(short("999999999999999") == 999_999_999_999_999)
        #expect(short("0.00000000000001") == 1e-14 && short("0.000000000000001") == nil)
        for text in ["", "-", ".5", "1.", "1e5", "+1.5", "1.2.3", "1,5", "NaN", "1234567890123456", "0.1234567890123456", "1 "] {
            #expect(short(text) == nil, "\(text)")
        }
        // The general path still answers what the fast path leaves.
        #expect(held("1e5") == 100_000 && held("9007199254740993") == nil && held("1e400") == nil)
    }
}
