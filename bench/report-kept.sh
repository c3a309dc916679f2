#!/bin/bash
# Reads the report views as analysts do, with the rows the last load kept (analytics.kept_*, read
# while the facts generation is the one they were made at) and deciding from the facts (after a
# write that changes nothing, `update report.settings set k = k`, inside a transaction that is
# rolled back: what every read did before the views were kept, and what a read does between a
# write and the next load). Then times what keeping them costs a load, after the same write (a
# load has just written the facts, so nothing kept is read): etl.refresh_coviewing_held() and
# etl.refresh_kept_reports(), rolled back too. Prints each read per round, the medians and the
# ratio of deciding to kept; nothing is changed.
# Usage: bench/report-kept.sh CONNINFO [ROUNDS]   (a superuser on the warehouse)
set -euo pipefail
conninfo=${1:?usage: bench/report-kept.sh CONNINFO [ROUNDS]}
rounds=${2:-3}
examples=$(cd "$(dirname "$0")/../sql/examples" && pwd)

# Milliseconds of psql running ARGS after SETUP, in a transaction that is rolled back.
timed() {
    local setup=$1
    shift
    local start end
    start=$(date +%s%N)
    psql "$conninfo" -X -q -v ON_ERROR_STOP=1 -c 'set client_min_messages = warning' -c begin -c "$setup" "$@" -c rollback > /dev/null
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }

current=$(psql "$conninfo" -X -At -c "select count(*) filter (where k.generation = f.generation) || ' of ' || count(*)
    from analytics.kept_reports k cross join analytics.facts_generation f")
week=$(psql "$conninfo" -X -At -c "select max(period_start) from analytics.fact_title_period where period_kind = 'week'")
month=$(psql "$conninfo" -X -At -c "select max(period_start) from analytics.fact_title_period where period_kind = 'month'")
day=$(psql "$conninfo" -X -At -c "select max(full_date) from analytics.dim_date d join analytics.fact_title_daily f using (date_key)")
echo "kept views current: $current; the latest week $week, month $month, day $day"
[[ ${current%% of *} == "${current##* of }" && $current != "0 of 0" ]] || {
    echo "bench/report-kept.sh: not every kept view is current, so a kept read would decide: run a load, or select etl.refresh_coviewing_held(); select etl.refresh_kept_reports(); in one transaction" >&2
    exit 1
}

reads=(
    "title_weekly, one week|-c|select count(*) from report.title_weekly where week_start = '$week'"
    "coviewing, one week|-c|select count(*) from report.coviewing where period = 'week' and period_start = '$week'"
    "title_breakdown, one month|-c|select count(*) from report.title_breakdown where period = 'month' and period_start = '$month'"
    "group_totals, one month|-c|select count(*) from report.group_totals where period = 'month' and period_start = '$month'"
    "title_segments, one day|-c|select count(*) from report.title_segments where day = '$day'"
    "streak_viewers.sql|-f|$examples/streak_viewers.sql"
    "also_watched.sql|-f|$examples/also_watched.sql"
    "top_titles_month.sql|-f|$examples/top_titles_month.sql"
    "weekly_trend.sql|-f|$examples/weekly_trend.sql"
    "device_split.sql|-f|$examples/device_split.sql"
    "top_groups_month.sql|-f|$examples/top_groups_month.sql"
)
printf '%-28s %10s %10s %8s\n' read "kept ms" "live ms" ratio
for read in "${reads[@]}"; do
    IFS='|' read -r name flag argument <<< "$read"
    kept=() live=()
    for _ in $(seq "$rounds"); do
        kept+=("$(timed 'select 1' "$flag" "$argument")")
        live+=("$(timed 'update report.settings set k = k' "$flag" "$argument")")
    done
    mk=$(median "${kept[@]}") ml=$(median "${live[@]}")
    printf '%-28s %10s %10s %8s   (kept %s; live %s)\n' "$name" "$mk" "$ml" "$(awk -v a="$ml" -v b="$mk" 'BEGIN { printf "%.1f", a / b }')" \
        "${kept[*]}" "${live[*]}"
done
refresh=()
for _ in $(seq "$rounds"); do
    refresh+=("$(timed 'update report.settings set k = k' -c 'select etl.refresh_coviewing_held()' -c 'select etl.refresh_kept_reports()')")
done
echo "a load's refresh (co-viewing decisions, then the kept views) after a write that changes nothing: median $(median "${refresh[@]}") ms (${refresh[*]})"
