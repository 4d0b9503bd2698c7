// libFuzzer entry point for SSEDecoder, compiled together with Sources/SSECodec by
// scripts/fuzz-decoder.sh. Any failed check traps, which libFuzzer reports as a finding.
//
// Oracle: for every input, decoding it whole, one byte per read, and in pseudo-random chunks must
// give the same outputs and errors; every decoded event must survive encode → decode unchanged.

/// An output or error, held as bytes so that comparisons see every scalar.
private enum Seen: Equatable {
    case event(type: [UInt8], data: [UInt8], id: [UInt8]?)
    case lastEventID([UInt8]?)
    case retry(Int)
    case comment([UInt8])
    case error(SSEDecodingError)

    init(_ output: SSEDecoder.Output) {
        switch output {
        case .event(let event):
            self = .event(
                type: Array(event.type.utf8),
                data: Array(event.data.utf8),
                id: event.id.map { Array($0.utf8) }
            )
        case .lastEventID(let id):
            self = .lastEventID(id.map { Array($0.utf8) })
        case .retry(let milliseconds):
            self = .retry(milliseconds)
        case .comment(let text):
            self = .comment(Array(text.utf8))
        }
    }
}

private func decode(
    _ input: UnsafeRawBufferPointer,
    chunkSizes: some Sequence<Int>,
    configuration: SSEDecoder.Configuration
) -> ([Seen], [ServerSentEvent]) {
    var decoder = SSEDecoder(configuration: configuration)
    var seen: [Seen] = []
    var events: [ServerSentEvent] = []
    var start = 0
    var sizes = chunkSizes.makeIterator()
    while start < input.count {
        let size = min(sizes.next() ?? input.count, input.count - start)
        let chunk = UnsafeRawBufferPointer(rebasing: input[start..<(start + size)])
        start += size
        var offset = 0
        while true {
            do throws(SSEDecodingError) {
                guard let output = try decoder.next(from: chunk, offset: &offset) else {
                    break
                }
                seen.append(Seen(output))
                if case .event(let event) = output {
                    events.append(event)
                }
            } catch {
                seen.append(.error(error))
            }
        }
        precondition(offset == chunk.count, "a chunk was not consumed")
    }
    decoder.finish()
    return (seen, events)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else {
        return 0
    }
    // The first byte picks the limits, so that error recovery is exercised as often as success.
    let selector = data[0]
    let configuration =
        selector & 1 == 0
        ? SSEDecoder.Configuration(reportsComments: selector & 2 == 0)
        : SSEDecoder.Configuration(
            maximumLineLength: Int(selector >> 2) + 1,
            maximumEventSize: Int(selector >> 3) * 3,
            reportsComments: selector & 2 == 0
        )
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)

    let (whole, events) = decode(input, chunkSizes: [input.count], configuration: configuration)
    let (bytewise, _) = decode(input, chunkSizes: repeatElement(1, count: input.count), configuration: configuration)
    precondition(bytewise == whole, "one byte per read differs from whole")
    var state = UInt64(size) &* 0x9E37_79B9_7F4A_7C15
    let randomSizes = (0..<input.count).lazy.map { _ -> Int in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(state >> 59)  // 0...31: empty reads included
    }
    let (chunked, _) = decode(input, chunkSizes: randomSizes, configuration: configuration)
    precondition(chunked == whole, "random chunks differ from whole")

    // Re-encode the events (restating the id whenever it changes) and decode them again.
    let encoder = SSEEncoder()
    var stream: [UInt8] = []
    var previousID: String?
    for event in events {
        var copy = event
        copy.id = event.id.map(Array.init) == previousID.map(Array.init) ? nil : (event.id ?? "")
        previousID = event.id
        do {
            try encoder.encode(copy, into: &stream)
        } catch {
            preconditionFailure("a decoded event could not be encoded: \(error)")
        }
    }
    let (_, again) = stream.withUnsafeBytes {
        decode($0, chunkSizes: [$0.count], configuration: .init(maximumLineLength: .max, maximumEventSize: .max))
    }
    precondition(again.count == events.count, "round trip lost events")
    for (original, decoded) in zip(events, again) {
        precondition(Array(original.type.utf8) == Array(decoded.type.utf8), "round trip changed a type")
        precondition(Array(original.data.utf8) == Array(decoded.data.utf8), "round trip changed data")
        precondition(
            original.id.map { Array($0.utf8) } == decoded.id.map { Array($0.utf8) },
            "round trip changed an id"
        )
    }
    return 0
}
