import Foundation

extension Workload {
    /// Counts of what was written.
    public struct Written: Sendable {
        public var accounts = 0
        public var profiles = 0
        public var titles = 0
        public var events = 0
        public var ratings = 0
    }

    /// Writes accounts, profiles (with the canary account) and the catalogue by COPY.
    public func writeCatalogue(to connection: PostgresConnection) throws -> Written {
        var written = Written()
        let first = [
            "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Lucas", "Mia", "Arjun", "Yuki", "Chloe", "Omar", "Lena", "Diego", "Aisha", "Finn",
            "Ines", "Kofi", "Hana",
        ]
        let last = [
            "Smith", "Garcia", "Muller", "Dubois", "Silva", "Tanaka", "Patel", "Jones", "Rossi", "Kim", "Novak", "Okafor", "Larsen", "Costa", "Nguyen", "Cohen",
            "Murphy", "Sato", "Khan", "Berg",
        ]
        let plans = ["basic", "standard", "standard", "premium"]
        let start = Self.epochDay(options.startDate)
        let thisYear = Day(daysSince1970: Int32(Date().timeIntervalSince1970 / 86_400)).civil.year
        var firstProfile = [Int?](repeating: nil, count: accountIDs.count)
        for (p, profile) in profiles.enumerated().reversed() { firstProfile[profile.account] = p }
        written.accounts = try connection.copyIn(
            "copy app.accounts (account_id, email, full_name, date_of_birth, country_code, plan, created_at) from stdin"
        ) { writer in
            for (a, id) in accountIDs.enumerated() {
                var r = SeededGenerator(seed: options.seed).derived(UInt64(a) + 0xACC0_0000)
                let f = first[Int(r.next() % UInt64(first.count))]
                let l = last[Int(r.next() % UInt64(last.count))]
                // Ages 21 to 80 this year: age bands go by birth year against the current year
                // (etl.age_band), so the demo's bands are the same in any year it runs.
                let b = r.next()
                let birthDay = Self.epochDay(Day(year: thisYear - 21 - Int(b % 60), month: 1 + Int(b / 60 % 12), day: 1 + Int(b / 720 % 28)))
                let country = firstProfile[a].map { profiles[$0].country } ?? "US"
                try writer.writeRow([
                    id, "\(f.lowercased()).\(l.lowercased()).\(a)@example.com", "\(f) \(l)", Self.dateText(birthDay), country,
                    plans[Int(r.next() % UInt64(plans.count))], Self.timestampText(start - 400 + Int(r.next() % 390), 43_200),
                ])
            }
            let c = canary
            try writer.writeRow([Self.canaryAccountID, c.email, c.fullName, c.dateOfBirth, "GB", "premium", Self.timestampText(start - 30, 0)])
        }
        written.profiles = try connection.copyIn(
            "copy app.profiles (profile_id, account_id, display_name, is_kids, created_at) from stdin"
        ) { writer in
            for (p, profile) in profiles.enumerated() {
                try writer.writeRow([
                    profile.id, accountIDs[profile.account], "Viewer \(p)", profile.isKids ? "t" : "f",
                    Self.timestampText(start - 300, 43_200),
                ])
            }
            try writer.writeRow([Self.canaryProfileID, Self.canaryAccountID, "Canary \(canary.fullName)", "f", Self.timestampText(start - 30, 0)])
        }
        written.titles = try connection.copyIn(
            "copy app.titles (title_id, name, kind, series_name, genre, release_year, runtime_seconds, updated_at) from stdin"
        ) { writer in
            for t in titles {
                try writer.writeRow([
                    String(t.id), t.name, t.kind, t.seriesName, t.genre, String(t.releaseYear),
                    t.runtime > 0 ? String(t.runtime) : nil, Self.timestampText(start - 500, 0),
                ])
            }
        }
        return written
    }

