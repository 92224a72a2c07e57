@testable import ETLHost
import ETLTestSupport
import Foundation
import Testing

@Suite struct FileDigestTests {
    @Test func itAgreesWithTheFIPSVectorsAndTheHostsOwnSHA256() throws {
        func hex(_ text: String) -> String {
            let digest = FileDigest()
            Array(text.utf8).withUnsafeBytes { digest.update($0) }
            return digest.finalizeHex()
        }
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let path = try TestSupport.temporaryDirectory("digest") + "/big"
        let bytes = (0..<3_000_001).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try FileDigest.hexDigest(ofFileAt: path) == (try SHA256.hexDigest(ofFileAt: path)))
    }
}
