import Foundation

/// train.py's learning-rate factor lf(epoch), which LambdaLR multiplies each group's initial LR by.
public enum LearningRateSchedule: String, Sendable, Equatable, CaseIterable {
    /// `(1 − x/epochs)·(1 − lrf) + lrf`: from 1 down to lrf at the last epoch.
    case linear
    /// `one_cycle(1, lrf, epochs)`: `max((1 − cos(x·π/epochs))/2, 0)·(lrf − 1) + 1` (`--cos-lr`).
    case cosine

    /// lf(epoch), evaluated in Python's operation order so the Doubles agree bit for bit.
    public func factor(epoch: Int, epochs: Int, finalFraction lrf: Double) -> Double {
        let x = Double(epoch)
        switch self {
        case .linear:
            return (1 - x / Double(epochs)) * (1.0 - lrf) + lrf
        case .cosine:
            let (start, end) = (1.0, lrf)
            return max((1 - cos(x * Double.pi / Double(epochs))) / 2, 0) * (end - start) + start
        }
    }
}