    /// Writes everything in one go: the catalogue, then every day's events in one COPY, each
    /// day generated once (late events wait in memory until their ingestion day), then the ratings.
    /// The rows are the same as `writeDay` gives day by day.
    public func write(to connection: PostgresConnection) throws -> Written {
        let accounts = try connection.query("select count(*)::int from app.accounts").scalar(as: Int.self)
        guard accounts == 0 else {
            throw ConfigurationError(
                message:
                    "the operational database already holds \(accounts) accounts; tally seed writes a whole synthetic workload into an empty one and does not append. Seed another database, or drop and migrate this one again."
            )
        }
        var written = try writeCatalogue(to: connection)
        var ratings: [Rating] = []
        // Into an empty events table (a fresh seed) the indexes are built once, after the COPY.
        written.events = try connection.withIndexesDeferred(on: "app.playback_events") {
            try writeAllEvents(to: connection, ratings: &ratings)
        }.value
        written.ratings = try writeRatings(ratings, to: connection)
        return written
    }

    /// Every day's events in one binary COPY, in ingestion order; collects their ratings.
    func writeAllEvents(to connection: PostgresConnection, ratings: inout [Rating]) throws -> Int {
        try connection.copyInBinary(Self.eventsCopy) { writer in
            var pending: [Int: [Event]] = [:]
            let firstDay = Self.epochDay(options.startDate)
            func send(_ event: Event, ingested index: Int) throws {
                try writer.writeBinary { event.appendBinaryRow(to: &$0, ingestedDay: firstDay + index) }
                if let rating = event.rating { ratings.append(rating) }
            }
            for index in 0..<options.days {
                for event in pending.removeValue(forKey: index) ?? [] { try send(event, ingested: index) }
                try generateDay(index) { event in
                    let due = min(index + event.lateBy, options.days - 1)
                    if due == index { try send(event, ingested: index) } else { pending[due, default: []].append(event) }
                }
            }
        }
    }

    static let eventsCopy =
        "copy app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code, ip_address, user_agent, ingested_at) from stdin with (format binary)"

    func writeRatings(_ ratings: [Rating], to connection: PostgresConnection) throws -> Int {
        try connection.copyIn("copy app.ratings (profile_id, title_id, thumb, rated_at, ingested_at) from stdin") { writer in
            for r in ratings {
                try writer.writeRow([
                    r.profile, String(r.title), String(r.thumb), Self.timestampText(r.day, r.second),
                    Self.timestampText(r.ingestedDay, 86_000),
                ])
            }
        }
    }

    /// Writes the events and ratings *ingested* on day `index` (0-based): most started that day,
    /// some started up to five days earlier (offline viewing synced late). The last day also takes
    /// every late event still due, so nothing generated is ever left out.
    public func writeDay(_ index: Int, to connection: PostgresConnection) throws -> (events: Int, ratings: Int) {
        var ratings: [Rating] = []
        let events = try connection.copyInBinary(Self.eventsCopy) { writer in
            for origin in max(0, index - Self.maximumLag)...index {
                try generateDay(origin) { event in
                    let due = min(origin + event.lateBy, options.days - 1)
                    guard due == index else { return }
                    try writer.writeBinary { event.appendBinaryRow(to: &$0, ingestedDay: Self.epochDay(options.startDate) + due) }
                    if let rating = event.rating { ratings.append(rating) }
                }
            }
        }
        return (events, try writeRatings(ratings, to: connection))
    }

    static let maximumLag = 5
    static let canaryAccountID = "c0ffee00-0000-4000-8000-00000000ca11"
    static let canaryProfileID = "c0ffee00-0000-4000-8000-00000000ca12"

    struct Rating {
        var profile: String
        var title: Int
        var thumb: Int
        var day: Int
        var second: Int
        var ingestedDay: Int
    }

    /// One generated play.
    struct Event {
        var profile: UUID
        var title: Int
        var day: Int
        var second: Int
        var watched: Int
        var completed: Bool
        var device: String
        var country: String
        var ip: UInt32
        var lateBy: Int
        var rating: Rating?

