package busutil

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// RateLog writes at most one line per interval for each message text;
// the lines it holds back are counted in the next one ("suppressed").
type RateLog struct {
	log   *slog.Logger
	every time.Duration

	mu   sync.Mutex
	last map[string]time.Time
	held map[string]int
}

// NewRateLog returns a RateLog writing to log (slog.Default() when nil).
func NewRateLog(log *slog.Logger, every time.Duration) *RateLog {
	if log == nil {
		log = slog.Default()
	}
	return &RateLog{log: log, every: every, last: make(map[string]time.Time), held: make(map[string]int)}
}

// Warn logs msg at warning level unless the same msg was logged less than
// the interval ago.
func (r *RateLog) Warn(msg string, args ...any) { r.write(slog.LevelWarn, msg, args) }

// Error is Warn at error level.
func (r *RateLog) Error(msg string, args ...any) { r.write(slog.LevelError, msg, args) }

func (r *RateLog) write(level slog.Level, msg string, args []any) {
	now := time.Now()
	r.mu.Lock()
	if now.Sub(r.last[msg]) < r.every {
		r.held[msg]++
		r.mu.Unlock()
		return
	}
	r.last[msg] = now
	held := r.held[msg]
	delete(r.held, msg)
	r.mu.Unlock()
	if held > 0 {
		args = append(args, "suppressed", held)
	}
	r.log.Log(context.Background(), level, msg, args...)
}
