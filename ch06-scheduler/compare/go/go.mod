module ch06compare

go 1.19
