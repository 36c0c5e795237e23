// Package busutil holds what the broker Buses of sio share: the local
// fan-out of a Bus's deliveries to its subscriptions (one goroutine and
// one bounded queue each, the MemoryBus's semantics), a log of dropped
// messages limited to one line per interval, and the reconnection
// backoff.
package busutil
