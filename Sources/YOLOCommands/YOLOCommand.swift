import ArgumentParser

/// `yolo`: the command-line front end. Each subcommand parses flags and calls the libraries.
public struct YOLOCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "yolo",
        abstract: "YOLOv5 object detection in Swift: build, inspect, train and run Ultralytics-format models.",
        subcommands: [Info.self, Train.self, Sweep.self, Detect.self, Val.self, Benchmark.self, DatasetPreview.self, Demo.self],
        defaultSubcommand: Info.self
    )

    public init() {}
}

extension YOLOCommand {
    /// train.py's `--resume` takes an optional path (`nargs="?"`), which ArgumentParser cannot
    /// express: a bare `--resume` (last argument, or followed by another option) becomes the
    /// hidden `--resume-newest` flag.
    public static func normalized(_ arguments: [String]) -> [String] {
        var result: [String] = []
        for (index, argument) in arguments.enumerated() {
            let next = index + 1 < arguments.count ? arguments[index + 1] : nil
            if argument == "--resume", next == nil || next!.hasPrefix("-") {
                result.append("--resume-newest")
            } else {
                result.append(argument)
            }
        }
        return result
    }
}
