// The embedded server (SSENIO) under load: `GET /events` subscribes to one broadcaster topic;
// `POST /broadcast?count=M&size=B` publishes M events of B bytes of data as fast as it can, each
// starting with the wall-clock time it was published (nanoseconds, 19 digits), so that the load
// generator can measure latency on the same machine.
import SSECodec
import SSENIO
import SSEStreaming

#if canImport(Glibc)
import Glibc
#endif

func wallClockNanoseconds() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
}

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
var configuration = SSEBroadcaster.Configuration()
configuration.idPrefix = ""
let broadcaster = SSEBroadcaster(configuration: configuration)

var router = SSERouter()
router.get("/events") { request in
    .stream(broadcaster.subscribe(to: ["load"], lastEventID: request.lastEventID))
}
router.post("/broadcast") { request in
    let count = request.query["count"].flatMap { Int($0) } ?? 1_000
    let size = request.query["size"].flatMap { Int($0) } ?? 64
    Task {
        for _ in 0..<count {
            let stamp = String(wallClockNanoseconds())
            let data = stamp + " " + String(repeating: "x", count: max(0, size - stamp.count - 1))
            try broadcaster.publish(ServerSentEvent(data: data), to: "load")
        }
    }
    return .text("publishing \(count)\n", status: 202)
}

let server = SSEServer(configuration: .init(host: "127.0.0.1", port: port), router: router)
try await server.run { port in
    print("sse-load-server: listening on 127.0.0.1:\(port)")
    fflush(nil)
}
