extension QRCode {
    /// The code drawn with Unicode half blocks, two rows of modules per line of text, inside a quiet zone of
    /// `quietZone` modules.
    ///
    /// A terminal draws its glyphs in its foreground colour. For the usual light text on a dark background, the
    /// light modules are drawn (`lightBackground == false`, the default); for dark text on a light background,
    /// the dark ones. Either way the code reads the right way round.
    public func terminalText(quietZone: Int = 2, lightBackground: Bool = false) -> String {
        let margin = max(0, quietZone)
        let span = (-margin)..<(size + margin)
        var lines: [String] = []
        for top in stride(from: -margin, to: size + margin, by: 2) {
            var line = ""
            for column in span {
                // A glyph is drawn where the module has the foreground's colour.
                let upper = self[top, column] == lightBackground
                let lower = top + 1 < size + margin && self[top + 1, column] == lightBackground
                switch (upper, lower) {
                case (true, true): line += "\u{2588}"
                case (true, false): line += "\u{2580}"
                case (false, true): line += "\u{2584}"
                case (false, false): line += " "
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
