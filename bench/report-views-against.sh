#!/bin/bash
# Times the report views of this checkout (migrations/warehouse/R__report_views.sql) against those
# of another commit, on one warehouse, in the same run. For each side and round, in a transaction
# that is rolled back: apply that side's file as `tally migrate up` would (it re-creates the views,
# then decides the co-viewing pairs and keeps the report views, as a load does, from tables it has
# just emptied; bench/report-kept.sh times a load's refresh alone), then
# count the rows of each view that decides every period from the facts, through its
# analytics.<name>_rows() function with that function's planner settings (what a load's refresh
# and a read that finds the kept rows stale run, for the whole history). Prints the medians, the ratio baseline / this
# checkout and, per kept view, whether both sides kept the same rows (an md5 of the sorted rows).
# Nothing is changed, but each round holds the views' and kept tables' locks until it rolls back:
# run it where no load or analyst is waiting.
# Usage: bench/report-views-against.sh CONNINFO COMMIT [ROUNDS]   (a superuser on the warehouse,
#        a warehouse migrated to this checkout; run from the repository)
set -euo pipefail
conninfo=${1:?usage: bench/report-views-against.sh CONNINFO COMMIT [ROUNDS]}
commit=${2:?usage: bench/report-views-against.sh CONNINFO COMMIT [ROUNDS]}
rounds=${3:-1}
repo=$(cd "$(dirname "$0")/.." && pwd)
baseline=$(mktemp)
trap 'rm -f "$baseline"' EXIT
git -C "$repo" show "$commit:migrations/warehouse/R__report_views.sql" > "$baseline"

views=(report_periods title_segments title_breakdown coviewing group_totals title_daily title_ratings title_streaks titles)
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }

# One round of one side: "apply_ms count_ms... digest..." on one line.
round() {
    local file=$1 script
    script=$(mktemp)
    {
        echo "set client_min_messages = warning;"
        echo "begin;"
        echo "select clock_timestamp() as t0 \\gset"
        echo "\\o /dev/null"
        echo "\\i '$file'"
        echo "\\o"
        echo "select (extract(epoch from clock_timestamp() - :'t0'::timestamptz) * 1000)::int;"
        for view in "${views[@]}"; do
            echo "select clock_timestamp() as t0 \\gset"
            echo "select count(*) from analytics.${view}_rows() \\g /dev/null"
            echo "select (extract(epoch from clock_timestamp() - :'t0'::timestamptz) * 1000)::int;"
        done
        for view in "${views[@]}"; do
            echo "select md5(coalesce(string_agg(r::text, ',' order by r::text), '')) from analytics.kept_$view r;"
        done
        echo "rollback;"
    } > "$script"
    local out status=0
    out=$(psql "$conninfo" -X -q -At -v ON_ERROR_STOP=1 -f "$script") || status=$?
    rm -f "$script"
    # 1 apply time, a count and a digest per view, or the run failed.
    if ((status != 0)) || [[ $(echo $out | wc -w) != $((1 + 2 * ${#views[@]})) ]]; then
        echo "bench/report-views-against.sh: a round on $file failed (psql exit $status): $out" >&2
        exit 1
    fi
    echo $out
}

# The sides alternate, the baseline first in odd rounds and this checkout first in even ones, so
# that neither always reads a cold cache.
declare -A results
for r in $(seq "$rounds"); do
    order=(baseline this)
    ((r % 2 == 0)) && order=(this baseline)
    for side in "${order[@]}"; do
        file=$baseline
        [[ $side == this ]] && file=$repo/migrations/warehouse/R__report_views.sql
        results[$side,$r]=$(round "$file")
    done
done

# Column i (1-based) of each round of a side.
column() { local side=$1 i=$2 r; for r in $(seq "$rounds"); do echo "${results[$side,$r]}" | cut -d' ' -f"$i"; done; }
printf '%-34s %12s %12s %8s\n' "" "$commit ms" "this ms" ratio
names=("apply R__report_views.sql")
for view in "${views[@]}"; do names+=("count(*) of ${view}_rows()"); done
for i in "${!names[@]}"; do
    mapfile -t before < <(column baseline $((i + 1)))
    mapfile -t after < <(column this $((i + 1)))
    b=$(median "${before[@]}") a=$(median "${after[@]}")
    printf '%-34s %12s %12s %8s   (%s; %s)\n' "${names[$i]}" "$b" "$a" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", b / a }')" \
        "${before[*]}" "${after[*]}"
done
for i in "${!views[@]}"; do
    column=$((${#names[@]} + i + 1))
    same=no
    [[ $(column baseline $column | sort -u) == "$(column this $column | sort -u)" && $(column this $column | sort -u | wc -l) == 1 ]] && same=yes
    echo "kept_${views[$i]}: the same rows both sides, every round: $same"
done
