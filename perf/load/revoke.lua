-- POST of RFC 7009 revocation, HTTP Basic client authentication (LOAD_BASIC), form body, cycling through
-- the access tokens in LOAD_SUBJECTS_FILE (one per line, all of the same client): the first pass revokes
-- them, later passes revoke already revoked tokens (200 again). wrk thread k takes the tokens k, k+T,
-- k+2T, ..., so no two connections ever revoke the same token at once (Keycloak answers 409 to that).
-- Used for both the product and Keycloak by perf/load/keycloak.sh.
wrk.method = "POST"
wrk.headers["Authorization"] = "Basic " .. os.getenv("LOAD_BASIC")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
dofile("perf/load/common.lua")

local common_setup = setup
local threads_started = 0
function setup(thread)
  thread:set("tid", threads_started)
  threads_started = threads_started + 1
  common_setup(thread)
end

function init(args)
  tokens = {}
  for line in io.lines(os.getenv("LOAD_SUBJECTS_FILE")) do
    if line ~= "" then table.insert(tokens, line) end
  end
  step = tonumber(os.getenv("LOAD_THREADS") or "2")
  cursor = tid
end

function request()
  local token = tokens[(cursor % #tokens) + 1]
  cursor = cursor + step
  return wrk.format(nil, nil, nil, "token=" .. token .. "&token_type_hint=access_token")
end
