import Foundation
import Logging
public import UncordProtocol

extension E2EEEngine {
    /// The app's events for a gateway's frames (`GatewayClient.frames`, each parsed once), as they happen: each
    /// frame is processed in order, as ``process(_:)`` does, except that a READY or RESUMED is handed over at once and its catch-up then yields
    /// each missed message as soon as it is decrypted (with ``AppEvent/catchUpProgress(channel:received:total:)``
    /// along the way), instead of all of them before the READY.
    ///
    /// The frames that come during a catch-up wait for it (the gateway client buffers them; its heartbeats go on):
    /// received before the catch-up reached them, a sender's newer messages would make the ratchet skip over every
    /// missed one — more than its limit of 1,000 after a long absence, and the live message would be lost to this
    /// session. So each channel's messages come oldest first, the live ones after the missed ones. Each message is
    /// handed over once. The stream finishes after `frames` ends (or throws) and the last catch-up has finished;
    /// when its consumer stops listening, the work stops too.
    ///
    /// ```swift
    /// let gateway = session.gateway()
    /// let connection = Task { try await gateway.run() }
    /// for await event in engine.events(from: gateway.frames) { app.handle(event) }
    /// ```
    public nonisolated func events<Frames: AsyncSequence & Sendable>(
        from frames: Frames
    ) -> AsyncStream<AppEvent> where Frames.Element == ReceivedFrame {
        events(relayedBy: { await self.relay(frames, to: $0, reading: { $0 }) })
    }

    /// The app's events for frames given as their text bytes (a client with its own networking): each is read
    /// once, then handled as a sequence of `ReceivedFrame`s is.
    public nonisolated func events<Frames: AsyncSequence & Sendable>(
        from frames: Frames
    ) -> AsyncStream<AppEvent> where Frames.Element == [UInt8] {
        events(relayedBy: { await self.relay(frames, to: $0, reading: ReceivedFrame.init(bytes:)) })
    }

    /// A stream fed by `relay`, which stops when its consumer stops listening.
    private nonisolated func events(
        relayedBy relay: @escaping @Sendable (AsyncStream<AppEvent>.Continuation) async -> Void
    ) -> AsyncStream<AppEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: AppEvent.self)
        let task = Task { await relay(continuation) }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Processes `frames` into `continuation`, running each READY's and RESUMED's catch-up after handing it over.
    private func relay<Frames: AsyncSequence & Sendable>(
        _ frames: Frames, to continuation: AsyncStream<AppEvent>.Continuation,
        reading read: (Frames.Element) -> ReceivedFrame
    ) async {
        do {
            for try await element in frames {
                let received = read(element)
                let events = await Self.$catchUpDeferred.withValue(true) { await process(received) }
                for event in events { continuation.yield(event) }
                if events.contains(where: Self.startsCatchUp) { await catchUp(into: continuation) }
                if Task.isCancelled { break }
            }
        } catch {
            logger.warning("the gateway's frames ended with a failure", metadata: ["error": "\(type(of: error))"])
        }
        continuation.finish()
    }

    /// Whether `event` hands over a READY or RESUMED, whose catch-up was deferred.
    private static func startsCatchUp(_ event: AppEvent) -> Bool {
        guard case .passthrough(_, let frame?) = event, frame.op == .dispatch else { return false }
        return frame.type == .ready || frame.type == .resumed
    }
}
