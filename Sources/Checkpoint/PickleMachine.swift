/// A data-only unpickler (protocol 2, plus the common protocol 3/4 opcodes).
///
/// Every GLOBAL is an opaque `(module, name)` token and nothing is ever imported or executed.
/// Calling a token (REDUCE / NEWOBJ) records a `PickleObject`, except for the handful of
/// callables a torch checkpoint needs as real data: `collections.OrderedDict`, `set` /
/// `frozenset`, `torch._utils._rebuild_tensor_v2` (and its `_rebuild_parameter` wrappers),
/// and persistent ids `('storage', <torch XStorage>, key, location, numel)`, whose bytes come
/// from `storageData(key)`.
public struct PickleMachine {
    /// Returns the raw bytes of storage record `key` (`<prefix>/data/<key>` of a torch.save ZIP).
    public typealias StorageLoader = (_ key: String) throws -> ArraySlice<UInt8>

    /// Unpickles `bytes`. `source` names the file (and record) in errors.
    public static func unpickle(_ bytes: ArraySlice<UInt8>, source: String,
                                storageData: StorageLoader? = nil) throws -> PickleValue {
        var machine = PickleMachine(bytes: bytes, source: source, storageData: storageData)
        defer { machine.releaseGraph() }
        let root = try machine.run()
        var converter = PickleGraphConverter(source: source)
        return try converter.value(of: root)
    }

    public static func unpickle(_ bytes: [UInt8], source: String, storageData: StorageLoader? = nil) throws
        -> PickleValue
    {
        try unpickle(bytes[...], source: source, storageData: storageData)
    }

    private var reader: ByteReader
    private let loadStorage: StorageLoader?
    private var stack: [PickleNode] = []
    /// Stack heights at each MARK. As in CPython, a MARK hides what lies below it: popping past
    /// the innermost mark is a stack underflow, not a silent read of older items.
    private var marks: [Int] = []
    private var memo: [Int: PickleNode] = [:]
    /// Every box created, so the graph can be torn down iteratively (see `PickleBox.releaseContents`).
    private var arena: [PickleBox] = []
    private var storages: [String: StorageReference] = [:]
    /// Where the opcode being executed starts, for error messages.
    private var opcodeOffset = 0
    private var opcode: PickleOpcode = .proto

    private init(bytes: ArraySlice<UInt8>, source: String, storageData: StorageLoader?) {
        reader = ByteReader(bytes, source: source)
        loadStorage = storageData
    }

    private mutating func releaseGraph() {
        stack = []
        memo = [:]
        for box in arena { box.releaseContents() }
        arena = []
    }

    // MARK: - Errors

    private func failure(_ message: String) -> CheckpointError {
        reader.error("\(message) (pickle opcode \(opcode.name) at byte offset \(opcodeOffset))")
    }

    // MARK: - Stack

    private var floor: Int { marks.last ?? 0 }

    private mutating func push(_ node: PickleNode) {
        stack.append(node)
    }

    private mutating func push(_ value: PickleValue) {
        stack.append(.leaf(value))
    }

    private mutating func pop() throws -> PickleNode {
        guard stack.count > floor else { throw failure("pickle stack underflow") }
        return stack.removeLast()
    }

    private func top() throws -> PickleNode {
        guard stack.count > floor, let last = stack.last else { throw failure("pickle stack underflow") }
        return last
    }

