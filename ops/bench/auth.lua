-- ops/bench/auth.lua - wrk script used by ops/bench/api-read: sends the API token taken from
-- the environment (CT_BENCH_TOKEN) as "Authorization: Bearer ...", and when the run ends
-- prints one line "CTBENCH key=value ..." (requests, duration, errors, latency percentiles in
-- microseconds) that api-read parses instead of wrk's human-readable report.
local token = os.getenv("CT_BENCH_TOKEN")
if not token or token == "" then
    error("CT_BENCH_TOKEN is not set")
end
wrk.headers["Authorization"] = "Bearer " .. token

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "CTBENCH requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d " ..
        "p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
