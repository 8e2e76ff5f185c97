#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The error type of the AudioCache library.
///
/// An `AudioCacheError` says what failed, where (a file, line and column when known) and,
/// where it helps, what to do about it. Its ``description`` is the `path:line[:column]: message`
/// form that command-line tools and editors understand.
public struct AudioCacheError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad class of a failure; the command-line tool maps it to a `sysexits` exit code.
    public enum Kind: Sendable, Hashable {
        /// The input data is malformed or violates a rule (exit 65, `EX_DATAERR`).
        case badData
        /// An input file or folder does not exist or cannot be read (exit 66, `EX_NOINPUT`).
        case missingInput
        /// The command was used wrongly (exit 64, `EX_USAGE`).
        case usage
        /// The operating system refused an operation, such as a write (exit 74, `EX_IOERR`).
        case io
        /// Another process holds the cache folder; try again later (exit 75, `EX_TEMPFAIL`).
        case locked
    }

    /// The broad class of the failure.
    public var kind: Kind
    /// Where the problem is, when it is tied to a place in a file.
    public var location: SourceLocation?
    /// What is wrong, in one sentence without a trailing period.
    public var message: String
    /// The individual problems, when this error gathers several (every bad phrase of a file).
    public var problems: [AudioCacheError]
    /// The `errno` of the system call that failed, for an I/O error that comes from one.
    var systemCode: Int32?

    /// Whether the file system ran out of room (`ENOSPC`) or of the user's quota (`EDQUOT`).
    public var isOutOfSpace: Bool { systemCode == ENOSPC || systemCode == EDQUOT }

    /// Creates an error.
    /// - Parameters:
    ///   - kind: The broad class of the failure.
    ///   - location: Where the problem is, if known.
    ///   - message: What is wrong.
    public init(_ kind: Kind, at location: SourceLocation? = nil, _ message: String) {
        self.kind = kind
        self.location = location
        self.message = message
        self.problems = []
    }

    /// The error as `path:line[:column]: message`, or only the message when there is no location.
    public var description: String {
        if !problems.isEmpty { return problems.map(\.description).joined(separator: "\n") }
        guard let location else { return message }
        return "\(location): \(message)"
    }

    /// Several problems reported together, each on its own line.
    /// - Parameter problems: The problems, in the order to report them; must not be empty.
    /// - Returns: An error of the first problem's kind whose description lists every problem.
    public static func gathering(_ problems: [AudioCacheError]) -> Self {
        guard let first = problems.first else { return Self(.badData, "no problems") }
        if problems.count == 1 { return first }
        var error = Self(first.kind, at: first.location, "\(problems.count) problems")
        error.problems = problems
        return error
    }

    /// A data error at a location in a manifest.
    /// - Parameters:
    ///   - location: Where the problem is.
    ///   - message: What is wrong.
    /// - Returns: An error of kind ``Kind/badData``.
    public static func badData(at location: SourceLocation?, _ message: String) -> Self {
        Self(.badData, at: location, message)
    }

    /// This error with its line, and the lines of the problems it gathers, moved down by `lines`:
    /// for problems found in a part of a file whose lines were numbered from the part's start.
    /// - Parameter lines: The number of lines before the part.
    /// - Returns: The error as if the whole file had been read.
    func shiftingLines(by lines: Int) -> Self {
        guard lines != 0 else { return self }
        var shifted = self
        if let line = location?.line { shifted.location?.line = line + lines }
        shifted.problems = problems.map { $0.shiftingLines(by: lines) }
        return shifted
    }

    /// An I/O error for the system call that just failed, with the system's words for its `errno`.
    /// - Parameters:
    ///   - action: What failed, such as `cannot write`.
    ///   - path: The file or folder it failed on.
    /// - Returns: An error of kind ``Kind/io`` whose message is `action: reason`.
    package static func system(_ action: String, at path: String) -> Self {
        let code = errno
        var error = Self(.io, at: SourceLocation(file: path), "\(action): \(systemMessage(code))")
        error.systemCode = code
        return error
    }

    /// An input file or folder that is missing or unreadable.
    /// - Parameters:
    ///   - path: The path as the user gave it.
    ///   - message: What is wrong with it.
    /// - Returns: An error of kind ``Kind/missingInput``.
    public static func missingInput(_ path: String, _ message: String) -> Self {
        Self(.missingInput, at: SourceLocation(file: path), message)
    }
}

/// A place in an input file: a path, and a line and column counted from 1 when known.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The path of the file, as the user gave it (relative paths stay relative).
    public var file: String
    /// The line, counted from 1; `nil` for problems with the whole file.
    public var line: Int?
    /// The column in Unicode scalars, counted from 1, when known.
    public var column: Int?

    /// Creates a location.
    /// - Parameters:
    ///   - file: The path of the file.
    ///   - line: The line, counted from 1.
    ///   - column: The column, counted from 1.
    public init(file: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `path`, `path:line` or `path:line:column`.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        return text
    }

    /// Orders locations by file, then line, then column.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        if lhs.file != rhs.file { return lhs.file.utf8.lexicographicallyPrecedes(rhs.file.utf8) }
        if lhs.line != rhs.line { return (lhs.line ?? 0) < (rhs.line ?? 0) }
        return (lhs.column ?? 0) < (rhs.column ?? 0)
    }
}
