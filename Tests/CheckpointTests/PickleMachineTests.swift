import Checkpoint
import TestSupport
import XCTest

/// The unpickler on hand-written byte sequences: semantics of the opcodes torch files use and
/// clear errors for everything malformed.
final class PickleMachineTests: XCTestCase {
    typealias P = PickleBytes

    private func unpickle(_ bytes: [UInt8], storage: PickleMachine.StorageLoader? = nil) throws -> PickleValue {
        try PickleMachine.unpickle(bytes, source: "test.pkl", storageData: storage)
    }

    func testScalars() throws {
        let bytes = P.proto2 + P.mark + P.int1(255) + P.int(-1) + P.float(1.5) + P.none + [0x88] + P.newFalse
            + P.unicode("héllo") + P.shortUnicode("x") + [0x43, 2, 0xDE, 0xAD] + [0x55, 2, 0x61, 0x62] + P.tuple + P.stop
        XCTAssertEqual(try unpickle(bytes), .tuple([.int(255), .int(-1), .float(1.5), .none, .bool(true), .bool(false),
                                                    .string("héllo"), .string("x"), .bytes([0xDE, 0xAD]), .string("ab")]))
    }

    func testLongIntegers() throws {
        XCTAssertEqual(try unpickle(P.proto2 + P.long1([]) + P.stop), .int(0))
        XCTAssertEqual(try unpickle(P.proto2 + P.long1([0x00, 0x80]) + P.stop), .int(-32768))
        XCTAssertEqual(try unpickle(P.proto2 + P.long1([0x00, 0x00, 0x00, 0x80, 0x00]) + P.stop), .int(1 << 31))
        XCTAssertEqual(try unpickle(P.proto2 + P.long1([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00]) + P.stop),
                       .int(Int.max))
        assertThrows(try unpickle(P.proto2 + P.long1([0, 0, 0, 0, 0, 0, 0, 0, 1]) + P.stop),
                     containing: ["does not fit in 64 bits", "LONG1", "byte offset 2"])
    }

    func testMemoSharesMutableContainers() throws {
        // d = {}; memo[0] = d; d['a'] = 1 (after memoising); (d, memo[0])
        let bytes = P.proto2 + P.emptyDict + P.put(0) + P.mark + P.unicode("a") + P.int1(1) + P.setItems
            + P.get(0) + P.tuple2 + P.stop
        let dict = PickleValue.dict([(key: .string("a"), value: .int(1))])
        XCTAssertEqual(try unpickle(bytes), .tuple([dict, dict]))
    }

    func testDictKeysReplaceLikePython() throws {
        let bytes = P.proto2 + P.emptyDict + P.mark + P.unicode("k") + P.int1(1) + P.unicode("j") + P.int1(2)
            + P.unicode("k") + P.int1(3) + P.setItems + P.stop
        XCTAssertEqual(try unpickle(bytes), .dict([(key: .string("k"), value: .int(3)), (key: .string("j"), value: .int(2))]))
    }

    func testUnknownClassesBecomeObjectsWithState() throws {
        // models.common.Conv.__new__(Conv) then BUILD({'i': 3}); nothing is imported.
        let bytes = P.proto2 + P.global("models.common", "Conv") + P.emptyTuple + P.newObj + P.emptyDict
            + P.unicode("i") + P.int1(3) + P.setItem + P.build + P.stop
        let object = try XCTUnwrap(try unpickle(bytes).objectValue)
        XCTAssertEqual(object.classToken, .global(module: "models.common", name: "Conv"))
        XCTAssertEqual(object.className, "models.common.Conv")
        XCTAssertEqual(object.attribute("i"), .int(3))
        // REDUCE on an unknown callable records its arguments; SETITEM/APPEND land in the object.
        let reduced = P.proto2 + P.global("numpy.core.multiarray", "scalar") + P.int1(7) + P.tuple1 + P.reduce
            + P.unicode("k") + P.none + P.setItem + P.int1(9) + P.append + P.stop
        XCTAssertEqual(try unpickle(reduced), .object(PickleObject(
            classToken: .global(module: "numpy.core.multiarray", name: "scalar"), args: [.int(7)],
            dictItems: [(key: .string("k"), value: .none)], listItems: [.int(9)])))
    }

    func testOrderedDictSetAndStackGlobal() throws {
        let ordered = P.proto2 + P.global("collections", "OrderedDict") + P.emptyTuple + P.reduce
            + P.mark + P.unicode("b") + P.int1(1) + P.unicode("a") + P.int1(2) + P.setItems
            + P.emptyDict + P.build + P.stop // BUILD on a dict (state_dict `_metadata`) is ignored
        XCTAssertEqual(try unpickle(ordered), .dict([(key: .string("b"), value: .int(1)), (key: .string("a"), value: .int(2))]))

        let set = P.proto2 + P.shortUnicode("builtins") + P.memoize + P.shortUnicode("set") + P.memoize + P.stackGlobal
            + P.emptyList + P.tuple1 + P.reduce + P.stop
        XCTAssertEqual(try unpickle(set), .set([]))
        let added = P.proto2 + P.emptySet + P.mark + P.int1(1) + P.int1(2) + P.addItems + P.mark + P.int1(3) + P.frozenSet
            + P.tuple2 + P.stop
        XCTAssertEqual(try unpickle(added), .tuple([.set([.int(1), .int(2)]), .set([.int(3)])]))
    }

