import CLibCrypto
import Foundation

/// SHA-256 through OpenSSL's libcrypto (hardware-accelerated where the CPU
/// has SHA extensions): fast enough to hash a snapshot while it is
/// written, at the speed of the disk. Not thread-safe.
///
/// ```swift
/// let digest = FileDigest()
/// digest.update(bytes)
/// digest.finalizeHex()   // 64 lowercase hex digits
/// ```
final class FileDigest {
    private let context: OpaquePointer

    /// A digest with no input yet.
    init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("libcrypto cannot start a SHA-256 digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds more bytes.
    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// The digest as 64 lowercase hex digits (call once).
    func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The hex SHA-256 of a whole file, read in 1 MiB chunks.
    ///
    /// - Throws: `HostError(.io)` naming the file.
    static func hexDigest(ofFileAt path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw HostError(.io, "cannot read '\(path)' to compute its sha256: \(errnoDescription())") }
        defer { close(descriptor) }
        let digest = FileDigest()
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 8)
        defer { chunk.deallocate() }
        while true {
            let count = read(descriptor, chunk, 1 << 20)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw HostError(.io, "cannot read '\(path)' to compute its sha256: \(errnoDescription())") }
            if count == 0 { break }
            digest.update(UnsafeRawBufferPointer(start: chunk, count: count))
        }
        return digest.finalizeHex()
    }
}
