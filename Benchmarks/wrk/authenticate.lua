-- Starts backchannel authentications for carol (who never answers), so each request adds one pending
-- request. With LIMIT set, writes each auth_req_id to the file AUTH_REQ_IDS and stops after LIMIT.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="
wrk.body = "scope=openid&login_hint=carol&binding_message=BENCH&requested_expiry=3600"

local limit = tonumber(os.getenv("LIMIT") or "0")
local out = nil
if os.getenv("AUTH_REQ_IDS") and limit > 0 then out = io.open(os.getenv("AUTH_REQ_IDS"), "w") end
local count = 0
local unexpected = 0

response = function(status, headers, body)
  if status ~= 200 then
    unexpected = unexpected + 1
    return
  end
  count = count + 1
  if out then
    out:write(string.match(body, '"auth_req_id":"([^"]+)"'), "\n")
    if count >= limit then
      out:flush()
      wrk.thread:stop()
    end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("unexpected_answers %d\n", unexpected))
end
