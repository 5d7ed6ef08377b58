-- POST /auth/check with 1 check, as the load service account (LOAD_TOKEN), about itself.
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"checks":[{"action":"resourcemanager.projects.get","resource":"projects/perf-p07"}]}'
dofile("perf/load/common.lua")
