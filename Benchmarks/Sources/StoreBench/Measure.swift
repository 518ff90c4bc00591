import Foundation

/// Timing helpers: every figure is the median of several runs, each run timing a block of operations.
enum Measure {
    /// Runs per figure (the issue asks for at least 5).
    static let runs = 9

    /// Wall-clock nanoseconds of `body`.
    static func nanoseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The median over ``runs`` runs of `run`, which returns one run's figure.
    static func median(_ run: () throws -> Double) rethrows -> (median: Double, samples: [Double]) {
        var samples: [Double] = []
        for _ in 0..<runs { samples.append(try run()) }
        return (median(samples), samples)
    }

    /// Two figures measured in alternating runs (A, B, A, B, …), so that a change in the machine's load falls on
    /// both alike.
    static func interleaved(
        _ first: () throws -> Double, _ second: () throws -> Double
    ) rethrows -> (first: [Double], second: [Double]) {
        var a: [Double] = []
        var b: [Double] = []
        for _ in 0..<runs {
            a.append(try first())
            b.append(try second())
        }
        return (a, b)
    }
}
