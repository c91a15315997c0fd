// The comparison's Go programs: standard library only, so they build offline.
module ch04compare

go 1.19
