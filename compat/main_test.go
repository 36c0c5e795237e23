package compat

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Process-wide goroutines that fasthttp and Fiber start on first
		// use and never stop (date cache, compression workers, the
		// logger's clock, the file-server cache), and the worker-pool
		// cleaner, which outlives a shut-down server by up to its idle
		// period. None belongs to sio.
		goleak.IgnoreTopFunction("github.com/valyala/fasthttp/stackless.funcWorker"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*inMemoryCacheManager).handleCleanCache"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
		goleak.IgnoreAnyFunction("github.com/gofiber/fiber/v2/middleware/logger.New.func1"),
	)
}
