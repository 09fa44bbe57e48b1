-- wrk script: places orders through the gateway (POST /v1/orders) as an API client does, and
-- counts what came back by outcome. Configured by the environment (tools/oms/bench.sh sets it):
--   OMS_BENCH_API_KEY   bearer API key with orders:write
--   OMS_BENCH_CUSTOMER  customer id the orders are for
--   OMS_BENCH_SHAPE     spread: three lines, BENCH-A-i (Hamburg), BENCH-B-j (Munich) and one more
--                       of either half, so every order splits into two shipments;
--                       hot: one line of HOT, the SKU every order takes
--   OMS_BENCH_SKUS      SKUs per half (bench/catalog.sql)
--   OMS_BENCH_RUN       unique per wrk run: prefixes every Idempotency-Key
--   OMS_BENCH_RESULT    where done() writes its JSON summary
-- Latencies are wrk's own (all answered requests, microseconds).

local api_key = assert(os.getenv("OMS_BENCH_API_KEY"), "OMS_BENCH_API_KEY")
local customer = assert(os.getenv("OMS_BENCH_CUSTOMER"), "OMS_BENCH_CUSTOMER")
local shape = os.getenv("OMS_BENCH_SHAPE") or "spread"
local skus = tonumber(os.getenv("OMS_BENCH_SKUS") or "400")
local run = os.getenv("OMS_BENCH_RUN") or tostring(os.time())
local result_path = os.getenv("OMS_BENCH_RESULT")

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

-- Per thread (each has its own Lua state): a sequence for unique keys and the counts.
function init(args)
  sequence = 0
  outcomes = {}  -- CONFIRMED, REJECTED <reason>, PENDING, ... (2xx answers)
  errors = {}    -- "HTTP <status> <reason>" (other answers)
  math.randomseed(os.time() * 1000 + thread_id)
end

local function line(sku)
  return string.format('{"sku":"%s","quantity":"1"}', sku)
end

local function lines()
  if shape == "hot" then
    return line("HOT")
  end
  local a = math.random(skus)
  local b = math.random(skus)
  -- A third SKU of either half, never one already on the order.
  local third
  if math.random(2) == 1 then
    third = string.format("BENCH-A-%d", a % skus + 1)
  else
    third = string.format("BENCH-B-%d", b % skus + 1)
  end
  return line(string.format("BENCH-A-%d", a)) .. "," .. line(string.format("BENCH-B-%d", b)) ..
      "," .. line(third)
end

function request()
  sequence = sequence + 1
  -- No channel: the key is bound to the customer, and the gateway sets a customer's channel.
  local body = string.format(
      '{"customerId":"%s","currency":"EUR","lines":[%s],' ..
      '"shippingAddress":{"name":"Erika Mustermann","line1":"Heidestrasse 17",' ..
      '"city":"Hamburg","postalCode":"20095","country":"DE"},' ..
      '"payment":{"method":"CARD","token":"tok_visa"},"allocationStrategy":"MINIMIZE_SPLITS"}',
      customer, lines())
  return wrk.format("POST", "/v1/orders", {
    ["Authorization"] = "Bearer " .. api_key,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("%s-%d-%d", run, thread_id, sequence),
  }, body)
end

local function count(map, key)
  map[key] = (map[key] or 0) + 1
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    local order_status = body:match('"status":%s*"ORDER_STATUS_([A-Z_]+)"') or "UNKNOWN"
    if order_status == "REJECTED" then
      order_status = "REJECTED " .. (body:match('"rejectionReason":%s*"([A-Z_]+)"') or "")
    end
    count(outcomes, order_status)
  else
    count(errors, string.format("HTTP %d %s", status, body:match('"reason":%s*"([A-Z_]+)"') or ""))
  end
end

local function json_counts(map)
  local parts = {}
  for key, value in pairs(map) do
    table.insert(parts, string.format('"%s":%d', key, value))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function merge(into, from)
  for key, value in pairs(from or {}) do
    into[key] = (into[key] or 0) + value
  end
end

function done(summary, latency, requests)
  local all_outcomes, all_errors = {}, {}
  for _, thread in ipairs(threads) do
    merge(all_outcomes, thread:get("outcomes"))
    merge(all_errors, thread:get("errors"))
  end
  -- Failures wrk saw below HTTP: no answer at all.
  for _, kind in ipairs({"connect", "read", "write", "timeout"}) do
    if summary.errors[kind] > 0 then
      all_errors["socket " .. kind] = summary.errors[kind]
    end
  end
  local out = string.format(
      '{"duration_us":%d,"requests":%d,"outcomes":%s,"errors":%s,' ..
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
      summary.duration, summary.requests, json_counts(all_outcomes), json_counts(all_errors),
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      latency.mean)
  if result_path then
    local file = assert(io.open(result_path, "w"))
    file:write(out)
    file:close()
  else
    io.write(out)
  end
end