    func testTensorFromStorageHonoursOffset() throws {
        let floats: [Float] = [1, 2, 3, 4, 5, 6, 7]
        let storageBytes = floats.withUnsafeBytes { Array($0) }
        var requested: [String] = []
        let bytes = P.proto2 + global("torch._utils", "_rebuild_parameter") + P.mark
            + P.tensor(P.storage("FloatStorage", key: "7", count: 7), offset: 1, size: [2, 3], stride: [3, 1])
            + P.newFalse + P.emptyDict + P.tuple + P.reduce + P.stop
        let value = try unpickle(bytes) { key in
            requested.append(key)
            return storageBytes[...]
        }
        XCTAssertEqual(requested, ["7"])
        let tensor = try XCTUnwrap(value.tensorValue)
        XCTAssertEqual(tensor.dtype, .float32)
        XCTAssertEqual(tensor.shape, [2, 3])
        XCTAssertEqual(tensor.floats(), [2, 3, 4, 5, 6, 7])
    }

    private func global(_ module: String, _ name: String) -> [UInt8] { P.global(module, name) }

    func testTensorErrors() {
        let storage = { (_: String) -> ArraySlice<UInt8> in [UInt8](repeating: 0, count: 16)[...] }
        let tooLong = P.proto2 + P.tensor(P.storage("FloatStorage", key: "0", count: 4), offset: 2, size: [3], stride: [1])
            + P.stop
        assertThrows(try unpickle(tooLong, storage: storage), containing: ["runs past the end of storage '0'"])
        let transposed = P.proto2 + P.tensor(P.storage("FloatStorage", key: "0", count: 4), offset: 0, size: [2, 2],
                                             stride: [1, 2]) + P.stop
        assertThrows(try unpickle(transposed, storage: storage), containing: ["not contiguous"])
        let bfloat = P.proto2 + P.storage("BFloat16Storage", key: "0", count: 4) + P.stop
        assertThrows(try unpickle(bfloat, storage: storage), containing: ["unsupported storage type torch.BFloat16Storage"])
        let short = P.proto2 + P.storage("DoubleStorage", key: "0", count: 4) + P.stop
        assertThrows(try unpickle(short, storage: storage), containing: ["storage '0' holds 16 bytes", "need 32"])
        assertThrows(try unpickle(P.proto2 + P.storage("FloatStorage", key: "0", count: 4) + P.stop),
                     containing: ["no storage records"])
    }

    func testMalformedPicklesThrow() {
        assertThrows(try unpickle(P.proto2 + [0x6F] + P.stop), containing: ["unsupported pickle opcode 0x6F at byte offset 2"])
        assertThrows(try unpickle(P.proto2 + P.int1(1) + P.append + P.stop), containing: ["stack underflow", "APPEND"])
        assertThrows(try unpickle(P.proto2 + P.get(5) + P.stop), containing: ["memo key 5"])
        assertThrows(try unpickle(P.proto2 + P.int1(1) + P.tuple + P.stop), containing: ["no MARK", "TUPLE"])
        assertThrows(try unpickle(P.proto2 + [0x58, 0xFF, 0, 0, 0, 0x61]), containing: ["unexpected end of data", "BINUNICODE"])
        assertThrows(try unpickle(P.proto2 + P.int1(1)), containing: ["without a STOP"])
        assertThrows(try unpickle(P.proto2 + [0x58, 1, 0, 0, 0, 0xFF] + P.stop), containing: ["not valid UTF-8"])
        assertThrows(try unpickle(P.proto2 + P.mark + P.int1(1) + [0x30, 0x30] + P.stop), containing: ["stack underflow"])
        assertThrows(try unpickle(P.proto2 + P.mark + P.int1(1) + P.setItems + P.stop), containing: ["stack underflow"])
        assertThrows(try unpickle(P.proto2 + P.int1(1) + P.mark + P.unicode("k") + P.int1(2) + P.setItems + P.stop),
                     containing: ["SETITEM needs a dict", "type int"])
    }

    func testCyclesAndDeepNestingAreErrors() {
        // l = []; l.append(l)
        let cycle = P.proto2 + P.emptyList + P.put(0) + P.get(0) + P.append + P.stop
        assertThrows(try unpickle(cycle), containing: ["reference cycle"])
        let deep = P.proto2 + [UInt8](repeating: 0x5D, count: 100_000) + [UInt8](repeating: 0x61, count: 99_999) + P.stop
        assertThrows(try unpickle(deep), containing: ["nests deeper than"])
    }
}
