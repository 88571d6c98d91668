import XCTest
import YOLOCommands

final class InstructionSetCheckTests: XCTestCase {
    func testThisMachineHasTheInstructionsTheBuildUses() {
        XCTAssertNil(InstructionSetCheck.problem())
    }

    func testAMissingInstructionIsNamed() throws {
        #if arch(x86_64)
        let cpuinfo = "processor\t: 0\nflags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 popcnt avx\nbogomips\t: 1\n"
        let message = try XCTUnwrap(InstructionSetCheck.problem(cpuinfo: cpuinfo))
        XCTAssertTrue(message.contains("avx2, fma, bmi1, bmi2, f16c, movbe"), message)
        XCTAssertNil(InstructionSetCheck.problem(cpuinfo: "flags : avx avx2 fma bmi1 bmi2 f16c movbe popcnt sse4_2\n"))
        #endif
    }
}
