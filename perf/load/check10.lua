-- POST /auth/check with 10 checks (allowed and denied, ten projects), as the load service account.
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN")
wrk.headers["Content-Type"] = "application/json"
local checks = {}
for i = 0, 9 do
  local project = string.format("projects/perf-p%02d", i * 5 + 3)
  local action = (i % 2 == 0) and "resourcemanager.projects.get" or "compute.clusters.create"
  table.insert(checks, string.format('{"action":"%s","resource":"%s"}', action, project))
end
wrk.body = '{"checks":[' .. table.concat(checks, ",") .. ']}'
dofile("perf/load/common.lua")
