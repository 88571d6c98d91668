#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints the training progress: per epoch the header, then the batch line with its meter.
///
/// On a terminal the line is redrawn in place with `\r` after every batch (padded with spaces
/// over a longer previous line, as tqdm does). Into a file or a pipe only the final state of
/// each epoch is written, one line per epoch, so logs stay readable.
public struct TrainingConsole {
    public let epochs: Int
    public let batchesPerEpoch: Int
    public let interactive: Bool
    private let write: (String) -> Void
    private let clock: () -> Double
    private var epochStart = 0.0
    private var lastLine: String?
    private var drawnLength = 0

    /// - Parameters:
    ///   - interactive: whether to redraw in place; by default whether stdout is a terminal.
    ///   - write: where text goes (stdout by default, flushed after every write).
    ///   - clock: seconds from any fixed origin (a monotonic clock by default); for the meter's times.
    public init(epochs: Int, batchesPerEpoch: Int, interactive: Bool = isatty(STDOUT_FILENO) != 0,
                write: @escaping (String) -> Void = TrainingConsole.standardOutput,
                clock: @escaping () -> Double = TrainingConsole.monotonicSeconds) {
        self.epochs = epochs
        self.batchesPerEpoch = batchesPerEpoch
        self.interactive = interactive
        self.write = write
        self.clock = clock
    }

    /// Prints the header (after an empty line, as train.py logs it) and starts the epoch's clock.
    public mutating func startEpoch() {
        write("\n" + TrainingProgress.header + "\n")
        epochStart = clock()
        lastLine = nil
        drawnLength = 0
    }

    /// After batch `index` (from 0) of the epoch: the running mean losses, the batch's target count
    /// and image size, the resident memory in bytes.
    public mutating func batchFinished(index: Int, epoch: Int, meanLosses: [Double], instances: Int, imageSize: Int,
                                       memoryBytes: Int) {
        let description = TrainingProgress.description(epoch: epoch, epochs: epochs, memoryBytes: memoryBytes,
                                                        meanLosses: meanLosses, instances: instances, imageSize: imageSize)
        let line = TrainingProgress.line(description: description, batch: index + 1, of: batchesPerEpoch,
                                         elapsed: clock() - epochStart)
        lastLine = line
        guard interactive else { return }
        let length = line.unicodeScalars.count
        write("\r" + line + String(repeating: " ", count: max(drawnLength - length, 0)))
        drawnLength = length
    }

    /// Ends the epoch's line: a newline on a terminal, the final line otherwise.
    public mutating func finishEpoch() {
        if interactive {
            if lastLine != nil { write("\n") }
        } else if let lastLine {
            write(lastLine + "\n")
        }
        lastLine = nil
        drawnLength = 0
    }

    public static func standardOutput(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }

    public static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
