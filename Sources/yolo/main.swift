import YOLOCommands

#if canImport(Glibc)
import Glibc
#endif

if let problem = InstructionSetCheck.problem() {
    fputs(problem + "\n", stderr)
    exit(1)
}
YOLOCommand.main(YOLOCommand.normalized(Array(CommandLine.arguments.dropFirst())))
