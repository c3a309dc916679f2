#!/bin/bash
# Reads report.coviewing with the load's kept I2t decisions (analytics.coviewing_decisions) and
# without them (emptied inside a transaction that is rolled back, so the view decides every period), and
# times etl.refresh_coviewing_held() as a load runs it: after a night (pairs of the latest week and
# month changed) and from nothing (a first load, or tally migrate up). Prints each round and the
# medians, with the ratio of deciding to reusing. A third read reuses decisions that hold back
# every pair I2 shows, the most the view has to look up. With BASELINE, another version of
# migrations/warehouse/R__report_views.sql (say `git show HEAD~1:migrations/warehouse/R__report_views.sql`
# saved to a file), each round also decides every period and refreshes from nothing with that
# version applied inside the transaction, and prints the ratio of the installed views to it.
# With PROTECTION set, every round runs at that protection level (report.settings.protection,
# changed inside each transaction), say PROTECTION=11 for k. The kept decisions were made at the
# installed level, so unless that is the same, every read decides too (its ratio then says nothing).
# Usage: [PROTECTION=P] bench/coviewing-kept.sh CONNINFO [ROUNDS] [BASELINE]   (a superuser or
# tally_owner on the warehouse; nothing is changed: every write is rolled back)
set -euo pipefail
conninfo=${1:?usage: [PROTECTION=P] bench/coviewing-kept.sh CONNINFO [ROUNDS] [BASELINE]}
rounds=${2:-3}
baseline=${3:-}
level='select 1'
if [[ -n ${PROTECTION:-} ]]; then
    [[ $PROTECTION =~ ^[1-9][0-9]*$ ]] || { echo "bench/coviewing-kept.sh: PROTECTION must be a whole number of 1 or more, not '$PROTECTION'" >&2; exit 2; }
    level="update report.settings set protection = $PROTECTION"
fi

# The milliseconds of STATEMENT run after SETUP, in a transaction that is rolled back.
timed() {
    psql "$conninfo" -X -q -v ON_ERROR_STOP=1 -c 'set client_min_messages = warning' -c 'begin' -c "$level" -c "$1" -c '\timing on' -c "$2" -c '\timing off' -c 'rollback' |
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }

# A night: it changes pairs of the latest week and the latest month, so both are decided again.
one_night="update analytics.fact_coviewing set shared_viewers = shared_viewers + 1
    where (period_kind, period_start, title_a_key, title_b_key) in (
        select distinct on (period_kind) period_kind, period_start, a_key, b_key from analytics.coviewing_pairs
        order by period_kind, period_start desc, a_key, b_key)"

# Every decision kept as if it held back every pair that I2 shows: the most the view looks up.
all_held="insert into analytics.coviewing_held (period_kind, period_start, a_key, b_key)
    select period_kind, period_start, a_key, b_key from analytics.coviewing_pairs where candidate on conflict do nothing"

kept=() held=() live=() night=() all=() base_live=() base_all=()
forget='truncate analytics.coviewing_decisions, analytics.coviewing_held'
for round in $(seq "$rounds"); do
    k=$(timed 'select 1' 'select count(*) from report.coviewing')
    h=$(timed "$all_held" 'select count(*) from report.coviewing')
    l=$(timed "$forget" 'select count(*) from report.coviewing')
    n=$(timed "$one_night" 'select etl.refresh_coviewing_held()')
    a=$(timed "$forget" 'select etl.refresh_coviewing_held()')
    echo "round $round: read kept $k ms, kept holding every pair $h ms, deciding every period $l ms; refresh after a night $n ms, from nothing $a ms"
    kept+=("$k") held+=("$h") live+=("$l") night+=("$n") all+=("$a")
    if [[ -n $baseline ]]; then
        bl=$(timed "\\i $baseline" "$forget; select count(*) from report.coviewing")
        ba=$(timed "\\i $baseline" "$forget; select etl.refresh_coviewing_held()")
        echo "round $round, baseline views: deciding every period $bl ms, refresh from nothing $ba ms"
        base_live+=("$bl") base_all+=("$ba")
    fi
done
mk=$(median "${kept[@]}") ml=$(median "${live[@]}")
echo "median read: kept $mk ms, kept holding every pair $(median "${held[@]}") ms, deciding every period $ml ms, ratio $(awk -v a="$ml" -v b="$mk" 'BEGIN { printf "%.2f", a / b }')"
echo "median refresh: after a night $(median "${night[@]}") ms, from nothing $(median "${all[@]}") ms"
if [[ -n $baseline ]]; then
    mbl=$(median "${base_live[@]}") mba=$(median "${base_all[@]}") ma=$(median "${all[@]}")
    echo "median against the baseline views: deciding every period $ml ms against $mbl ms (ratio $(awk -v a="$ml" -v b="$mbl" 'BEGIN { printf "%.2f", a / b }')), refresh from nothing $ma ms against $mba ms (ratio $(awk -v a="$ma" -v b="$mba" 'BEGIN { printf "%.2f", a / b }'))"
fi
