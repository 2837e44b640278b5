-- lunatik's socket.inet, built from the inet facade spec (src/facade/inet.ts).
-- `inet(type[, proto])` works through the module's __call; `inet:new(o)` as a method too.
local inet = require("luasock.facade").load("inet")
local call, new = inet.__call, inet.new
inet.__call = nil
function inet.new(self, o)
  if self ~= inet then return new(self) end
  return new(o)
end
return setmetatable(inet, { __call = function(_, ...) return call(...) end })