        /// Appends the row for `eventsCopy` in COPY binary format.
        func appendBinaryRow(to out: inout [UInt8], ingestedDay: Int) {
            CopyBinary.appendRowStart(fields: 10, to: &out)
            CopyBinary.appendUUID(profile.uuid, to: &out)
            CopyBinary.appendInt32(Int32(title), to: &out)
            CopyBinary.appendTimestamp(unixSeconds: Workload.unixSeconds(day, second), to: &out)
            CopyBinary.appendInt32(Int32(clamping: watched), to: &out)
            CopyBinary.appendBool(completed, to: &out)
            CopyBinary.appendText(device.utf8, to: &out)
            CopyBinary.appendText(country.utf8, to: &out)
            CopyBinary.appendIPv4(ip, to: &out)
            CopyBinary.appendText(Self.userAgentPrefix + Array(device.utf8) + [UInt8(ascii: ")")], to: &out)
            CopyBinary.appendTimestamp(unixSeconds: Workload.unixSeconds(ingestedDay, second + 600 + lateBy * 3_600), to: &out)
        }

        static let userAgentPrefix = Array("Mozilla/5.0 (Tally demo; ".utf8)
    }

    /// Generates day `index`'s plays in a fixed order from the day's own random stream.
    func generateDay(_ index: Int, _ emit: (Event) throws -> Void) throws {
        var r = SeededGenerator(seed: options.seed).derived(0xDA70_0000 &+ UInt64(index))
        let day = Self.epochDay(options.startDate) + index
        let weekday = ((day % 7) + 11) % 7  // 0 = Monday
        let volume = Int(Double(options.eventsPerDay) * (weekday >= 5 ? 1.25 : 0.9))
        let activity = ZipfTable(count: profiles.count, exponent: 0.6)
        let ranks = ZipfTable(count: popularity.count, exponent: 1.0)
        let hours: [Double] = [1, 0.6, 0.3, 0.2, 0.2, 0.3, 0.6, 1, 1.2, 1, 1, 1.2, 1.5, 1.4, 1.3, 1.4, 1.8, 2.4, 3.4, 4.6, 5.2, 4.8, 3.4, 2]
        let hourTable = hours.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1) }.map { $0 / hours.reduce(0, +) }
        func pickSecond() -> Int {
            let u = r.unit()
            let hour = hourTable.firstIndex { $0 >= u } ?? 20
            return hour * 3_600 + Int(r.next() % 3_600)
        }
        var produced = 0
        while produced < volume {
            let p = activity.draw(&r)
            let profile = profiles[p]
            var title = titles[popularity[ranks.draw(&r)]]
            if title.kind == "series" || title.kind == "album" { title = titles[min(title.id, titles.count - 1)] }
            // A binge: several episodes of one series in a row.
            let run = title.kind == "episode" && r.unit() < 0.25 ? 2 + Int(r.next() % 4) : 1
            var second = pickSecond()
            for step in 0..<run {
                let t = step == 0 ? title : titles[min(title.id - 1 + step, titles.count - 1)]
                guard t.kind == title.kind else { break }
                var event = play(of: t, by: profile, day: day, second: min(second, 86_399), &r)
                invalidate(&event, &r)
                try emit(event)
                produced += 1
                second += t.runtime
            }
        }
        // A Christmas Prince: the planted bingers on each of the last `bingeDays` days, near-bingers on
        // all but the first of them, and casual viewers who never watch two days running.
        let fromEnd = options.days - 1 - index
        let prince = titles[0]
        for p in profiles.indices.sorted() {
            let watches: Bool
            if bingerProfiles.contains(p) {
                watches = fromEnd < options.bingeDays
            } else if nearBingerProfiles.contains(p) {
                watches = fromEnd < options.bingeDays - 1
            } else {
                watches = (p + index) % 4 == 0 && r.unit() < 0.05
            }
            guard watches else { continue }
            var event = play(of: prince, by: profiles[p], day: day, second: 64_800 + Int(r.next() % 14_000), &r)
            event.lateBy = 0
            try emit(event)
        }
        // Heavy viewers: on about one day in thirty, `heavyBinge` different titles of the whole catalogue.
        for p in heavyProfiles where r.unit() < 1.0 / 30 {
            var second = 36_000 + Int(r.next() % 3_600)
            for _ in 0..<options.heavyBinge {
                var event = play(of: titles[1 + Int(r.next() % UInt64(titles.count - 1))], by: profiles[p], day: day, second: min(second, 86_399), &r)
                event.watched = min(event.watched, 600)
                event.lateBy = 0
                try emit(event)
                second += 700
            }
        }
        // The canary watches something every day, so its (absent) PII is really put to the test.
        var canaryPlay = play(
            of: titles[options.canaryRotates ? 2 + index % 50 : 2],
            by: Profile(
                id: Self.canaryProfileID, account: -1, isKids: false, country: "GB",
                device: "web_chrome", ip: Self.ipv4(canary.ipAddress)), day: day, second: 72_000, &r)
        canaryPlay.lateBy = 0
        try emit(canaryPlay)
    }

    /// A play with realistic duration: tracks are often skipped in seconds, films often finished.
    func play(of title: Title, by profile: Profile, day: Int, second: Int, _ r: inout SeededGenerator) -> Event {
        let runtime = max(title.runtime, 60)
        var watched: Int
        switch title.kind {
        case "track":
            watched = r.unit() < 0.35 ? 2 + Int(r.next() % 28) : (r.unit() < 0.8 ? runtime : Int(Double(runtime) * r.unit()))
        default:
            let u = r.unit()
            watched = u < 0.04 ? 5 + Int(r.next() % 25) : (u < 0.6 ? runtime - Int(r.next() % 60) : Int(Double(runtime) * r.unit()))
        }
        watched = max(1, watched)
        let device = r.unit() < 0.8 ? profile.device : Self.roamingDevices[Int(r.next() % UInt64(Self.roamingDevices.count))]
        let country = r.unit() < 0.97 ? profile.country : Self.roamingCountries[Int(r.next() % 4)]
        let lateBy = r.unit() < 0.02 ? 1 + Int(r.next() % UInt64(Self.maximumLag)) : 0
        let completed = watched >= runtime * 9 / 10
        var rating: Rating?
        if r.unit() < 0.06 {
            let liked = completed ? r.unit() < 0.85 : r.unit() < 0.3
            rating = Rating(
                profile: profile.id, title: title.id, thumb: liked ? 1 : -1, day: day, second: min(86_399, second + watched),
                ingestedDay: day + lateBy)
        }
        return Event(
            profile: profile.uuid, title: title.id, day: day, second: second, watched: watched, completed: completed,
            device: device, country: country, ip: profile.ip, lateBy: lateBy, rating: rating)
    }

    /// About one play in five hundred is made invalid in one of the ways the load must reject.
    func invalidate(_ event: inout Event, _ r: inout SeededGenerator) {
        guard r.unit() < 0.002 else { return }
        switch r.next() % 4 {
        case 0: event.watched = -Int(1 + r.next() % 100)
        case 1: event.watched = 5_000_000
        case 2: event.profile = UUID(uuidString: "deadbeef-0000-4000-8000-\(String(format: "%012x", r.next() % 1_000_000))")!
        default: event.day += 3_650
        }
        event.rating = nil
    }

    // MARK: - Dates without Foundation formatting

    static func epochDay(_ date: Day) -> Int {
        Int(date.daysSince1970)
    }

    static func dateText(_ day: Int) -> String {
        Day(daysSince1970: Int32(day)).description
    }

    static let roamingDevices = ["smart_tv", "iphone", "web_chrome", "ps5", "android_phone"]
    static let roamingCountries = ["US", "FR", "JP", "BR"]

    /// Seconds since 1970 of a second of a day, clamped into the day as `timestampText` does.
    static func unixSeconds(_ day: Int, _ second: Int) -> Int64 {
        Int64(day) * 86_400 + Int64(max(0, min(86_399, second)))
    }

    /// A dotted-quad IPv4 address as a number.
    static func ipv4(_ text: String) -> UInt32 {
        text.split(separator: ".").reduce(0) { $0 << 8 | (UInt32($1) ?? 0) }
    }

    static func timestampText(_ day: Int, _ second: Int) -> String {
        let s = max(0, min(86_399, second))
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return "\(dateText(day)) \(pad(s / 3600)):\(pad(s % 3600 / 60)):\(pad(s % 60))+00"
    }
}
