import Foundation

/// A deterministic, realistic operational workload: people with fake PII, a catalogue, and playback
/// and rating events with popularity skew, seasonality, binges, skips, late arrivals, invalid rows,
/// a planted set of "A Christmas Prince" bingers and PII canaries. The same options give the same rows.
public struct Workload: Sendable {
    /// What to generate.
    public struct Options: Sendable {
        public var accounts = 800
        public var days = 30
        public var eventsPerDay = 2_000
        public var seed: UInt64 = 1
        /// First day of events; the default makes the last day yesterday.
        public var startDate: Day
        /// Profiles that watch A Christmas Prince on every one of the last `bingeDays` days.
        public var bingers = 53
        public var bingeDays = 18
        /// Archive titles added to the catalogue, which the popularity skew leaves almost unwatched.
        public var tailTitles = 0
        /// Profiles that now and then binge `heavyBinge` different titles in a day: over a long
        /// history, thousands of titles each.
        public var heavyViewers = 0
        public var heavyBinge = 40
        /// Whether the canary's daily play moves through 50 titles: over years, one person's
        /// 30-day streak on one title every day would be most of the streak facts.
        public var canaryRotates = false

        /// Years of sparse history as real services have them, ending yesterday: about 20 plays a
        /// day plus A Christmas Prince's casual viewers, 5,000 archive titles, and three heavy viewers.
        public static func history(years: Int, today: Date = Date()) -> Options {
            var options = Options(days: years * 365, today: today)
            options.eventsPerDay = 20
            options.accounts = 300
            options.tailTitles = 5_000
            options.heavyViewers = 3
            options.canaryRotates = true
            return options
        }

        /// Options whose last day is yesterday (UTC).
        public init(days: Int = 30, today: Date = Date()) {
            self.days = days
            let todayIndex = Int((today.timeIntervalSince1970 / 86_400).rounded(.down))
            startDate = Day(daysSince1970: Int32(todayIndex - days))
        }
    }

    /// Unique values planted in a canary account, which must never reach the warehouse.
    public struct Canary: Sendable {
        public var email: String
        public var fullName: String
        public var dateOfBirth: String
        public var ipAddress: String
        /// Every value the PII check searches for.
        public var values: [String] { [email, fullName, dateOfBirth, ipAddress] }
    }

    struct Title {
        var id: Int
        var name: String
        var kind: String
        var seriesName: String?
        var genre: String
        var releaseYear: Int
        var runtime: Int
    }

    struct Profile {
        var id: String
        var account: Int
        var isKids: Bool
        var country: String
        var device: String
        /// IPv4 address as a 32-bit number.
        var ip: UInt32
        /// `id` as bytes, parsed once for binary COPY.
        var uuid: UUID

        init(id: String, account: Int, isKids: Bool, country: String, device: String, ip: UInt32) {
            self.id = id
            self.account = account
            self.isKids = isKids
            self.country = country
            self.device = device
            self.ip = ip
            uuid = UUID(uuidString: id)!
        }
    }

    public let options: Options
    let titles: [Title]
    let profiles: [Profile]
    let accountIDs: [String]
    /// Catalogue indexes from most to least popular (A Christmas Prince, index 0, is planted apart).
    let popularity: [Int]
    let bingerProfiles: Set<Int>
    let nearBingerProfiles: Set<Int>
    /// Heavy viewers, in order.
    let heavyProfiles: [Int]
    /// The id of "A Christmas Prince".
    public static let christmasPrinceID = 1
    public static let christmasPrince = "A Christmas Prince"

    /// The canary account's values for a seed.
    public var canary: Canary {
        Canary(
            email: "canary.\(options.seed).zq7@tally-canary.invalid", fullName: "Zyzzyva Canary-\(options.seed)",
            dateOfBirth: "1901-02-03", ipAddress: "198.51.100.\(options.seed % 250 + 1)")
    }

