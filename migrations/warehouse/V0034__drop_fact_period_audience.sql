-- Data minimisation: analytics.fact_period_audience held each week's and month's whole audience
-- (everyone who played anything). Since report.coviewing lost lift (V0033 rewrote the comments
-- that named it) no view or role reads it, and published, it gives away a period's hidden titles
-- (docs/analysts.md, I2). The loader no longer computes it; the table and its rows go.
-- Grain: one table dropped.

drop table analytics.fact_period_audience;
