-- Polls the token endpoint, cycling through the auth_req_ids in the file named by AUTH_REQ_IDS.
-- Every answer should be authorization_pending (the benchmark's server does not enforce the interval).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="

local threads = {}
function setup(thread) threads[#threads + 1] = thread end

local ids = {}
local index = 0
local path = os.getenv("AUTH_REQ_IDS")
if path then
  for line in io.lines(path) do ids[#ids + 1] = line end
end
unexpected = 0

function request()
  index = index % #ids + 1
  return wrk.format(nil, "/token", nil, "grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id=" .. ids[index])
end

function response(status, headers, body)
  if status ~= 400 or not string.find(body, "authorization_pending", 1, true) then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write(string.format("unexpected_answers %d\n", total))
end
