#if os(Linux)
    import Foundation
    import Glibc

    /// A tiny HTTP/1.1 server on 127.0.0.1 for CLI tests that need a server behaving as the development server cannot
    /// (the published server's defects): each request is answered from `answer(method, path)` with a JSON body, and the
    /// connection is closed. Blocking sockets on one thread of its own; ``stop()`` ends it.
    final class CannedHTTPServer: @unchecked Sendable {
        // @unchecked Sendable: `listener` and `port` are set once in init; the accept thread only reads them.
        let port: UInt16
        private let listener: Int32

        struct SocketFailure: Error {
            var call: String
        }

        init(answer: @escaping @Sendable (_ method: String, _ path: String) -> (status: Int, body: String)) throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard listener >= 0 else { throw SocketFailure(call: "socket") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0, Glibc.listen(listener, 16) == 0 else {
                close(listener)
                throw SocketFailure(call: "bind/listen")
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
            }
            guard named == 0 else {
                close(listener)
                throw SocketFailure(call: "getsockname")
            }
            self.listener = listener
            port = UInt16(bigEndian: address.sin_port)
            Thread.detachNewThread {
                while true {
                    let connection = accept(listener, nil, nil)
                    guard connection >= 0 else { return }  // stopped
                    Self.serve(connection, answer: answer)
                    close(connection)
                }
            }
        }

        /// Stops accepting; the accept thread ends.
        func stop() {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }

        /// Reads one request (head and `Content-Length` body) and writes the canned answer.
        private static func serve(_ connection: Int32, answer: (String, String) -> (status: Int, body: String)) {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            var head: String?
            var needed = Int.max
            while received.count < needed {
                let count = read(connection, &buffer, buffer.count)
                guard count > 0 else { return }
                received += buffer[0..<count]
                if head == nil, let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                    let text = String(decoding: received[..<end.lowerBound], as: UTF8.self)
                    head = text
                    let length =
                        text.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                    needed = end.upperBound + length
                }
            }
            let requestLine = (head ?? "").split(separator: "\r\n").first?.split(separator: " ") ?? []
            guard requestLine.count >= 2 else { return }
            let path = String(requestLine[1].split(separator: "?", maxSplits: 1)[0])
            let (status, body) = answer(String(requestLine[0]), path)
            let bytes = Array(body.utf8)
            let response =
                "HTTP/1.1 \(status) Canned\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\n"
                + "Connection: close\r\n\r\n"
            let all = Array(response.utf8) + bytes
            _ = all.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
        }
    }
#endif
