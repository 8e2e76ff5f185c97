/// Values numbered 0, 1, 2… in order of first appearance, with the number of each found by hash:
/// how a plan stores a voice and language, or a model, once and refers to it by number.
struct Numbering<Value: Hashable & Sendable>: Sendable {
    private var numbers: [Value: Int32] = [:]
    /// The values, each at its number.
    private(set) var values: [Value] = []

    /// No values.
    init() {}

    /// The number of `value`, after numbering it when it is new.
    /// - Returns: The number, and whether `value` was new.
    mutating func number(of value: Value) -> (number: Int32, isNew: Bool) {
        let candidate = Int32(values.count)
        let number = numbers[value, default: candidate]
        guard number == candidate else { return (number, false) }
        numbers[value] = number
        values.append(value)
        return (number, true)
    }

    /// Forgets every value, keeping the room.
    mutating func removeAll() {
        numbers.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }
}
