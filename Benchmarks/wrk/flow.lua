-- Complete flows: start an authentication for dave (who approves at once), then redeem it with one poll.
-- Each start's auth_req_id is queued; the next request a connection sends redeems the oldest one.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local queue = {}
tokens = 0
unexpected = 0

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
    note_unexpected(status, body)
  end
end

function done(summary, latency, requests)
  local flows, total = 0, 0
  for _, thread in ipairs(threads) do
    flows = flows + thread:get("tokens")
    total = total + thread:get("unexpected")
  end
  io.write(string.format("completed_flows %d\nunexpected_answers %d\n", flows, total))
  report_unexpected()
end
