-- SPDX-License-Identifier: MIT
-- wrk script for skillpathd, for those who prefer wrk to skillpath-bench:
--   wrk -t2 -c100 -d10s -s bench/wrk_recommend.lua http://127.0.0.1:8080
-- Mix: 70% recommend, 20% next, 10% events, over learners b0000000.. (seed
-- them first: build/skillpath-bench seed --learners 100000). Note that wrk
-- is closed-loop: its latencies hide queueing; skillpath-bench -R does not.
local learners = tonumber(os.getenv("LEARNERS") or "100000")
local counter = 0

request = function()
    counter = counter + 1
    local id = string.format("b%07d", math.random(0, learners - 1))
    local roll = math.random(100)
    if roll <= 70 then
        return wrk.format("POST", "/v1/recommend", { ["Content-Type"] = "application/json" },
            '{"learnerId":"' .. id .. '","maxItems":10}')
    elseif roll <= 90 then
        return wrk.format("GET", "/v1/learners/" .. id .. "/next?n=3")
    else
        local body = string.format('{"events":[{"eventId":"wrk-%d-%d","learnerId":"%s",' ..
            '"courseId":"cc-101","kind":"COMPLETED","at":"%d"}]}', os.time(), counter, id, os.time())
        return wrk.format("POST", "/v1/events", { ["Content-Type"] = "application/json" }, body)
    end
end
