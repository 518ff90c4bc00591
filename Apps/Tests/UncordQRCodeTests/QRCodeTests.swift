import Foundation
import Testing
import UncordQRCode

/// The safety number's QR code, read back by an independent decoder: `zbarimg` (zbar-tools) decodes the PNG this
/// module writes and the terminal drawing turned into an image, and must give back the exact text.
@Suite struct QRCodeTests {
    /// A safety number's scannable text (PROTOCOL.md section 8).
    static let text = "UEDM1-SN:" + "052617139402871645538026197730" + "148300925571163800045512678990"

    @Test func aPNGDecodesToTheExactText() throws {
        let code = try QRCode(encoding: Self.text)
        let png = try code.png()
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let scratch = try Scratch()
        let path = scratch.path("code.png")
        try Data(png).write(to: URL(fileURLWithPath: path))
        #expect(try zbarimg(path) == Self.text)
    }

    @Test func everyChunkCarriesItsLengthAndCRC() throws {
        let png = try QRCode(encoding: Self.text).png(scale: 2, quietZone: 4)
        var offset = 8
        var types: [String] = []
        while offset < png.count {
            let length = png[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let crc = png[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(crc == Self.crc32(Array(png[(offset + 4)..<(offset + 8 + length)])), "\(type)")
            if type == "IHDR" {
                let width = png[(offset + 8)..<(offset + 12)].reduce(0) { $0 << 8 | Int($1) }
                #expect(width == (try QRCode(encoding: Self.text).size + 8) * 2)
            }
            types.append(type)
            offset += 12 + length
        }
        #expect(types == ["IHDR", "IDAT", "IEND"])
    }

    @Test(arguments: [false, true])
    func theTerminalDrawingDecodesToTheExactText(lightBackground: Bool) throws {
        let code = try QRCode(encoding: Self.text)
        let drawing = code.terminalText(quietZone: 2, lightBackground: lightBackground)
        let lines = drawing.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == (code.size + 4 + 1) / 2)
        #expect(lines.allSatisfy { $0.count == code.size + 4 })
        #expect(Set(drawing.filter { $0 != "\n" }).isSubset(of: [" ", "\u{2580}", "\u{2584}", "\u{2588}"]))

        // Back to modules: a glyph's ink is the terminal's foreground, light on dark unless `lightBackground`.
        var dark: [[Bool]] = []
        for line in lines {
            var upper: [Bool] = []
            var lower: [Bool] = []
            for glyph in line {
                let ink = (glyph == "\u{2588}" || glyph == "\u{2580}", glyph == "\u{2588}" || glyph == "\u{2584}")
                upper.append(ink.0 == lightBackground)
                lower.append(ink.1 == lightBackground)
            }
            dark.append(upper)
            dark.append(lower)
        }
        for row in 0..<code.size {
            for column in 0..<code.size {
                #expect(dark[row + 2][column + 2] == code[row, column], "module (\(row), \(column))")
            }
        }

        // And through an independent decoder: the drawing as a plain PGM image, 6 pixels a module, 4 of margin.
        let scratch = try Scratch()
        let path = scratch.path("terminal.pgm")
        let scale = 6
        let side = (code.size + 8) * scale
        var pixels = [UInt8](repeating: 255, count: side * side)
        for row in 0..<(code.size + 4) {
            for column in 0..<(code.size + 4) where dark[row][column] {
                for y in 0..<scale {
                    for x in 0..<scale { pixels[((row + 2) * scale + y) * side + (column + 2) * scale + x] = 0 }
                }
            }
        }
        try (Data("P5\n\(side) \(side)\n255\n".utf8) + Data(pixels)).write(to: URL(fileURLWithPath: path))
        #expect(try zbarimg(path) == Self.text)
    }

    @Test func tooMuchTextIsATypedError() {
        let long = String(repeating: "x", count: 4000)
        #expect(throws: QRCodeError.textTooLong(bytes: 4000)) { try QRCode(encoding: long, correction: .high) }
    }

    @Test func outOfRangeImageParametersAreRefused() throws {
        let code = try QRCode(encoding: Self.text)
        #expect(throws: QRCodeError.invalidParameter("scale 0 is not 1 to 64")) { try code.png(scale: 0) }
        #expect(throws: QRCodeError.invalidParameter("quiet zone 17 is not 0 to 16")) { try code.png(quietZone: 17) }
    }

    // MARK: Helpers

    /// Runs `zbarimg --raw -q` on an image and answers the one text it decoded.
    private func zbarimg(_ path: String) throws -> String {
        let tool = try #require(
            ["/usr/bin/zbarimg", "/usr/local/bin/zbarimg"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "zbarimg is not installed: run `make deps` (Debian package zbar-tools)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["--raw", "-q", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "zbarimg found no code in \(path)")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    /// CRC-32 (ISO 3309, as PNG uses), computed bit by bit here so the check does not lean on zlib.
    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

/// A scratch directory removed when released.
private final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("uncord-qr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
