-- wrk-report.lua: print one machine-readable line with exact figures at the end of a wrk run.
--
-- Why: wrk's own --latency table rounds to two decimals in mixed units (us/ms/s) and has no
-- p99.9; its histogram holds every sample in microseconds, so we read the percentiles from it
-- directly. Only done() is defined: defining request()/response() would move every request
-- through Lua and make wrk itself the bottleneck.
--
-- Output (one line, keys in a fixed order, all integers):
--   BENCH_RESULT requests=N duration_us=N bytes=N p50_us=N p99_us=N p999_us=N max_us=N
--                err_connect=N err_read=N err_write=N err_status=N err_timeout=N
-- err_status counts responses with a status above 399 (wrk's own rule).

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%.0f duration_us=%.0f bytes=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f"
      .. " max_us=%.0f err_connect=%.0f err_read=%.0f err_write=%.0f err_status=%.0f err_timeout=%.0f\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
