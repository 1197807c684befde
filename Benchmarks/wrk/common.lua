-- What the load scripts share, loaded by each with dofile: the demo client's POST, the users the load
-- names, the thread handles done() reads counters through, and pacing.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
-- The demo client (ID tokens in RS256, the default of a client that names no algorithm); CLIENT=es-client
-- is the same client with id_token_signed_response_alg: ES256.
local credentials = {
  ["demo-client"] = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=",
  ["es-client"] = "Basic ZXMtY2xpZW50OmVzLWNsaWVudC1zZWNyZXQ=",
}
wrk.headers["Authorization"] = credentials[os.getenv("CLIENT") or "demo-client"]

-- USERS spreads the load over that many users (carol-0 … and dave-0 …), as a call centre's would be;
-- unset, every request names the one user.
local users = tonumber(os.getenv("USERS") or "0")
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
function user(name)
  if users > 0 then return name .. "-" .. math.random(0, users - 1) end
  return name
end

-- Counters live in each thread's Lua state; done() reads them through setup()'s thread handles.
threads = {}
function setup(thread) threads[#threads + 1] = thread end

-- DELAY_MS paces each connection (wrk's delay()): the rate is connections × 1000 / DELAY_MS requests/s;
-- unset, as fast as the server answers.
local pace = tonumber(os.getenv("DELAY_MS") or "0")
if pace > 0 then
  function delay() return pace end
end

-- What the unexpected answers were: "status error" and how many of each, written by done().
unexpected_kinds = ""
function note_unexpected(status, body)
  local kind = status .. " " .. (string.match(body, '"error":"([^"]+)"') or "-")
  if #unexpected_kinds < 200 and not string.find(unexpected_kinds, kind, 1, true) then
    unexpected_kinds = unexpected_kinds .. kind .. "; "
  end
end

function report_unexpected()
  local kinds = ""
  for _, thread in ipairs(threads) do kinds = kinds .. (thread:get("unexpected_kinds") or "") end
  io.write("unexpected_kinds " .. kinds .. "\n")
end

-- The usual done(): every thread's count of unexpected answers, then their kinds. A script that counts
-- more (flows) writes its own.
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write(string.format("unexpected_answers %d\n", total))
  report_unexpected()
end