    private mutating func popToMark() throws -> [PickleNode] {
        guard let mark = marks.popLast() else { throw failure("no MARK on the pickle stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func makeBox(_ kind: PickleBox.Kind, items: [PickleNode] = []) -> PickleBox {
        let box = PickleBox(kind, items: items)
        arena.append(box)
        return box
    }

    private mutating func memoPut(_ key: Int) throws {
        memo[key] = try top()
    }

    private mutating func memoGet(_ key: Int) throws {
        guard let node = memo[key] else { throw failure("memo key \(key) was never stored") }
        push(node)
    }

    // MARK: - The loop

    private mutating func run() throws -> PickleNode {
        while true {
            opcodeOffset = reader.offset
            guard !reader.isAtEnd else {
                throw reader.error("the pickle ends at byte offset \(reader.offset) without a STOP opcode (truncated?)")
            }
            let byte = try reader.readUInt8("opcode")
            guard let next = PickleOpcode(rawValue: byte) else {
                throw reader.error("unsupported pickle opcode 0x\(hex(byte)) at byte offset \(opcodeOffset)")
            }
            opcode = next
            if next == .stop { return try pop() }
            try execute(next)
        }
    }

    private mutating func execute(_ opcode: PickleOpcode) throws {
        switch opcode {
        case .stop:
            break
        case .proto:
            let version = try reader.readUInt8("protocol version")
            guard version <= 5 else { throw failure("unsupported pickle protocol \(version)") }
        case .frame:
            // Frames are only a buffering hint for the writer; the opcodes inside read as usual.
            _ = try reader.readUInt64("frame length")
        case .mark:
            marks.append(stack.count)
        case .pop:
            if stack.count == floor, let mark = marks.last, mark == stack.count {
                _ = try popToMark() // CPython: POP right after MARK discards the mark
            } else {
                _ = try pop()
            }
        case .popMark:
            _ = try popToMark()
        case .dup:
            push(try top())

        case .none:
            push(.none)
        case .newTrue:
            push(.bool(true))
        case .newFalse:
            push(.bool(false))
        case .binInt:
            push(.int(Int(try reader.readInt32("BININT value"))))
        case .binInt1:
            push(.int(Int(try reader.readUInt8("BININT1 value"))))
        case .binInt2:
            push(.int(Int(try reader.readUInt16("BININT2 value"))))
        case .long1:
            let count = Int(try reader.readUInt8("LONG1 length"))
            push(.int(try twosComplementInteger(try reader.readBytes(count, "LONG1 digits"))))
        case .long4:
            let count = try reader.readInt32("LONG4 length")
            guard count >= 0 else { throw failure("negative LONG4 length \(count)") }
            push(.int(try twosComplementInteger(try reader.readBytes(Int(count), "LONG4 digits"))))
        case .binFloat:
            push(.float(try reader.readBigEndianDouble("BINFLOAT value")))
        case .binString:
            let count = try reader.readInt32("BINSTRING length")
            guard count >= 0 else { throw failure("negative BINSTRING length \(count)") }
            push(.string(legacyString(try reader.readBytes(Int(count), "BINSTRING text"))))
        case .shortBinString:
            let count = Int(try reader.readUInt8("SHORT_BINSTRING length"))
            push(.string(legacyString(try reader.readBytes(count, "SHORT_BINSTRING text"))))
        case .binUnicode:
            let count = Int(try reader.readUInt32("BINUNICODE length"))
            push(.string(try unicodeString(try reader.readBytes(count, "BINUNICODE text"))))
        case .shortBinUnicode:
            let count = Int(try reader.readUInt8("SHORT_BINUNICODE length"))
            push(.string(try unicodeString(try reader.readBytes(count, "SHORT_BINUNICODE text"))))
        case .binUnicode8:
            let count = try reader.checkedLength(try reader.readUInt64("BINUNICODE8 length"), "BINUNICODE8 text")
            push(.string(try unicodeString(try reader.readBytes(count, "BINUNICODE8 text"))))
        case .binBytes:
            let count = Int(try reader.readUInt32("BINBYTES length"))
            push(.bytes(Array(try reader.readBytes(count, "BINBYTES data"))))
        case .shortBinBytes:
            let count = Int(try reader.readUInt8("SHORT_BINBYTES length"))
            push(.bytes(Array(try reader.readBytes(count, "SHORT_BINBYTES data"))))
        case .binBytes8:
            let count = try reader.checkedLength(try reader.readUInt64("BINBYTES8 length"), "BINBYTES8 data")
            push(.bytes(Array(try reader.readBytes(count, "BINBYTES8 data"))))

        case .emptyTuple:
            push(.box(makeBox(.tuple)))
        case .tuple:
            let items = try popToMark()
            push(.box(makeBox(.tuple, items: items)))
        case .tuple1, .tuple2, .tuple3:
            let count = opcode == .tuple1 ? 1 : opcode == .tuple2 ? 2 : 3
            var items: [PickleNode] = []
            for _ in 0..<count { items.append(try pop()) }
            push(.box(makeBox(.tuple, items: items.reversed())))
        case .emptyList:
            push(.box(makeBox(.list)))
        case .list:
            let items = try popToMark()
            push(.box(makeBox(.list, items: items)))
        case .append:
            let item = try pop()
            try appendTarget().items.append(item)
        case .appends:
            let items = try popToMark()
            try appendTarget().items.append(contentsOf: items)
        case .emptyDict:
            push(.box(makeBox(.dict)))
        case .dict:
            let items = try popToMark()
            let box = makeBox(.dict)
            try setItems(items, into: box)
            push(.box(box))
        case .setItem:
            let value = try pop()
            let key = try pop()
            try setItemTarget().setItem(key, value)
        case .setItems:
            let items = try popToMark()
            try setItems(items, into: try setItemTarget())
        case .emptySet:
            push(.box(makeBox(.set)))
        case .addItems:
            let items = try popToMark()
            guard case let .box(box) = try top(), box.kind == .set else {
                throw failure("ADDITEMS needs a set below the MARK, found a \(try top().kindName)")
            }
            box.items.append(contentsOf: items)
        case .frozenSet:
            let items = try popToMark()
            push(.box(makeBox(.set, items: items)))

        case .global:
            let module = try unicodeString(try reader.readLine("GLOBAL module name"))
            let name = try unicodeString(try reader.readLine("GLOBAL class name"))
            push(.global(module: module, name: name))
        case .stackGlobal:
            let name = try pop()
            let module = try pop()
            guard case let .leaf(.string(moduleText)) = module, case let .leaf(.string(nameText)) = name else {
                throw failure("STACK_GLOBAL needs two strings, found \(module.kindName) and \(name.kindName)")
            }
            push(.global(module: moduleText, name: nameText))
        case .reduce:
            let args = try pop()
            let callable = try pop()
            push(try call(callable, arguments: try tupleItems(args, "REDUCE arguments")))
        case .newObj:
            let args = try pop()
            let cls = try pop()
            push(try call(cls, arguments: try tupleItems(args, "NEWOBJ arguments")))
        case .newObjEx:
            let keywords = try pop()
            let args = try pop()
            let cls = try pop()
            var arguments = try tupleItems(args, "NEWOBJ_EX arguments")
            // Keyword arguments have no slot of their own in PickleObject; keep them as a last argument.
            if case let .box(box) = keywords, box.kind == .dict, !box.pairs.isEmpty { arguments.append(keywords) }
            push(try call(cls, arguments: arguments))
        case .build:
            let state = try pop()
            try build(try top(), state: state)
        case .binPersId:
            push(try persistentLoad(try pop()))

        case .binGet:
            try memoGet(Int(try reader.readUInt8("BINGET index")))
        case .longBinGet:
            try memoGet(Int(try reader.readUInt32("LONG_BINGET index")))
        case .binPut:
            try memoPut(Int(try reader.readUInt8("BINPUT index")))
        case .longBinPut:
            try memoPut(Int(try reader.readUInt32("LONG_BINPUT index")))
        case .memoize:
            try memoPut(memo.count)
        }
    }

    // MARK: - Containers

    private func appendTarget() throws -> PickleBox {
        let target = try top()
        guard case let .box(box) = target, box.kind == .list || box.kind == .object else {
            throw failure("APPEND needs a list below it, found a value of type \(target.kindName)")
        }
        return box
    }

    private func setItemTarget() throws -> PickleBox {
        let target = try top()
        guard case let .box(box) = target, box.kind == .dict || box.kind == .object else {
            throw failure("SETITEM needs a dict below it, found a value of type \(target.kindName)")
        }
        return box
    }

    private func setItems(_ items: [PickleNode], into box: PickleBox) throws {
        guard items.count % 2 == 0 else { throw failure("odd number of items (\(items.count)) for key/value pairs") }
        var index = 0
        while index < items.count {
            box.setItem(items[index], items[index + 1])
            index += 2
        }
    }

    private func tupleItems(_ node: PickleNode, _ what: String) throws -> [PickleNode] {
        guard case let .box(box) = node, box.kind == .tuple || box.kind == .list else {
            throw failure("\(what) must be a tuple, found a \(node.kindName)")
        }
        return box.items
    }

    private func build(_ target: PickleNode, state: PickleNode) throws {
        switch target {
        case let .box(box) where box.kind == .object:
            box.state = state
        case let .box(box) where box.kind == .dict:
            // An OrderedDict's BUILD carries attributes such as a state_dict's `_metadata`; not data we keep.
            break
        case .leaf(.tensor):
            // Tensor attributes (a Parameter's extra __dict__) do not change the values.
            break
        default:
            throw failure("BUILD on a \(target.kindName) is not supported")
        }
    }

    // MARK: - Calls on class tokens

    private mutating func call(_ callable: PickleNode, arguments: [PickleNode]) throws -> PickleNode {
        guard case let .leaf(.global(module, name)) = callable else {
            return newObject(callable, arguments: arguments)
        }
        switch (module, name) {
        case ("collections", "OrderedDict"), ("__builtin__", "dict"), ("builtins", "dict"):
            let box = makeBox(.dict)
            if let source = arguments.first {
                for pair in try iterableItems(source, "\(name) argument") {
                    let items = try iterableItems(pair, "\(name) item")
                    guard items.count == 2 else { throw failure("\(name) item has \(items.count) parts, not 2") }
                    box.setItem(items[0], items[1])
                }
            }
            return .box(box)
        case ("__builtin__", "set"), ("builtins", "set"), ("__builtin__", "frozenset"), ("builtins", "frozenset"):
            let items = try arguments.first.map { try iterableItems($0, "\(name) argument") } ?? []
            return .box(makeBox(.set, items: items))
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            return .leaf(.tensor(try rebuildTensor(arguments)))
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard let data = arguments.first, case .leaf(.tensor) = data else {
                throw failure("\(name) expects a tensor as its first argument, found "
                    + "\(arguments.first?.kindName ?? "nothing")")
            }
            return data
        case ("torch._tensor", "_rebuild_from_type_v2"):
            // (function, type, args, state): the tensor is function(*args); the type and state only decorate it.
            guard arguments.count >= 3 else { throw failure("_rebuild_from_type_v2 needs at least 3 arguments") }
            return try call(arguments[0], arguments: try tupleItems(arguments[2], "_rebuild_from_type_v2 arguments"))
        default:
            return newObject(callable, arguments: arguments)
        }
    }

    private mutating func newObject(_ cls: PickleNode, arguments: [PickleNode]) -> PickleNode {
        let box = makeBox(.object)
        box.classToken = cls
        box.args = arguments
        return .box(box)
    }

    private func iterableItems(_ node: PickleNode, _ what: String) throws -> [PickleNode] {
        guard case let .box(box) = node, box.kind != .dict, box.kind != .object else {
            throw failure("\(what) must be a list, tuple or set, found a \(node.kindName)")
        }
        return box.items
    }

    private func integer(_ node: PickleNode, _ what: String) throws -> Int {
        guard case let .leaf(value) = node, let number = value.intValue else {
            throw failure("\(what) must be an integer, found a \(node.kindName)")
        }
        return number
    }

    private func integers(_ node: PickleNode, _ what: String) throws -> [Int] {
        try tupleItems(node, what).map { try integer($0, "an element of \(what)") }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`:
    /// copies the tensor's elements out of the storage. Only row-major contiguous layouts are
    /// accepted: anything else is a view whose element order would need a gather.
    private func rebuildTensor(_ arguments: [PickleNode]) throws -> StoredTensor {
        guard arguments.count >= 4 else {
            throw failure("_rebuild_tensor_v2 needs at least 4 arguments, found \(arguments.count)")
        }
        guard case let .leaf(.storage(storage)) = arguments[0] else {
            throw failure("_rebuild_tensor_v2 expects a storage as its first argument, found a \(arguments[0].kindName)")
        }
        let offset = try integer(arguments[1], "storage_offset")
        let shape = try integers(arguments[2], "tensor size")
        let strides = try integers(arguments[3], "tensor stride")
        guard offset >= 0, shape.allSatisfy({ $0 >= 0 }), shape.count == strides.count else {
            throw failure("invalid tensor layout: storage_offset \(offset), size \(shape), stride \(strides)")
        }
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw failure("tensor size \(shape) overflows") }
            count = product
        }
        if count > 0 {
            var expected = 1
            for axis in shape.indices.reversed() {
                // A stride along an axis of extent 1 is never used, so torch leaves it arbitrary.
                if shape[axis] != 1, strides[axis] != expected {
                    throw failure("tensor of size \(shape) with strides \(strides) in storage '\(storage.key)' is "
                        + "not contiguous (only row-major contiguous tensors are supported)")
                }
                expected *= shape[axis]
            }
        }
        guard offset <= storage.elementCount, count <= storage.elementCount - offset else {
            throw failure("tensor of \(count) elements at storage_offset \(offset) runs past the end of storage "
                + "'\(storage.key)' (\(storage.elementCount) elements)")
        }
        let itemSize = storage.dtype.byteCount
        let start = storage.bytes.startIndex + offset * itemSize
        return StoredTensor(dtype: storage.dtype, shape: shape,
                            bytes: Array(storage.bytes[start..<(start + count * itemSize)]))
    }

    // MARK: - Persistent ids

    /// `('storage', <GLOBAL torch XStorage>, key, location, numel)` → the storage's bytes.
    private mutating func persistentLoad(_ pid: PickleNode) throws -> PickleNode {
        guard case let .box(box) = pid, box.kind == .tuple, box.items.count >= 5,
              case .leaf(.string("storage")) = box.items[0] else {
            throw failure("unsupported persistent id (a \(pid.kindName)); only torch ('storage', type, key, "
                + "location, numel) ids are understood")
        }
        guard case let .leaf(.global(module, typeName)) = box.items[1], module == "torch" else {
            throw failure("persistent id storage type must be a torch storage class, found a \(box.items[1].kindName)")
        }
        guard case let .leaf(.string(key)) = box.items[2] else {
            throw failure("persistent id storage key must be a string, found a \(box.items[2].kindName)")
        }
        guard case let .leaf(.string(location)) = box.items[3] else {
            throw failure("persistent id location must be a string, found a \(box.items[3].kindName)")
        }
        let count = try integer(box.items[4], "storage element count")
        let dtype: StoredDType
        do {
            dtype = try StorageReference.dtype(ofStorageClass: typeName, source: reader.source)
        } catch let error as CheckpointError {
            throw failure("\(error.message) (storage '\(key)')")
        }
        if let known = storages[key] {
            guard known.dtype == dtype, known.elementCount == count else {
                throw failure("storage '\(key)' is referenced as both \(known.dtype) × \(known.elementCount) "
                    + "and \(dtype) × \(count)")
            }
            return .leaf(.storage(known))
        }
        guard let loadStorage else { throw failure("persistent id for storage '\(key)' but no storage records") }
        let bytes = try loadStorage(key)
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
        guard count >= 0, !overflow, bytes.count >= needed else {
            throw failure("storage '\(key)' holds \(bytes.count) bytes but \(count) \(dtype) elements need "
                + "\(overflow ? "more" : String(needed))")
        }
        let storage = StorageReference(dtype: dtype, key: key, location: location, elementCount: count, bytes: bytes)
        storages[key] = storage
        return .leaf(.storage(storage))
    }

    // MARK: - Scalars

    /// LONG1 / LONG4 payload: little-endian two's complement of any length; must fit in 64 bits.
    private func twosComplementInteger(_ digits: ArraySlice<UInt8>) throws -> Int {
        guard let last = digits.last else { return 0 }
        let negative = last & 0x80 != 0
        var bits: UInt64 = negative ? ~0 : 0
        for (index, byte) in digits.prefix(8).enumerated() {
            let shift = UInt64(8 * index)
            bits = bits & ~(0xFF << shift) | UInt64(byte) << shift
        }
        let value = Int(Int64(bitPattern: bits))
        if digits.count > 8 {
            let fill: UInt8 = negative ? 0xFF : 0x00
            guard digits.dropFirst(8).allSatisfy({ $0 == fill }), (value < 0) == negative else {
                throw failure("integer of \(digits.count) bytes does not fit in 64 bits")
            }
        }
        return value
    }

    private func unicodeString(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw failure("string is not valid UTF-8")
        }
        return text
    }

    /// Python 2 `str` (BINSTRING): bytes of unknown encoding; UTF-8 when valid, else Latin-1.
    private func legacyString(_ bytes: ArraySlice<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}
