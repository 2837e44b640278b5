-- lsocket 1.4.1's module, built from the lsocket facade spec (src/facade/lsocket.ts).
return require("luasock.facade").load("lsocket")
