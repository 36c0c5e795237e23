package main

// The brokers an emitter can publish through. Each broker registers
// itself, from a file of its own (redis.go, ...), with the URL schemes it
// serves and, optionally, a flag of its own (-redis URL).

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// emitFunc emits event with args to the sockets of the namespace nsp in
// rooms (every socket when rooms is empty), on every server.
type emitFunc func(ctx context.Context, nsp string, rooms []string, event string, args ...any) error

// broker opens the emitter of one broker.
type broker struct {
	// name names the broker in messages.
	name string
	// schemes are the URL schemes of -cluster the broker serves.
	schemes []string
	// flagURL returns the URL its own flag gave, "" when unset (nil: no
	// flag of its own).
	flagURL func() string
	// open returns the emitter for rawURL, and the function that releases
	// what it opened.
	open func(rawURL string) (emitFunc, func(), error)
}

// brokers holds every registered broker; register is called from init
// functions only.
var brokers []broker

func register(b broker) { brokers = append(brokers, b) }

// clusterURL returns the cluster's URL: -cluster's, or the one a broker's
// own flag gave (exactly one of them).
func clusterURL(cluster string) (string, error) {
	var given []string
	if cluster != "" {
		given = append(given, "-cluster "+cluster)
	}
	u := cluster
	for _, b := range brokers {
		if b.flagURL == nil {
			continue
		}
		if v := b.flagURL(); v != "" {
			given = append(given, "-"+b.name+" "+v)
			u = v
		}
	}
	switch {
	case len(given) > 1:
		return "", fmt.Errorf("one cluster at a time: %s", strings.Join(given, ", "))
	case u == "":
		return "", fmt.Errorf("no cluster: give -cluster URL or a broker's flag")
	}
	return u, nil
}

// openEmitter returns the emitter for rawURL from the broker that serves
// its scheme.
func openEmitter(rawURL string) (emitFunc, func(), error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster URL: %w", err)
	}
	var known []string
	for _, b := range brokers {
		if slices.Contains(b.schemes, u.Scheme) {
			return b.open(rawURL)
		}
		known = append(known, b.schemes...)
	}
	return nil, nil, fmt.Errorf("cluster URL %q: no broker for the scheme %q (known: %s)", rawURL, u.Scheme, strings.Join(known, ", "))
}
