-- Complete flows: start an authentication for dave (who approves at once), then redeem it with one poll.
-- Each start's auth_req_id is queued; the next request a connection sends redeems the oldest one.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="

-- USERS spreads the load over that many users (carol-0 … and dave-0 …), as a call centre's would be;
-- unset, every request names the one user.
local users = tonumber(os.getenv("USERS") or "0")
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
function user(name)
  if users > 0 then return name .. "-" .. math.random(0, users - 1) end
  return name
end

local threads = {}
function setup(thread) threads[#threads + 1] = thread end

local queue = {}
tokens = 0
unexpected = 0

-- DELAY_MS paces each connection (the soak); unset, as fast as the server answers.
local pace = tonumber(os.getenv("DELAY_MS") or "0")
if pace > 0 then
  function delay() return pace end
end

function request()
  local id = table.remove(queue, 1)
  if id then
    return wrk.format(nil, "/token", nil, "grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id=" .. id)
  end
  return wrk.format(nil, "/backchannel/authentication", nil, "scope=openid&login_hint=" .. user("dave"))
end

function response(status, headers, body)
  local id = string.match(body, '"auth_req_id":"([^"]+)"')
  if id then
    queue[#queue + 1] = id
  elseif status == 200 and string.find(body, "id_token", 1, true) then
    tokens = tokens + 1
  else
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local flows, total = 0, 0
  for _, thread in ipairs(threads) do
    flows = flows + thread:get("tokens")
    total = total + thread:get("unexpected")
  end
  io.write(string.format("completed_flows %d\nunexpected_answers %d\n", flows, total))
end
