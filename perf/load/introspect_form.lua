-- POST of RFC 7662 introspection as a confidential client does it: HTTP Basic client authentication
-- (LOAD_BASIC = base64 of client_id:client_secret), form body token=LOAD_SUBJECT. Used for both the
-- product and Keycloak by perf/load/keycloak.sh.
wrk.method = "POST"
wrk.headers["Authorization"] = "Basic " .. os.getenv("LOAD_BASIC")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "token=" .. os.getenv("LOAD_SUBJECT")
dofile("perf/load/common.lua")
