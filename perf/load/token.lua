-- POST /auth/token, client_credentials grant, HTTP Basic client authentication (LOAD_BASIC is the
-- base64 of client_id:client_secret), form body.
wrk.method = "POST"
wrk.headers["Authorization"] = "Basic " .. os.getenv("LOAD_BASIC")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials"
dofile("perf/load/common.lua")
