import CEditLine
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// Line editing with libedit: emacs keys, Ctrl-R history search, Tab completion and a history
/// file that survives restarts.
final class LineEditor {
    enum Input: Equatable {
        case line(String)
        /// Ctrl-C at the prompt: the line is discarded.
        case interrupted
        /// Ctrl-D on an empty line (or the terminal went away).
        case end
        /// A line longer than `InputLimits.maxLineBytes`: dropped up to its end, not kept.
        case tooLong
    }

    private let editLine: OpaquePointer
    private let history: OpaquePointer
    let historyPath: String?
    private var prompt: UnsafeMutablePointer<CChar>
    private var closed = false
    /// Given the line and the cursor (UTF-8 offset), what Tab offers.
    var completer: ((String, Int) -> CompletionResult)?
    /// Ctrl-C while waiting for a key: a pipe the signal handler writes to, and whether an
    /// interrupt is pending. Waiting on both closes the gap between checking the flag and
    /// blocking in read(), where a Ctrl-C would otherwise go unnoticed.
    var wakeDescriptor: Int32 = -1
    var interruptPending: () -> Bool = { false }
    /// Bytes of the line being typed, and whether it passed the limit: libedit would otherwise
    /// keep a line of any length (a paste that never ends) in memory.
    private var lineBytes = 0
    private var overlong = false

    init?(historyPath: String?) {
        // Multibyte input needs a UTF-8 character type; fall back when the locale is plain C.
        if let current = setlocale(LC_CTYPE, ""), String(cString: current) == "C" || String(cString: current) == "POSIX" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        guard let el = el_init("prn", prn_stdin(), prn_stdout(), prn_stderr()), let h = history_init() else { return nil }
        editLine = el
        history = h
        self.historyPath = historyPath
        prompt = strdup("prn> ")
        prn_history_set_size(h, 1000)
        prn_history_set_unique(h, 1)
        if let historyPath { _ = prn_history_load(h, historyPath) }
        prn_el_set_history(el, h)
        prn_el_set_client_data(el, Unmanaged.passUnretained(self).toOpaque())
        prn_el_set_prompt(el, lineEditorPrompt)
        prn_el_set_editor(el, "emacs")
        prn_el_set_signal(el, 0)
        prn_el_set_reader(el, lineEditorReadCharacter)
        prn_el_add_function(el, "prn-complete", "complete verbs, options, choices, variables and paths", lineEditorComplete)
        prn_el_bind(el, "^I", "prn-complete")
        // Incremental reverse search; older libedit builds only have the non-incremental one.
        if prn_el_bind(el, "^R", "em-inc-search-prev") != 0 { prn_el_bind(el, "^R", "ed-search-prev-history") }
        // The user's ~/.editrc (or $EDITRC) may rebind keys; a missing file is fine.
        _ = el_source(el, nil)
    }

    deinit {
        close()
        free(prompt)
    }

    /// Reads one line. `interruptPending` tells whether a Ctrl-C arrived while waiting.
    func read(prompt text: String) -> Input {
        free(prompt)
        prompt = strdup(text)
        while true {
            var count: Int32 = 0
            errno = 0
            let raw = el_gets(editLine, &count)
            lineBytes = 0
            if overlong {
                overlong = false
                return .tooLong
            }
            if interruptPending() { return .interrupted }
            if let raw, count > 0 {
                var line = String(cString: raw)
                while line.hasSuffix("\n") || line.hasSuffix("\r") { line.removeLast() }
                return .line(line)
            }
            // Another signal interrupted the read: ask again.
            if count < 0 && errno == EINTR { continue }
            return .end
        }
    }

    func addHistory(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        prn_history_enter(history, line)
    }

    /// Every remembered line, oldest first (earlier sessions included).
    var historyEntries: [String] {
        var entries: [String] = []
        var entry = prn_history_oldest(history)
        while let e = entry {
            entries.append(String(cString: e))
            entry = prn_history_newer(history)
        }
        return entries
    }

    /// Writes a temporary file beside the history and renames it over the old one, so a crash or
    /// a kill during the write leaves the previous history whole rather than a truncated file.
    func saveHistory() {
        guard let historyPath, !closed else { return }
        let temporary = historyPath + ".tmp-\(getpid())"
        if prn_history_save(history, temporary) < 0 || rename(temporary, historyPath) != 0 {
            unlink(temporary)
            FileHandle.standardError.write(Data("prn: could not write the history file \(historyPath); set PRN_HISTORY to a writable path\n".utf8))
        }
    }

