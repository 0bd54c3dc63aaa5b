-- POST form bodies read from BENCH_FILE, each sent once (authorization codes,
-- refresh tokens). Threads take disjoint lines. With BENCH_CHAIN set, a
-- response's new refresh_token is queued for a later request (rotation chains:
-- every token is still used exactly once). A thread with nothing left stops;
-- done() prints "EXHAUSTED n" for requests sent after that point. With BENCH_OUT
-- set, done() also writes the inputs no request took (chains carried over to
-- the next round of bench/run.py --compare-node) to that file, one a line.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  queue, head, tail, exhausted = {}, 1, 0, 0
  local i = 0
  for line in io.lines(os.getenv("BENCH_FILE")) do
    if i % counter_total() == id then
      tail = tail + 1
      queue[tail] = line
    end
    i = i + 1
  end
  headers = {["Content-Type"] = "application/x-www-form-urlencoded",
             ["Authorization"] = os.getenv("BENCH_AUTH")}
  prefix = os.getenv("BENCH_PREFIX") or ""
  chain = os.getenv("BENCH_CHAIN") == "1"
end

function counter_total()
  return tonumber(os.getenv("BENCH_THREADS"))
end

function request()
  local item = queue[head]
  if item == nil then
    exhausted = exhausted + 1
    wrk.thread:stop()
    return wrk.format("POST", nil, headers, "grant_type=exhausted")
  end
  queue[head] = nil
  head = head + 1
  return wrk.format("POST", nil, headers, prefix .. item)
end

function response(status, hdrs, body)
  if chain and status == 200 then
    local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if token then
      tail = tail + 1
      queue[tail] = token
    end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + (thread:get("exhausted") or 0) end
  io.write(string.format("EXHAUSTED %d\n", total))
  local out = os.getenv("BENCH_OUT")
  if out and out ~= "" then
    local file = assert(io.open(out, "w"))
    for _, thread in ipairs(threads) do
      for _, item in pairs(thread:get("queue") or {}) do file:write(item, "\n") end
    end
    file:close()
  end
end
