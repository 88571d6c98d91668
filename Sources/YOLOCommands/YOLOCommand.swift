import ArgumentParser

/// `yolo`: the command-line front end. Each subcommand parses flags and calls the libraries.
public struct YOLOCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "yolo",
        abstract: "YOLOv5 object detection in Swift: build, inspect, train and run Ultralytics-format models.",
        subcommands: [Info.self, Train.self, Detect.self, Val.self, Benchmark.self, DatasetPreview.self, Demo.self],
        defaultSubcommand: Info.self
    )

    public init() {}
}
