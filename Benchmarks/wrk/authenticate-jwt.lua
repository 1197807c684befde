-- Backchannel authentication requests like authenticate.lua, the client authenticated by private_key_jwt:
-- each request carries the next of the pre-signed assertions in the file ASSERTIONS (each jti is good once,
-- so the file must hold more than the run sends; run.py signs enough).
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
wrk.headers["Authorization"] = nil
wrk.path = "/backchannel/authentication"

local assertions = {}
for line in io.lines(os.getenv("ASSERTIONS")) do assertions[#assertions + 1] = line end
local index = 0
unexpected = 0

function request()
  index = index + 1
  return wrk.format(nil, nil, nil, "scope=openid&login_hint=" .. user("carol") .. "&binding_message=BENCH&requested_expiry=3600"
    .. "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion="
    .. assertions[(index - 1) % #assertions + 1])
end

function response(status, headers, body)
  if status ~= 200 then
    unexpected = unexpected + 1
    note_unexpected(status, body)
  end
end