    /// Builds the people and the catalogue (cheap; events are generated as they are written).
    public init(options: Options) {
        self.options = options
        var random = SeededGenerator(seed: options.seed)
        titles = Self.catalogue(&random, tail: options.tailTitles)
        var accountIDs: [String] = []
        var profiles: [Profile] = []
        let countries = ["US", "US", "US", "GB", "GB", "DE", "FR", "BR", "MX", "JP", "IN", "CA", "ES", "IT", "AU", "NL", "SE", "KR", "ZA", "AR"]
        let devices = ["smart_tv", "smart_tv", "roku", "iphone", "android_phone", "ipad", "web_chrome", "web_safari", "ps5", "xbox"]
        for a in 0..<options.accounts {
            var r = random.derived(UInt64(a) + 1)
            accountIDs.append(Self.uuid(&r))
            let country = countries[Int(r.next() % UInt64(countries.count))]
            let count = 1 + Int(r.next() % 4)
            for p in 0..<count {
                let id = Self.uuid(&r)
                let isKids = p > 0 && r.unit() < 0.3
                let device = devices[Int(r.next() % UInt64(devices.count))]
                let ip = [10, UInt32(r.next() % 250), UInt32(r.next() % 250), UInt32(1 + r.next() % 250)].reduce(0) { $0 << 8 | $1 }
                profiles.append(Profile(id: id, account: a, isKids: isKids, country: country, device: device, ip: ip))
            }
        }
        self.accountIDs = accountIDs
        self.profiles = profiles
        // Bingers and near-bingers are spread over the profiles, never kids.
        var shuffle = random.derived(0x5401)
        popularity = Array(1..<titles.count).shuffled(using: &shuffle)
        var chosen = random.derived(0xB1B1)
        var bingers = Set<Int>()
        var near = Set<Int>()
        let adults = profiles.indices.filter { !profiles[$0].isKids }
        while bingers.count < min(options.bingers, adults.count / 2) {
            bingers.insert(adults[Int(chosen.next() % UInt64(adults.count))])
        }
        while near.count < min(12, adults.count / 4) {
            let p = adults[Int(chosen.next() % UInt64(adults.count))]
            if !bingers.contains(p) { near.insert(p) }
        }
        var heavy: [Int] = []
        while heavy.count < min(options.heavyViewers, adults.count / 4) {
            let p = adults[Int(chosen.next() % UInt64(adults.count))]
            if !bingers.contains(p) && !near.contains(p) && !heavy.contains(p) { heavy.append(p) }
        }
        bingerProfiles = bingers
        nearBingerProfiles = near
        heavyProfiles = heavy
    }

    /// A random version-4 UUID from the generator, in canonical text.
    static func uuid(_ r: inout SeededGenerator) -> String {
        let a = r.next()
        let b = r.next()
        let high = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000  // version 4
        let low = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // the RFC 4122 variant
        let digits = Array(Hex.encode(withUnsafeBytes(of: high.bigEndian, Array.init) + withUnsafeBytes(of: low.bigEndian, Array.init)))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(digits[$0]) }.joined(separator: "-")
    }

    static func catalogue(_ random: inout SeededGenerator, tail: Int = 0) -> [Title] {
        var r = random.derived(0xCA7A)
        let genres = ["drama", "comedy", "thriller", "documentary", "animation", "romance", "sci-fi", "horror", "family", "crime"]
        let adjectives = ["Silent", "Last", "Golden", "Broken", "Hidden", "Midnight", "Crimson", "Endless", "Lost", "Electric", "Frozen", "Wild"]
        let nouns = ["River", "Kingdom", "Signal", "Garden", "Empire", "Harbor", "Echo", "Frontier", "Orchard", "Circuit", "Lantern", "Tide"]
        var titles = [Title(id: christmasPrinceID, name: christmasPrince, kind: "movie", seriesName: nil, genre: "romance", releaseYear: 2017, runtime: 5520)]
        var id = 2
        for i in 0..<120 {
            let name = "The \(adjectives[i % adjectives.count]) \(nouns[(i / adjectives.count + i) % nouns.count])" + (i >= 72 ? " \(i / 72 + 1)" : "")
            titles.append(
                Title(
                    id: id, name: name, kind: "movie", seriesName: nil, genre: genres[Int(r.next() % 10)],
                    releaseYear: 1980 + Int(r.next() % 46), runtime: 4800 + Int(r.next() % 3600)))
            id += 1
        }
        for s in 0..<12 {
            let series = "\(nouns[s]) of \(adjectives[(s * 5) % adjectives.count]) Street"
            titles.append(Title(id: id, name: series, kind: "series", seriesName: nil, genre: genres[s % 10], releaseYear: 2010 + s, runtime: 0))
            id += 1
            for season in 1...2 {
                for episode in 1...8 {
                    titles.append(
                        Title(
                            id: id, name: "\(series) S\(season)E\(episode)", kind: "episode", seriesName: series,
                            genre: genres[s % 10], releaseYear: 2010 + s + season, runtime: 1500 + Int(r.next() % 1800)))
                    id += 1
                }
            }
        }
        for a in 0..<20 {
            let album = "\(adjectives[a % adjectives.count]) Sessions Vol. \(a + 1)"
            titles.append(Title(id: id, name: album, kind: "album", seriesName: nil, genre: "music", releaseYear: 1990 + a, runtime: 2400))
            id += 1
            for t in 1...10 {
                titles.append(
                    Title(
                        id: id, name: "\(nouns[(a + t) % nouns.count]) Song \(t) (\(album))", kind: "track", seriesName: album,
                        genre: "music", releaseYear: 1990 + a, runtime: 150 + Int(r.next() % 200)))
                id += 1
            }
        }
        for a in 0..<tail {
            titles.append(
                Title(
                    id: id, name: "Archive \(adjectives[a % adjectives.count]) \(nouns[(a / adjectives.count) % nouns.count]) \(a + 1)", kind: "movie",
                    seriesName: nil, genre: genres[Int(r.next() % 10)], releaseYear: 1930 + Int(r.next() % 60), runtime: 4800 + Int(r.next() % 3600)))
            id += 1
        }
        return titles
    }
}
