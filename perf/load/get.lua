-- GET of the URL given to wrk; with LOAD_TOKEN set, as that bearer.
wrk.method = "GET"
local token = os.getenv("LOAD_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
dofile("perf/load/common.lua")
