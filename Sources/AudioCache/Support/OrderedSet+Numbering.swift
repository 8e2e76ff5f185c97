import OrderedCollections

extension OrderedSet where Element: Sendable {
    /// The number of `value`: its position, after appending it when it is new, so that values are
    /// numbered 0, 1, 2… in order of first use. How a plan stores a voice and language, or a
    /// model, once and refers to it by number.
    /// - Parameter value: The value.
    /// - Returns: Its number, and whether it was new.
    mutating func number(of value: Element) -> (number: Int32, isNew: Bool) {
        let (inserted, index) = append(value)
        return (Int32(index), inserted)
    }
}
