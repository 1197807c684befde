-- Complete flows: start an authentication for dave (who approves at once), then redeem it with one poll.
-- Requests alternate per connection order: a start, then the poll for the id the last start returned.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="

local queue = {}
local tokens = 0
local unexpected = 0

request = function()
  local id = table.remove(queue, 1)
  if id then
    return wrk.format(nil, "/token", nil, "grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id=" .. id)
  end
  return wrk.format(nil, "/backchannel/authentication", nil, "scope=openid&login_hint=dave")
end

response = function(status, headers, body)
  local id = string.match(body, '"auth_req_id":"([^"]+)"')
  if id then
    queue[#queue + 1] = id
  elseif status == 200 and string.find(body, "id_token", 1, true) then
    tokens = tokens + 1
  else
    unexpected = unexpected + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("completed_flows %d\nunexpected_answers %d\n", tokens, unexpected))
end
