@testable import ETLHost
import Testing

/// Versions order as semantic versioning orders them.
@Suite struct PluginVersionTests {
    @Test func numericPartsCompareAsNumbers() {
        #expect(PluginVersion("0.10.0") > PluginVersion("0.9.1"))
        #expect(PluginVersion("1.10.0") > PluginVersion("1.2.0"))
        #expect(PluginVersion("2") > PluginVersion("1.99.99"))
    }

    @Test func aMissingPartIsZeroAndAPrefixVIsIgnored() {
        #expect(PluginVersion("1.2") == PluginVersion("1.2.0"))
        #expect(PluginVersion("v1.2.0") == PluginVersion("1.2.0"))
        #expect(!(PluginVersion("1.2") < PluginVersion("1.2.0")))
    }

    @Test func aPrereleaseComesBeforeItsReleaseAndBuildMetadataIsIgnored() {
        #expect(PluginVersion("1.0.0-rc.1") < PluginVersion("1.0.0"))
        #expect(PluginVersion("1.0.0-alpha") < PluginVersion("1.0.0-beta"))
        #expect(PluginVersion("1.0.0-rc.2") < PluginVersion("1.0.0-rc.10"))
        #expect(PluginVersion("1.0.0-rc") < PluginVersion("1.0.0-rc.1"))
        #expect(PluginVersion("1.0.0+linux") == PluginVersion("1.0.0"))
    }

    @Test func wordsHaveAPlaceAfterNumbers() {
        #expect(PluginVersion("1.x") > PluginVersion("1.9"))
        #expect(PluginVersion("dev") > PluginVersion("0.1"))
        #expect([PluginVersion("1.10.0"), PluginVersion("1.0.0"), PluginVersion("1.2.0")].max()?.text == "1.10.0")
    }
}
