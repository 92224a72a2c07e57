import ETLPluginKit
import Testing

/// The JSON number grammar both warehouses use before storing a decimal's
/// text as JSON: exactly RFC 8259's numbers, nothing around them.
struct JSONNumberSyntaxTests {
    @Test(arguments: ["0", "-0", "7", "-12.5e3", "1E+100", "1e-400", "0.000001", "9007199254740993", "2e-324"])
    func numbersMatch(text: String) {
        #expect(JSONNumberSyntax.matches(text))
    }

    @Test(arguments: ["", "-", "+1", ".5", "1.", "01", "-01", "1e", "1e+", "NaN", "Infinity", "-Infinity", " 1", "1 ", "0x10", "1.5.2", "١"])
    func otherTextDoesNot(text: String) {
        #expect(!JSONNumberSyntax.matches(text))
    }
}
