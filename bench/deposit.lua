-- wrk script: each request a deposit of 1.00 yuan on one of MINES mines (default 1000),
-- with its own Idempotency-Key, over keep-alive connections. TARGET=peer sends the
-- same body and key to bench/peer's one route (POST /deposit?license=…) instead of
-- Reclaim's POST /v1/mines/{license}/fund/deposits with its bearer token.
local counter = 0
local token = os.getenv("RECLAIM_TOKEN")
local run = os.getenv("RUN_ID") or "run"
local mines = tonumber(os.getenv("MINES") or "1000")
local peer = os.getenv("TARGET") == "peer"
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

request = function()
   counter = counter + 1
   local t = tid or 0
   local mine = string.format("M%04d", (counter * 7 + t * 131) % mines + 1)
   local headers = {
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = run .. "-" .. t .. "-" .. counter,
   }
   if peer then
      return wrk.format("POST", "/deposit?license=" .. mine, headers, '{"amount":"1.00"}')
   end
   headers["Authorization"] = "Bearer " .. token
   return wrk.format("POST", "/v1/mines/" .. mine .. "/fund/deposits", headers, '{"amount":"1.00"}')
end

done = function(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.connect + e.read + e.write + e.timeout, e.status))
end
