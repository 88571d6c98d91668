import YOLOCommands

YOLOCommand.main(YOLOCommand.normalized(Array(CommandLine.arguments.dropFirst())))
