-- Starts backchannel authentications for carol (or one of USERS carols, common.lua), who never answers,
-- so each request adds one pending request. With LIMIT set, appends each auth_req_id to the file
-- AUTH_REQ_IDS and stops after LIMIT. EXTRA (already form-encoded, starting with &) is appended to every body.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
local extra = os.getenv("EXTRA") or ""
wrk.path = "/backchannel/authentication"
wrk.body = "scope=openid&login_hint=carol&binding_message=BENCH&requested_expiry=3600" .. extra
if os.getenv("USERS") then
  function request()
    return wrk.format(nil, nil, nil, "scope=openid&login_hint=" .. user("carol") .. "&binding_message=BENCH&requested_expiry=3600" .. extra)
  end
end

limit = tonumber(os.getenv("LIMIT") or "0")
count = 0
unexpected = 0
local out = nil

function response(status, headers, body)
  if status ~= 200 then
    unexpected = unexpected + 1
    note_unexpected(status, body)
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
