/// Small numbers for the persons of a recompute (the engine's slots), in order of first
/// appearance, for their `private.people` keys. Nothing here knows who anyone is.
struct Persons {
    private var map = FlatMap<Int32, Void>()

    /// The person key of each slot.
    var keys: [Int32] { map.keys }

    /// The slot of a person key, given on first sight.
    mutating func slot(of key: Int32) -> Int32 {
        Int32(map.index(of: key, inserting: ()))
    }
}
