import YOLOCommands

YOLOCommand.main()
