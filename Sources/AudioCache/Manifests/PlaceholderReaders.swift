// PLACEHOLDER: each reader moves to its own file, written by the readers work.
enum CSVManifestReader {
    static func read(_ bytes: UnsafeRawBufferPointer, into sink: inout ManifestSink) throws(AudioCacheError) {
        throw .badData(at: SourceLocation(file: sink.path), "CSV is not supported yet")
    }
}
enum JSONManifestReader {
    static func read(_ bytes: UnsafeRawBufferPointer, into sink: inout ManifestSink) throws(AudioCacheError) {
        throw .badData(at: SourceLocation(file: sink.path), "JSON is not supported yet")
    }
}
enum JSONLinesManifestReader {
    static func read(_ bytes: UnsafeRawBufferPointer, into sink: inout ManifestSink) throws(AudioCacheError) {
        throw .badData(at: SourceLocation(file: sink.path), "JSON Lines is not supported yet")
    }
}
