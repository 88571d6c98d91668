/// Hand-written pickle fragments for tests, named after `pickletools` opcodes.
enum PickleBytes {
    static let proto2: [UInt8] = [0x80, 0x02]
    static let stop: [UInt8] = [0x2E]
    static let mark: [UInt8] = [0x28]
    static let none: [UInt8] = [0x4E]
    static let newFalse: [UInt8] = [0x89]
    static let emptyTuple: [UInt8] = [0x29]
    static let emptyList: [UInt8] = [0x5D]
    static let emptyDict: [UInt8] = [0x7D]
    static let emptySet: [UInt8] = [0x8F]
    static let tuple: [UInt8] = [0x74]
    static let tuple1: [UInt8] = [0x85]
    static let tuple2: [UInt8] = [0x86]
    static let append: [UInt8] = [0x61]
    static let appends: [UInt8] = [0x65]
    static let setItem: [UInt8] = [0x73]
    static let setItems: [UInt8] = [0x75]
    static let addItems: [UInt8] = [0x90]
    static let frozenSet: [UInt8] = [0x91]
    static let reduce: [UInt8] = [0x52]
    static let newObj: [UInt8] = [0x81]
    static let build: [UInt8] = [0x62]
    static let binPersId: [UInt8] = [0x51]
    static let memoize: [UInt8] = [0x94]
    static let stackGlobal: [UInt8] = [0x93]

    static func int1(_ value: UInt8) -> [UInt8] { [0x4B, value] }
    static func int(_ value: Int32) -> [UInt8] { [0x4A] + le32(UInt32(bitPattern: value)) }
    static func long1(_ digits: [UInt8]) -> [UInt8] { [0x8A, UInt8(digits.count)] + digits }
    static func float(_ value: Double) -> [UInt8] { [0x47] + le64(value.bitPattern).reversed() }
    static func unicode(_ text: String) -> [UInt8] { [0x58] + le32(UInt32(text.utf8.count)) + Array(text.utf8) }
    static func shortUnicode(_ text: String) -> [UInt8] { [0x8C, UInt8(text.utf8.count)] + Array(text.utf8) }
    static func global(_ module: String, _ name: String) -> [UInt8] {
        [0x63] + Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A]
    }
    static func put(_ index: UInt8) -> [UInt8] { [0x71, index] }
    static func get(_ index: UInt8) -> [UInt8] { [0x68, index] }

    /// `('storage', torch.<type>, key, 'cpu', count)` followed by BINPERSID.
    static func storage(_ type: String, key: String, count: UInt8) -> [UInt8] {
        mark + unicode("storage") + global("torch", type) + unicode(key) + unicode("cpu") + int1(count) + tuple
            + binPersId
    }

    /// `_rebuild_tensor_v2(storage, offset, size, stride, False, {})`.
    static func tensor(_ storage: [UInt8], offset: UInt8, size: [UInt8], stride: [UInt8]) -> [UInt8] {
        global("torch._utils", "_rebuild_tensor_v2") + mark + storage + int1(offset)
            + mark + size.flatMap { int1($0) } + tuple + mark + stride.flatMap { int1($0) } + tuple
            + newFalse + emptyDict + tuple + reduce
    }
}
