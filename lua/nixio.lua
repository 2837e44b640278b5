-- nixio's socket functions, built from the nixio facade spec (src/facade/nixio.ts).
return require("luasock.facade").load("nixio")
