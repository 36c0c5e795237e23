package redisq

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
)

// Format names a wire format of the package's cluster managers.
type Format string

// format is what NewFormatManager knows of one Format.
type format struct {
	// manager returns the format's manager with its default options and
	// log (nil: the server's logger).
	manager func(client redis.UniversalClient, log *slog.Logger) core.ClientManager
}

// formats holds every Format of the package: each format's file adds its
// own from init, so the map is read-only afterwards.
var formats = map[Format]format{}

// Formats returns the names of the formats NewFormatManager knows, sorted.
func Formats() []Format {
	out := make([]Format, 0, len(formats))
	for name := range formats {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// NewFormatManager returns the cluster manager of the format name on
// client, with the format's default options; log receives its log lines
// (nil: the server's logger). It fails for a name Formats does not list.
func NewFormatManager(client redis.UniversalClient, name Format, log *slog.Logger) (core.ClientManager, error) {
	f, ok := formats[name]
	if !ok {
		return nil, fmt.Errorf("sio/redisq: unknown format %q (known: %v)", name, Formats())
	}
	return f.manager(client, log), nil
}
