import ETLHost
import Testing

@Suite struct DoubleExactnessTests {
    /// 1e-320, a subnormal (a literal would warn that it loses precision, which is the point).
    private let subnormal = Double("1e-320")!

    private func held(_ literal: String) -> Double? {
        var literal = literal
        return literal.withUTF8 { DoubleExactness.heldDouble(UnsafeRawBufferPointer($0)) }
    }

    @Test("a literal is held when its double prints back as the same number, or is the same integer")
    func held() {
        for (literal, value) in [("0.1", 0.1), ("1.50", 1.5), ("15e-1", 1.5), ("-0.5E-2", -0.005), ("1e-320", subnormal),
                                 ("5e-324", Double.leastNonzeroMagnitude), ("0.30000000000000004", 0.30000000000000004),
                                 ("1.7976931348623157e308", 1.7976931348623157e308), ("9007199254740992", 9007199254740992),
                                 ("1152921504606846976", 1152921504606846976), ("123456789012345", 123456789012345)] {
            #expect(held(literal) == value, "\(literal)")
        }
    }

    @Test("not held: more digits than a double keeps, out of range, underflow to zero or to another subnormal")
    func notHeld() {
        for literal in ["9007199254740993", "9223372036854775807", "0.1000000000000000055511151231257827",
                        "1.00000000000000001", "1e309", "-1e309", "1e-400", "2e-324", "3e-324", "abc", "", "1e", "0x10", "inf", "NaN"] {
            #expect(held(literal) == nil, "\(literal)")
        }
    }

    @Test("zero is held as +0.0 whatever its sign and spelling")
    func zero() {
        for literal in ["0", "-0", "-0.0", "0e5", "-0E-3", "0.000"] {
            let value = held(literal)
            #expect(value == 0 && value?.sign == .plus, "\(literal)")
        }
        #expect(DoubleExactness.normalizedZero(-0.0).sign == .plus)
        #expect(DoubleExactness.text(of: -0.0) == "0.0")
    }

    @Test("integers: every one up to 2^53 in magnitude, beyond only those a double spells")
    func integers() {
        #expect(DoubleExactness.isHeld(Int64(1) << 53))
        #expect(DoubleExactness.isHeld(-(Int64(1) << 53)))
        #expect(!DoubleExactness.isHeld((Int64(1) << 53) + 1))
        #expect(DoubleExactness.isHeld(Int64(1) << 62))
        #expect(!DoubleExactness.isHeld(Int64.max))
        #expect(DoubleExactness.isHeld(Int64.min))  // -2^63 is a double
    }

    @Test("the host's text of doubles reads back as the same double, NaN and infinities included")
    func text() {
        for value in [1.5, 0.1, subnormal, -1e300, .infinity, -.infinity, 5.0] {
            var text = DoubleExactness.text(of: value)
            #expect(text.withUTF8 { DoubleExactness.double(fromText: UnsafeRawBufferPointer($0)) } == value, "\(text)")
        }
        #expect(DoubleExactness.text(of: .infinity) == "Infinity")
        #expect(DoubleExactness.text(of: -.infinity) == "-Infinity")
        #expect(DoubleExactness.text(of: .nan) == "NaN")
        var nan = "NaN"
        #expect(nan.withUTF8 { DoubleExactness.double(fromText: UnsafeRawBufferPointer($0)) }?.isNaN == true)
    }
}
