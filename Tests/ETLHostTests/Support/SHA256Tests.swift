import ETLHost
import ETLTestSupport
import Foundation
import Testing

@Suite struct SHA256Tests {
    private func hex(_ text: String) -> String {
        var hasher = SHA256()
        hasher.update(Array(text.utf8))
        return hasher.finalizeHex()
    }

    @Test func knownVectorsFromFIPS180() {
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func incrementalUpdatesEqualOneShot() {
        var hasher = SHA256()
        for _ in 0 ..< 1000 { hasher.update(Array(repeating: UInt8(ascii: "a"), count: 1000)) }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func fileDigestMatchesSha256sum() throws {
        let folder = try TestSupport.temporaryDirectory("sha")
        let path = folder + "/blob"
        let bytes = (0 ..< 3_000_001).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let reference = try TestSupport.run("/usr/bin/env", ["sha256sum", path])
        #expect(try SHA256.hexDigest(ofFileAt: path) == String(reference.stdout.prefix(64)))
    }

    @Test func missingFileIsAnIOErrorNamingIt() {
        #expect(throws: HostError(.io, "cannot read '/nonexistent/x' to compute its sha256: No such file or directory")) {
            try SHA256.hexDigest(ofFileAt: "/nonexistent/x")
        }
    }
}
