/// Byte constants of the wire format.
@usableFromInline
enum ASCII {
    @usableFromInline static let lineFeed: UInt8 = 0x0A
    @usableFromInline static let carriageReturn: UInt8 = 0x0D
    @usableFromInline static let colon: UInt8 = 0x3A
    @usableFromInline static let space: UInt8 = 0x20
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    @usableFromInline static let null: UInt8 = 0x00
}

/// Returns the offset of the first CR or LF in `base[start..<end]`, or `end` if there is none.
///
/// Eight bytes at a time (SWAR): for a word `w`, `(w - 0x01…) & ~w & 0x80…` marks zero bytes of `w`.
/// Marks can be spurious only above a true zero byte (a borrow), so the lowest mark is always exact.
@usableFromInline
@inline(__always)
func firstLineBreak(in base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    let lineFeeds: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
    let carriageReturns: UInt64 = 0x0D0D_0D0D_0D0D_0D0D
    var index = start
    while index &+ 8 <= end {
        let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        let lf = word ^ lineFeeds
        let cr = word ^ carriageReturns
        let marks = (((lf &- ones) & ~lf) | ((cr &- ones) & ~cr)) & highs
        if marks != 0 {
            return index &+ (marks.trailingZeroBitCount &>> 3)
        }
        index &+= 8
    }
    while index < end {
        let byte = base.load(fromByteOffset: index, as: UInt8.self)
        if byte == ASCII.lineFeed || byte == ASCII.carriageReturn {
            return index
        }
        index &+= 1
    }
    return end
}
