-- POST /auth/introspect of the load service account's own valid token, authenticated with it (Bearer),
-- JSON body.
local token = os.getenv("LOAD_TOKEN")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"token":"' .. token .. '"}'
dofile("perf/load/common.lua")
