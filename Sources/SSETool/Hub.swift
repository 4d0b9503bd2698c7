//===----------------------------------------------------------------------===//
//
// This source file is part of the swift-sse open source project
//
// Copyright (c) 2026 the swift-sse project authors
// Licensed under Apache License v2.0
//
// See LICENSE.txt for license information
// See CONTRIBUTORS.txt for the list of swift-sse project authors
//
// SPDX-License-Identifier: Apache-2.0
//
//===----------------------------------------------------------------------===//

#if CommandLineTool
import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOSSL
import PostgresNIO
import Prometheus
import SSEAuthorization
import SSECodec
import SSELongPolling
import SSENIO
import SSEPostgres
import SSEStreaming
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `sse hub`: a publish hub on the embedded server and the broadcaster, or many hubs on one
/// PostgreSQL.
struct Hub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a publish hub: subscribe with GET /events, publish with POST /publish.",
        discussion: """
            GET /events?topic=T streams topic T (default "default"; several: topic=a,b), resuming after \
            Last-Event-ID from the replay log (or PostgreSQL's table, with --postgres: on any hub of \
            the database); with transport=poll it answers as a long poll, so the browser script \
            (/sse.js) works too. POST /publish?topic=T publishes the request body as the event's data; \
            with Content-Type: application/json, {"topic":…,"type":…,"data":…,"id":…,"private":…} \
            (data required; topic a string or a list); with a form (application/x-www-form-urlencoded, \
            as Mercure's publishers send it, naming at least one of these fields), the fields topic \
            (repeatable, with the query's), data, type, id and private. The answer is the event's ID \
            (with --postgres, the database assigns IDs; an id sent with the publish is its \
            idempotency key: sent again, it publishes nothing and answers the first ID).

            Authorization (--jwt-secret or --jwt-key): a publisher sends Authorization: Bearer with a \
            token whose grants allow publishing to every topic of the update ({"sse":{"publish":["news", \
            "rooms/*"]}}, or Mercure's "mercure" claim with --jwt-claim mercure). A subscriber shows a \
            token (the Authorization header, a one-time ticket from POST /ticket in the URL, or the \
            cookie POST /cookie sets); any valid token receives the public updates of the topics it \
            names, and the private updates of those its subscribe grants allow. With --anonymous, a \
            subscriber without credentials receives public updates. A stream ends when its token \
            expires. Without a key, anyone may publish and subscribe, and private updates are refused.

            GET /healthz answers 200 once the hub listens (and, with --postgres, listens to the \
            database), 503 before. GET /metrics is Prometheus's text format (on --metrics-port alone, \
            when given). On SIGTERM or SIGINT the hub stops listening, says GOAWAY on HTTP/2 \
            connections, ends every stream with an sse-hub-stopping event and a retry: drawn from 1–10 s \
            (so clients return spread out, to another hub), waits --shutdown-grace seconds at most for \
            them, and exits 0. Exit statuses: 0 stopped, 64 bad options or configuration, 69 cannot \
            listen (address in use, or the certificate cannot be read).

            Every option can also come from the environment (SSE_HUB_ and its name in capitals, \
            dashes as underscores: SSE_HUB_PORT, SSE_HUB_JWT_SECRET) and from a configuration \
            file (--config FILE or SSE_HUB_CONFIG: one "name = value" per line, # for comments, flags \
            as true or false). A flag wins over the environment, the environment over the file, the \
            file over the default.

            Examples:
              sse hub --port 8080
              SSE_HUB_JWT_SECRET=… sse hub --tls-certificate cert.pem --tls-key key.pem --anonymous
              sse hub --postgres postgres://sse@db:5432/sse --port 8080      (as many as you like)
              sse hub --config /etc/sse-hub.conf
              sse listen http://127.0.0.1:8080/events?topic=news
              sse publish http://127.0.0.1:8080/publish --topic news --data hello
              curl -d 'hello' 127.0.0.1:8080/publish?topic=news
              curl -d topic=news -d data=hello -d type=greeting 127.0.0.1:8080/publish
            """
    )

    @Option(help: "The address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "The port (0 picks a free one; default 8080).")
    var port: Int?

    @Option(help: "Events kept for resuming clients (default 1000).")
    var replay: Int?

    @Option(help: "Seconds between heartbeat comments on quiet streams (default 15).")
    var heartbeat: Int?

    @Option(help: "A configuration file: one \"name = value\" per line (the options' names, without dashes in front).")
    var config: String?

    @OptionGroup(title: "TLS and HTTP/2")
    var tls: ServerTLSOptions

    @Option(
        help: ArgumentHelp(
            "The HMAC secret (HS256) that signs the tokens of publishers and subscribers.",
            valueName: "secret"
        )
    )
    var jwtSecret: String?

    @Option(help: ArgumentHelp("A PEM public key (RSA, P-256 or Ed25519) that verifies tokens.", valueName: "file"))
    var jwtKey: String?

    @Option(help: "The issuer (iss) tokens must have.")
    var jwtIssuer: String?

    @Option(help: "An audience (aud) tokens must have.")
    var jwtAudience: String?

    @Option(help: "The claim with a token's grants: sse or mercure (default sse).")
    var jwtClaim: String?

    @Flag(inversion: .prefixedNo, help: "With a key: subscribers without credentials receive public updates.")
    var anonymous: Bool?

    @Option(
        help: ArgumentHelp(
            "Origins whose pages may subscribe and publish, comma-separated; * for any (without credentials).",
            valueName: "origins"
        )
    )
    var corsOrigin: String?

    @Option(help: "Events a subscriber may fall behind in a topic (default 1024).")
    var queueLimit: Int?

    @Option(
        help:
            "What happens to a subscriber past its queue limit: disconnect (it resumes) or drop-oldest (default disconnect)."
    )
    var overflow: String?

    @Option(help: "Connections open at once, at most (default no limit).")
    var maxConnections: Int?

    @Option(help: "Streams begun per second, at most; others get 503 with Retry-After (default no limit).")
    var maxStreamsPerSecond: Int?

    @Option(help: "Publishes per second this hub takes, at most; others get 429 (default no limit).")
    var publishRate: Int?

    @Option(
        help: ArgumentHelp(
            "PostgreSQL (postgres://user:password@host:port/database?sslmode=require): many hubs share events, IDs and history.",
            valueName: "url"
        )
    )
    var postgres: String?

    @Option(help: "The events' table in PostgreSQL (default sse_events).")
    var postgresTable: String?

    @Option(help: "Serve /metrics on this port alone, instead of the hub's port.")
    var metricsPort: Int?

    @Option(help: "Log lines on standard error as json or text (default: text on a terminal, else json).")
    var logFormat: String?

    @Option(help: "Seconds streams have to end on their own when the hub stops (default 5).")
    var shutdownGrace: Int?

    func run() async throws {
        let settings: Settings
        do {
            settings = try self.settings()
        } catch let failure as ToolFailure {
            Descriptor.standardError.put("sse: \(failure.description)\n")
            throw ExitCode(failure.status)
        }
        let format = settings.logFormat
        var logger = Logger(label: "sse.hub") { label in
            format == .json
                ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = .info
        let hub: Parts
        do {
            hub = try await Parts(settings: settings, logger: logger)
        } catch let failure as ToolFailure {
            Descriptor.standardError.put("sse: \(failure.description)\n")
            throw ExitCode(failure.status)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: hub.services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch let error as SSEServerError where error == .invalidTLSConfiguration {
            Descriptor.standardError.put("sse: \(error.reason)\n")
            throw ExitCode(ExitStatus.usage)
        } catch {
            Descriptor.standardError.put("sse: cannot listen on \(settings.host):\(settings.port): \(error)\n")
            throw ExitCode(ExitStatus.connectionFailed)
        }
        logger.info("Stopped")
    }

    /// The hub's services, in the order they start (and stop in reverse): PostgreSQL's client
    /// and broadcaster, the metrics server, the hub's server.
    struct Parts {
        var services: [any Service] = []

        init(settings: Settings, logger: Logger) async throws {
            let registry = PrometheusCollectorRegistry()
            let factory = PrometheusMetricsFactory(registry: registry)
            var broadcasting = SSEBroadcaster.Configuration()
            broadcasting.maximumReplayCount = settings.replay
            broadcasting.idPrefix = ""
            broadcasting.heartbeat = .seconds(settings.heartbeat)
            broadcasting.maximumQueuedEvents = settings.queueLimit
            broadcasting.overflowPolicy = settings.overflow

            let broadcaster: SSEBroadcaster
            let publish: HubRoutes.Publish
            let connected: @Sendable () -> Bool
            if let url = settings.postgres {
                let client = PostgresClient(configuration: try Hub.postgresConfiguration(url), backgroundLogger: logger)
                var configuration = SSEPostgresBroadcaster.Configuration()
                configuration.tableName = settings.postgresTable
                configuration.broadcaster = broadcasting
                configuration.maximumReplayCount = settings.replay
                let events = SSEPostgresBroadcaster(client: client, configuration: configuration, logger: logger)
                services += [client, events]
                broadcaster = events.broadcaster
                publish = { event, topics in
                    var event = event
                    let key = event.id.flatMap { $0.isEmpty ? nil : $0 }
                    event.id = nil
                    do {
                        return try await events.publish(event, to: topics, idempotencyKey: key)
                    } catch let error as SSEPostgresError where [.invalidEvent, .invalidAudience].contains(error.code) {
                        throw SSEHTTPError(.badRequest, "Cannot publish this event: \(error)")
                    } catch {
                        throw HubPublishFailure(reason: "\(error)")
                    }
                }
                connected = { events.isListening }
            } else {
                broadcaster = SSEBroadcaster(configuration: broadcasting)
                publish = { [broadcaster] event, topics in try broadcaster.publish(event, to: topics) }
                connected = { true }
            }

            let access = try await Hub.accessControl(settings)
            let listening = Atomic(false)
            let routes = HubRoutes(
                longPoll: SSELongPoll(broadcaster: broadcaster),
                publish: publish,
                access: access,
                anonymous: settings.anonymous,
                publishRate: settings.publishRate.map { SSEServer.StreamRate(perSecond: $0) },
                isReady: { listening.load(ordering: .relaxed) && connected() },
                publishes: .init(factory: factory)
            )
            var router = SSERouter()
            routes.add(to: &router)
            let metrics = Hub.metricsRoute(registry)
            if settings.metricsPort == nil {
                router.get("/metrics", handler: metrics)
            }

            var configuration = SSEServer.Configuration(host: settings.host, port: settings.port)
            let scheme = settings.tls.apply(to: &configuration)
            configuration.shutdownGracePeriod = .seconds(settings.shutdownGrace)
            configuration.maximumConnections = settings.maxConnections
            configuration.maximumStreamsPerSecond = settings.maxStreamsPerSecond
            configuration.metrics = SSEMetrics(factory: factory)
            configuration.logger = logger
            configuration.cors = try Hub.cors(settings.corsOrigins, credentials: access != nil)

            if let port = settings.metricsPort {
                var metricsRouter = SSERouter()
                metricsRouter.get("/metrics", handler: metrics)
                var metricsConfiguration = SSEServer.Configuration(host: settings.host, port: port)
                metricsConfiguration.logger = logger
                services.append(
                    SSEServer(
                        configuration: metricsConfiguration,
                        router: metricsRouter,
                        onServerRunning: { port in
                            Descriptor.standardOutput.put("metrics on http://\(settings.host):\(port)/metrics\n")
                        }
                    )
                )
            }
            let name = [
                settings.postgres == nil ? "memory" : "PostgreSQL",
                access == nil ? "no authorization" : (settings.anonymous ? "tokens, anonymous allowed" : "tokens"),
            ].joined(separator: ", ")
            services.append(
                SSEServer(configuration: configuration, router: router) {
                    try? broadcaster.shutDown(
                        finalEvent: ServerSentEvent(type: "sse-hub-stopping", data: "stopping"),
                        reconnectionWindow: .seconds(1)...(.seconds(10))
                    )
                } onServerRunning: { port in
                    listening.store(true, ordering: .relaxed)
                    Descriptor.standardOutput.put("listening on \(scheme)://\(settings.host):\(port)/ (hub: \(name))\n")
                }
            )
        }
    }

    /// `GET /metrics`: the registry in Prometheus's text format.
    static func metricsRoute(_ registry: PrometheusCollectorRegistry) -> SSERouter.Handler {
        { _ in
            var response = SSEResponse.complete(
                contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: registry.emitToBuffer()
            )
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    /// The access control of the settings' key; `nil` without one.
    static func accessControl(_ settings: Settings) async throws -> SSEAccessControl? {
        let key: SSEJWTVerifier.Key
        if let secret = settings.jwtSecret {
            key = .hmac(Array(secret.utf8))
        } else if let path = settings.jwtKey {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ToolFailure(description: "jwt-key: cannot read \(path)", status: ExitStatus.usage)
            }
            let pem = String(decoding: data, as: UTF8.self)
            guard
                let parsed = (try? SSEJWTVerifier.Key.rsa(publicKeyPEM: pem))
                    ?? (try? SSEJWTVerifier.Key.ecdsa(publicKeyPEM: pem))
                    ?? (try? SSEJWTVerifier.Key.eddsa(publicKeyPEM: pem))
            else {
                throw ToolFailure(
                    description: "jwt-key: \(path) is not a PEM public key of RSA, P-256 or Ed25519",
                    status: ExitStatus.usage
                )
            }
            key = parsed
        } else {
            return nil
        }
        let verifier = await SSEJWTVerifier(
            keys: [key],
            issuer: settings.jwtIssuer,
            audience: settings.jwtAudience,
            grantsClaim: settings.jwtClaim == "mercure" ? .mercure : .sse
        )
        return SSEAccessControl(authorizer: verifier)
    }

    /// Cross-origin access for `origins` (`*`: any, without credentials); `nil` for none.
    static func cors(_ origins: [String], credentials: Bool) throws -> SSECORS? {
        guard !origins.isEmpty else {
            return nil
        }
        var cors: SSECORS
        if origins == ["*"] {
            cors = .anyOrigin
        } else {
            cors = try SSECORS(allowedOrigins: Set(origins), allowsCredentials: credentials)
        }
        cors.allowedHeaders = ["Authorization"]
        return cors
    }

    /// A PostgreSQL client's configuration from `postgres://user:password@host:port/database`
    /// (`?sslmode=require` or `prefer` for TLS; `disable`, the default, for none).
    static func postgresConfiguration(_ url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
            let user = components.user
        else {
            throw ToolFailure(
                description: "postgres: expected postgres://user@host:port/database",
                status: ExitStatus.usage
            )
        }
        let database = String(components.path.drop { $0 == "/" })
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        default:
            throw ToolFailure(description: "postgres: sslmode is disable, prefer or require", status: ExitStatus.usage)
        }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.isEmpty ? nil : database,
            tls: tls
        )
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
#endif
