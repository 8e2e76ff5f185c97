#if canImport(Glibc)
import Glibc
#endif

extension Array {
    /// Asks the kernel to back this array's reserved storage with huge pages where it can.
    ///
    /// A plan's large buffers (hundreds of megabytes for a million phrases) are written once from
    /// start to end; with 4 KiB pages that is a page fault every 4 KiB, an eighth of a run's time.
    /// On Linux with transparent huge pages in `madvise` mode (Debian's default) the aligned 2 MiB
    /// stretches of the storage are then faulted in 2 MiB at a time. Elsewhere, and for storage of
    /// less than 4 MiB, it does nothing. Call it after `reserveCapacity(_:)`; the storage's
    /// contents are unchanged.
    mutating func adviseHugePages() {
        #if os(Linux)
        let bytes = capacity * MemoryLayout<Element>.stride
        let hugePage = 2 << 20
        guard bytes >= 2 * hugePage else { return }
        withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
            let end = (Int(bitPattern: base) + bytes) & ~(hugePage - 1)
            guard end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
            _ = madvise(address, end - start, MADV_HUGEPAGE)
        }
        #endif
    }
}
