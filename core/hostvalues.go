package core

import "context"

type hostValuesKey struct{}

// WithHostValues returns a copy of ctx carrying vals: the request-scoped
// values a host framework's middleware stored for the handshake request
// (gin's c.Keys, echo's c.Get, fiber's c.Locals). Adapters call it, and so
// may host middleware on the request's context; connect and event handlers
// read the values with HostValue. Values ctx already carries stay visible
// unless vals has the same key.
func WithHostValues(ctx context.Context, vals map[string]any) context.Context {
	if outer, _ := ctx.Value(hostValuesKey{}).(map[string]any); len(outer) > 0 {
		merged := make(map[string]any, len(outer)+len(vals))
		for k, v := range outer {
			merged[k] = v
		}
		for k, v := range vals {
			merged[k] = v
		}
		vals = merged
	}
	return context.WithValue(ctx, hostValuesKey{}, vals)
}

// HostValue returns the value host middleware stored under key for the
// request that opened the connection, as carried by ctx (a Socket's
// Context, or a Request's).
func HostValue(ctx context.Context, key string) (any, bool) {
	m, _ := ctx.Value(hostValuesKey{}).(map[string]any)
	v, ok := m[key]
	return v, ok
}

// HostValue returns the value host middleware stored under key for the
// request that opened the socket's connection (see WithHostValues).
func (s *Socket) HostValue(key string) (any, bool) { return HostValue(s.Context(), key) }
