/// The operating system and CPU a plugin library must be built for, as a
/// plugin index spells it: `linux-x86_64`, `linux-aarch64`, `macos-arm64`.
public enum HostPlatform {
    /// The platform of this etl-host build.
    public static let current: String = {
        #if os(Linux)
        let system = "linux"
        #elseif os(macOS)
        let system = "macos"
        #else
        let system = "unknown"
        #endif
        #if arch(x86_64)
        let machine = "x86_64"
        #elseif arch(arm64)
        let machine = system == "macos" ? "arm64" : "aarch64"
        #else
        let machine = "unknown"
        #endif
        return "\(system)-\(machine)"
    }()
}
