-- lunatik's net module: net.aton (dotted quad -> integer) and net.ntoa (back), from the
-- inet facade spec.
return require("socket.inet").net
