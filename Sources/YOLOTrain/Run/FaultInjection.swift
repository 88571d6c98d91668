import Foundation

/// A place where a test can freeze a training run to kill it there: `YOLO_TEST_PAUSE` set to
/// `batch:E:B` (before batch B of epoch E) or `checkpoint:E` (epoch E's last checkpoint written
/// to its temporary file, not yet renamed). The run prints `paused at …` to stderr and waits to
/// be killed. Unset, nothing happens.
struct FaultInjection {
    let point: String?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        point = environment["YOLO_TEST_PAUSE"]
    }

    func reached(_ here: String) {
        guard let point, point == here else { return }
        FileHandle.standardError.write(Data("paused at \(here)\n".utf8))
        while true { sleep(60) }
    }
}
