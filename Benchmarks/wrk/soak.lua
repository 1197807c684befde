-- The soak's main load: each connection starts an authentication for carol (who never answers, so it
-- expires after the server's default expiry), then polls it POLLS times (authorization_pending), and again.
-- DELAY_MS paces each connection (wrk's delay()): the rate is connections × 1000 / DELAY_MS requests/s.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="

local threads = {}
function setup(thread) threads[#threads + 1] = thread end

local polls = tonumber(os.getenv("POLLS") or "2")
local pace = tonumber(os.getenv("DELAY_MS") or "0")
local current = nil
local left = 0
unexpected = 0

if pace > 0 then
  function delay() return pace end
end

function request()
  if current and left > 0 then
    left = left - 1
    return wrk.format(nil, "/token", nil, "grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id=" .. current)
  end
  current = nil
  return wrk.format(nil, "/backchannel/authentication", nil, "scope=openid&login_hint=carol&binding_message=SOAK")
end

function response(status, headers, body)
  local id = string.match(body, '"auth_req_id":"([^"]+)"')
  if id then
    current = id
    left = polls
  elseif not (status == 400 and string.find(body, "authorization_pending", 1, true)) then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write(string.format("unexpected_answers %d\n", total))
end
