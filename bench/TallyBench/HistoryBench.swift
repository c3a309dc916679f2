import ArgumentParser
import Foundation
import Logging
import Tally

extension TallyBench.Load {
    /// One history case's figures: tally load's time and peak RSS on an empty warehouse, and what it left.
    struct HistoryRound {
        var years: Int
        var events: Int
        var seconds: Double
        var rss: Int
        var sourceBytes: Int
        var warehouseBytes: Int
        var coviewingRows: Int
        var coviewingBelowFloor: Int
        var rejected: String
    }

    /// The history case: `tally seed --history YEARS`'s workload (sparse years, 5,000 archive titles,
    /// heavy viewers) in an operational database of its own, loaded by tally into an empty warehouse.
    func measureHistory(
        years: Int, server: LocalServer, admin: PostgresConnection, environment: [String: String], logger: Logger, spanRows: Int? = nil
    ) throws -> HistoryRound {
        let op = server.conninfo(database: "bench_history_operational")
        let wh = server.conninfo(database: "bench_history_warehouse")
        for database in ["bench_history_operational", "bench_history_warehouse"] {
            try admin.execute("drop database if exists \(database) with (force)")
            try admin.execute("create database \(database)")
        }
        try Migrator(database: "operational", directory: "migrations/operational", conninfo: op, logger: logger).up()
        try Migrator(database: "warehouse", directory: "migrations/warehouse", conninfo: wh, logger: logger).up()
        let source = try PostgresConnection.connect(op, logger: logger)
        defer { source.close() }
        let written = try Workload(options: .history(years: years)).write(to: source)
        try source.execute("vacuum (analyze)")
        try source.execute("checkpoint")

        var history = environment
        history["TALLY_OPERATIONAL_URL"] = environment["TALLY_OPERATIONAL_URL"]?.replacingOccurrences(
            of: "bench_operational", with: "bench_history_operational")
        history["TALLY_WAREHOUSE_URL"] = environment["TALLY_WAREHOUSE_URL"]?.replacingOccurrences(of: "bench_warehouse", with: "bench_history_warehouse")
        let load = try Self.timed(
            "/usr/bin/time", ["-v", tally, "load"] + (spanRows.map { ["--history-span-rows", String($0)] } ?? []), environment: history)
        let rss = load.output.split(separator: "\n").first { $0.contains("Maximum resident set size") }?
            .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { Int($0) }
        guard load.status == 0, let rss else { throw ValidationError("tally load of the history failed: \(load.output)") }

        let warehouse = try PostgresConnection.connect(wh, logger: logger)
        defer { warehouse.close() }
        let sourceBytes = try source.query(
            "select (pg_total_relation_size('app.playback_events') + pg_total_relation_size('app.ratings'))::int8"
        ).scalar(as: Int.self)
        let rejected = try warehouse.query(
            "select coalesce(string_agg(reason || ' ' || n, ', '), 'none') from (select reason, count(*) n from etl.rejects group by 1) r"
        )
        .scalar(as: String.self)
        return HistoryRound(
            years: years, events: written.events, seconds: load.seconds, rss: rss, sourceBytes: sourceBytes,
            warehouseBytes: try warehouse.query("select pg_database_size(current_database())::int8").scalar(as: Int.self),
            coviewingRows: try warehouse.query("select count(*)::int from analytics.fact_coviewing").scalar(as: Int.self),
            coviewingBelowFloor: try warehouse.query("select count(*)::int from analytics.fact_coviewing where shared_viewers < etl.coviewing_floor()")
                .scalar(as: Int.self),
            rejected: rejected)
    }
}
