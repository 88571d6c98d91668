/// Builds small ZIP archives in memory the way torch.save lays them out (stored entries, data
/// descriptors with zero sizes in the local headers, optional local padding and ZIP64 records),
/// so tests can hand-craft checkpoints, including broken ones.
struct ZipBuilder {
    var entries: [(name: String, data: [UInt8])] = []
    /// Compression method written in the headers (the payload is stored either way).
    var method: UInt16 = 0
    /// Bytes of local extra field (torch pads payloads to 64-byte boundaries this way); the
    /// central directory's extra field stays empty, as in torch files.
    var localPadding = 0
    /// Writes 0xFFFF / 0xFFFFFFFF in the classic EOCD and the real values in ZIP64 records.
    var zip64 = false

    init(_ entries: [(name: String, data: [UInt8])]) {
        self.entries = entries
    }

    func build() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, data) in entries {
            let offset = out.count
            let nameBytes = Array(name.utf8)
            out += le32(0x0403_4B50) + le16(20) + le16(0x0808) + le16(method) + le16(0) + le16(0)
            out += le32(0) + le32(0) + le32(0) + le16(UInt16(nameBytes.count)) + le16(UInt16(localPadding))
            out += nameBytes
            if localPadding > 0 { out += le16(0x4246) + le16(UInt16(localPadding - 4)) + [UInt8](repeating: 0, count: localPadding - 4) }
            out += data
            out += le32(0x0807_4B50) + le32(0) + le32(UInt32(data.count)) + le32(UInt32(data.count))
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0x0808) + le16(method) + le16(0) + le16(0)
            central += le32(0) + le32(UInt32(data.count)) + le32(UInt32(data.count))
            central += le16(UInt16(nameBytes.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
            central += le32(UInt32(offset)) + nameBytes
        }
        let directoryOffset = out.count
        out += central
        if zip64 {
            let recordOffset = out.count
            out += le32(0x0606_4B50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
            out += le64(UInt64(entries.count)) + le64(UInt64(entries.count))
            out += le64(UInt64(central.count)) + le64(UInt64(directoryOffset))
            out += le32(0x0706_4B50) + le32(0) + le64(UInt64(recordOffset)) + le32(1)
            out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF)
            out += le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le16(0)
        } else {
            out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
            out += le32(UInt32(central.count)) + le32(UInt32(directoryOffset)) + le16(0)
        }
        return out
    }
}

func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8((value >> (8 * UInt64($0))) & 0xFF) } }
