#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Seconds on a clock that runs on across processes and never jumps with the wall clock: `CLOCK_BOOTTIME` on Linux
/// (it counts suspended time too), `CLOCK_MONOTONIC` elsewhere. A link request is fresh for 10 minutes of it.
public enum BootClock {
    /// The clock's reading now.
    public static func seconds() -> Double {
        var now = timespec()
        #if canImport(Glibc)
            clock_gettime(CLOCK_BOOTTIME, &now)
        #else
            clock_gettime(CLOCK_MONOTONIC, &now)
        #endif
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
