-- allocateAddress: an INTERNAL address of network LOAD_NETWORK, chosen by the server (random start, next
-- free), as bearer LOAD_TOKEN. Every request allocates one more address: use a network large enough for the
-- whole run (a /8 holds 16,777,212).
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"addressType":"INTERNAL","network":"' .. os.getenv("LOAD_NETWORK") .. '"}'
dofile("perf/load/common.lua")
