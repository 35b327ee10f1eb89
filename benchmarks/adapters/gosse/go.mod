module github.com/ssebench/ssebench/benchmarks/adapters/gosse

go 1.26.0

require github.com/tmaxmax/go-sse v0.12.0
