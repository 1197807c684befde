-- Starts backchannel authentications for carol (who never answers), so each request adds one pending
-- request. With LIMIT set, appends each auth_req_id to the file AUTH_REQ_IDS and stops after LIMIT.
wrk.method = "POST"
wrk.path = "/backchannel/authentication"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="
wrk.body = "scope=openid&login_hint=carol&binding_message=BENCH&requested_expiry=3600"

-- USERS spreads the requests over that many users (carol-0 …), as a call centre's would be; unset,
-- every request names carol.
local users = tonumber(os.getenv("USERS") or "0")
if users > 0 then
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  function request()
    return wrk.format(nil, nil, nil, "scope=openid&login_hint=carol-" .. math.random(0, users - 1) .. "&binding_message=BENCH&requested_expiry=3600")
  end
end

-- Counters live in each thread's Lua state; done() reads them through setup()'s thread handles.
local threads = {}
function setup(thread) threads[#threads + 1] = thread end

limit = tonumber(os.getenv("LIMIT") or "0")
count = 0
unexpected = 0
local out = nil

function response(status, headers, body)
  if status ~= 200 then
    unexpected = unexpected + 1
    return
  end
  count = count + 1
  if limit > 0 and os.getenv("AUTH_REQ_IDS") then
    out = out or io.open(os.getenv("AUTH_REQ_IDS"), "a")
    out:write(string.match(body, '"auth_req_id":"([^"]+)"'), "\n")
    if count >= limit then
      out:flush()
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write(string.format("unexpected_answers %d\n", total))
end
