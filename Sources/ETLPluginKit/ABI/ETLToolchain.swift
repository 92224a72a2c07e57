/// The identity of the Swift compiler that built this code.
///
/// Swift has no stable ABI on Linux, so a Swift plugin must be built with
/// exactly the host's toolchain. The descriptor's `toolchain` field of every
/// Swift plugin is set from ``ETLToolchain/current``, and the host refuses a
/// plugin whose value differs from its own.
///
/// ```swift
/// print(ETLToolchain.current)   // "swift-6.3.1"
/// ```
public enum ETLToolchain {
    /// The compiler version as `swift-MAJOR.MINOR.PATCH`, e.g.
    /// `"swift-6.3.1"`.
    ///
    /// Computed at compile time with `#if compiler(>=...)`. Versions 6.0.0
    /// through 6.9.4 are named exactly. Coarser names cover the rest:
    /// `"swift-6.3.5-or-later-patch"` for a patch level above 4,
    /// `"swift-7.0-or-later"` and `"swift-5.x"`; two different compilers in
    /// one such range get the same name, so extend the ladder when a new
    /// toolchain ships.
    public static let current: String = {
        #if compiler(>=7.0)
        return "swift-7.0-or-later"
        #elseif compiler(>=6.9.5)
        return "swift-6.9.5-or-later-patch"
        #elseif compiler(>=6.9.4)
        return "swift-6.9.4"
        #elseif compiler(>=6.9.3)
        return "swift-6.9.3"
        #elseif compiler(>=6.9.2)
        return "swift-6.9.2"
        #elseif compiler(>=6.9.1)
        return "swift-6.9.1"
        #elseif compiler(>=6.9.0)
        return "swift-6.9.0"
        #elseif compiler(>=6.8.5)
        return "swift-6.8.5-or-later-patch"
        #elseif compiler(>=6.8.4)
        return "swift-6.8.4"
        #elseif compiler(>=6.8.3)
        return "swift-6.8.3"
        #elseif compiler(>=6.8.2)
        return "swift-6.8.2"
        #elseif compiler(>=6.8.1)
        return "swift-6.8.1"
        #elseif compiler(>=6.8.0)
        return "swift-6.8.0"
        #elseif compiler(>=6.7.5)
        return "swift-6.7.5-or-later-patch"
        #elseif compiler(>=6.7.4)
        return "swift-6.7.4"
        #elseif compiler(>=6.7.3)
        return "swift-6.7.3"
        #elseif compiler(>=6.7.2)
        return "swift-6.7.2"
        #elseif compiler(>=6.7.1)
        return "swift-6.7.1"
        #elseif compiler(>=6.7.0)
        return "swift-6.7.0"
        #elseif compiler(>=6.6.5)
        return "swift-6.6.5-or-later-patch"
        #elseif compiler(>=6.6.4)
        return "swift-6.6.4"
        #elseif compiler(>=6.6.3)
        return "swift-6.6.3"
        #elseif compiler(>=6.6.2)
        return "swift-6.6.2"
        #elseif compiler(>=6.6.1)
        return "swift-6.6.1"
        #elseif compiler(>=6.6.0)
        return "swift-6.6.0"
        #elseif compiler(>=6.5.5)
        return "swift-6.5.5-or-later-patch"
        #elseif compiler(>=6.5.4)
        return "swift-6.5.4"
        #elseif compiler(>=6.5.3)
        return "swift-6.5.3"
        #elseif compiler(>=6.5.2)
        return "swift-6.5.2"
        #elseif compiler(>=6.5.1)
        return "swift-6.5.1"
        #elseif compiler(>=6.5.0)
        return "swift-6.5.0"
        #elseif compiler(>=6.4.5)
        return "swift-6.4.5-or-later-patch"
        #elseif compiler(>=6.4.4)
        return "swift-6.4.4"
        #elseif compiler(>=6.4.3)
        return "swift-6.4.3"
        #elseif compiler(>=6.4.2)
        return "swift-6.4.2"
        #elseif compiler(>=6.4.1)
        return "swift-6.4.1"
        #elseif compiler(>=6.4.0)
        return "swift-6.4.0"
        #elseif compiler(>=6.3.5)
        return "swift-6.3.5-or-later-patch"
        #elseif compiler(>=6.3.4)
        return "swift-6.3.4"
        #elseif compiler(>=6.3.3)
        return "swift-6.3.3"
        #elseif compiler(>=6.3.2)
        return "swift-6.3.2"
        #elseif compiler(>=6.3.1)
        return "swift-6.3.1"
        #elseif compiler(>=6.3.0)
        return "swift-6.3.0"
        #elseif compiler(>=6.2.5)
        return "swift-6.2.5-or-later-patch"
        #elseif compiler(>=6.2.4)
        return "swift-6.2.4"
        #elseif compiler(>=6.2.3)
        return "swift-6.2.3"
        #elseif compiler(>=6.2.2)
        return "swift-6.2.2"
        #elseif compiler(>=6.2.1)
        return "swift-6.2.1"
        #elseif compiler(>=6.2.0)
        return "swift-6.2.0"
        #elseif compiler(>=6.1.5)
        return "swift-6.1.5-or-later-patch"
        #elseif compiler(>=6.1.4)
        return "swift-6.1.4"
        #elseif compiler(>=6.1.3)
        return "swift-6.1.3"
        #elseif compiler(>=6.1.2)
        return "swift-6.1.2"
        #elseif compiler(>=6.1.1)
        return "swift-6.1.1"
        #elseif compiler(>=6.1.0)
        return "swift-6.1.0"
        #elseif compiler(>=6.0.5)
        return "swift-6.0.5-or-later-patch"
        #elseif compiler(>=6.0.4)
        return "swift-6.0.4"
        #elseif compiler(>=6.0.3)
        return "swift-6.0.3"
        #elseif compiler(>=6.0.2)
        return "swift-6.0.2"
        #elseif compiler(>=6.0.1)
        return "swift-6.0.1"
        #elseif compiler(>=6.0.0)
        return "swift-6.0.0"
        #else
        return "swift-5.x"
        #endif
    }()
}