    /// Saves the history and gives the terminal back in the state libedit found it.
    func close() {
        guard !closed else { return }
        saveHistory()
        closed = true
        el_end(editLine)
        history_end(history)
    }

    // MARK: Callbacks

    /// One character for libedit, decoded from UTF-8; -1 with errno EINTR on Ctrl-C.
    fileprivate func readCharacter(_ out: UnsafeMutablePointer<wchar_t>?) -> Int32 {
        var first = readByte()
        guard first > 0 else { return first == 0 ? 0 : -1 }
        if first - 1 == 0x0A || first - 1 == 0x0D {
            lineBytes = 0
        } else {
            lineBytes += 1
            if lineBytes > InputLimits.maxLineBytes {
                // Drop the rest of the line, then end it so libedit hands back what it holds.
                overlong = true
                while first > 0, first - 1 != 0x0A, first - 1 != 0x0D { first = readByte() }
                guard first > 0 else { return first == 0 ? 0 : -1 }
            }
        }
        let lead = UInt8(first - 1)
        let extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0
        var scalar = extra == 0 ? UInt32(lead) : UInt32(lead) & (0x3F >> UInt32(extra))
        for _ in 0..<extra {
            let next = readByte()
            guard next > 0 else { return next == 0 ? 0 : -1 }
            scalar = scalar << 6 | (UInt32(next - 1) & 0x3F)
        }
        out?.pointee = wchar_t(bitPattern: scalar)
        return 1
    }

    /// The next byte plus one, 0 at end of input, -1 when interrupted.
    private func readByte() -> Int32 {
        while true {
            if interruptPending() { errno = EINTR; return -1 }
            var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, wakeDescriptor >= 0 ? 2 : 1, -1)
            if ready < 0 { if errno == EINTR { continue } else { return -1 } }
            if wakeDescriptor >= 0, fds[1].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                _ = Glibc.read(wakeDescriptor, &drain, drain.count)
                continue
            }
            var byte: UInt8 = 0
            let n = Glibc.read(0, &byte, 1)
            if n == 1 { return Int32(byte) + 1 }
            if n == 0 { return 0 }
            if errno == EINTR || errno == EAGAIN { continue }
            return -1
        }
    }

    fileprivate var currentPrompt: UnsafeMutablePointer<CChar> { prompt }

    fileprivate func complete() -> UInt8 {
        guard let completer, let info = el_line(editLine)?.pointee, let buffer = info.buffer else { return UInt8(CC_ERROR) }
        let length = info.lastchar - buffer
        let cursor = info.cursor - buffer
        let bytes = UnsafeRawBufferPointer(start: buffer, count: length)
        let line = String(decoding: bytes, as: UTF8.self)
        let result = completer(line, cursor)
        let insertion = result.insertion
        if !insertion.isEmpty {
            el_insertstr(editLine, insertion)
            return UInt8(CC_REFRESH)
        }
        guard result.candidates.count > 1 else { return UInt8(CC_REFRESH_BEEP) }
        fputs("\n" + Self.columns(result.candidates.map(\.display)), prn_stdout())
        fflush(prn_stdout())
        return UInt8(CC_REDISPLAY)
    }

    /// Matches laid out in columns for an 80-column terminal.
    static func columns(_ items: [String]) -> String {
        let width = (items.map(\.count).max() ?? 0) + 2
        let perRow = max(1, 80 / max(width, 1))
        var text = ""
        for (i, item) in items.enumerated() {
            let last = i % perRow == perRow - 1 || i == items.count - 1
            text += last ? item + "\n" : item.padding(toLength: width, withPad: " ", startingAt: 0)
        }
        return text
    }

    fileprivate static func from(_ el: OpaquePointer?) -> LineEditor? {
        guard let el, let raw = prn_el_get_client_data(el) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(raw).takeUnretainedValue()
    }
}

private func lineEditorPrompt(_ el: OpaquePointer?) -> UnsafeMutablePointer<CChar>? {
    LineEditor.from(el)?.currentPrompt
}

private func lineEditorReadCharacter(_ el: OpaquePointer?, _ out: UnsafeMutablePointer<wchar_t>?) -> Int32 {
    LineEditor.from(el)?.readCharacter(out) ?? -1
}

private func lineEditorComplete(_ el: OpaquePointer?, _ key: Int32) -> UInt8 {
    LineEditor.from(el)?.complete() ?? UInt8(CC_ERROR)
}

/// `PRN_HISTORY` (empty: keep no history file), else `~/.prn_history`.
enum HistoryFile {
    static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit = environment["PRN_HISTORY"] { return explicit.isEmpty ? nil : explicit }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return (home as NSString).appendingPathComponent(".prn_history")
    }
}
