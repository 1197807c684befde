-- The soak's main load: authentications for carol (who never answers, so each expires after the server's
-- default expiry), each polled POLLS times (authorization_pending). wrk's connections share one Lua state per
-- thread, so the auth_req_ids wait in a queue: a request polls the oldest waiting one, or starts another.
-- DELAY_MS paces each connection (common.lua).
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local polls = tonumber(os.getenv("POLLS") or "2")
local queue = {}
unexpected = 0

function request()
  local id = table.remove(queue, 1)
  if id then
    return wrk.format(nil, "/token", nil, "grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id=" .. id)
  end
  return wrk.format(nil, "/backchannel/authentication", nil, "scope=openid&login_hint=" .. user("carol") .. "&binding_message=SOAK")
end

function response(status, headers, body)
  local id = string.match(body, '"auth_req_id":"([^"]+)"')
  if id then
    for _ = 1, polls do queue[#queue + 1] = id end
  elseif not (status == 400 and string.find(body, "authorization_pending", 1, true)) then
    unexpected = unexpected + 1
    note_unexpected(status, body)
  end
end
