-- The bench's one wrk script, configured through the environment (bench/wrk.py sets it):
--
--   BENCH_METHOD         the method of every request (wrk's default: GET)
--   BENCH_BODY_FILE      one body for every request (a bulk request's JSON)
--   BENCH_REQUESTS_FILE  one request a line, "path" or "path<TAB>body", taken in turn: every
--                        uncached read asks for an id the service has not seen yet
--   BENCH_STOP_AFTER     stop after this many responses (run with one thread: the count is
--                        that thread's), and say so on stdout
--
-- Without a requests file wrk sends its one pre-built request over and over (no Lua per
-- request), and without a stop count no Lua runs per response: the throughput rows pay
-- nothing for the script. done() prints one JSON line the harness parses.

local method = os.getenv("BENCH_METHOD")
if method then
   wrk.method = method
end

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file then
   local handle = assert(io.open(body_file, "rb"))
   wrk.body = handle:read("*a")
   handle:close()
   wrk.headers["Content-Type"] = "application/json"
end

local requests_file = os.getenv("BENCH_REQUESTS_FILE")
if requests_file then
   local built = {}
   local index = 0
   -- Built once per thread, before the run (wrk.host and the -H headers are known by
   -- init): request() only hands over the next one.
   init = function(_args)
      for line in io.lines(requests_file) do
         local path, line_body = line:match("^([^\t]*)\t(.*)$")
         if path then
            -- wrk.format takes these headers instead of wrk.headers: copy those in.
            local headers = { ["Content-Type"] = "application/json" }
            for name, value in pairs(wrk.headers) do
               headers[name] = value
            end
            built[#built + 1] = wrk.format(nil, path, headers, line_body)
         else
            built[#built + 1] = wrk.format(nil, line)
         end
      end
   end
   request = function()
      index = index % #built + 1
      return built[index]
   end
end

local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "")
if stop_after then
   local seen = 0
   response = function()
      seen = seen + 1
      if seen == stop_after then
         wrk.thread:stop()
         -- wrk itself sleeps out its whole -d; the harness interrupts it on this line.
         io.write("BENCH_STOPPED\n")
         io.stdout:flush()
      end
   end
end

done = function(summary, latency, _requests)
   local percentiles = {}
   for _, p in ipairs({ 50, 90, 95, 99 }) do
      percentiles[#percentiles + 1] = string.format('"%d": %d', p, latency:percentile(p))
   end
   local errors = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors": '
         .. '{"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
         .. '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "percentiles": {%s}}}\n',
      summary.requests, summary.duration, summary.bytes,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout,
      latency.min, latency.mean, latency.max, table.concat(percentiles, ", ")))
end
