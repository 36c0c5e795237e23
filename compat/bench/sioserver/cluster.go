package main

// The brokers a cluster of sioservers can use (-cluster URL). Each broker
// registers itself, from a file of its own (redis.go, ...), with the URL
// schemes it serves and, optionally, a flag of its own (-redis URL): a
// broker's file is all it takes to add one.

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"github.com/socketio-go/sio/core"
)

// broker opens the cluster manager of one broker.
type broker struct {
	// name names the broker in messages.
	name string
	// schemes are the URL schemes of -cluster the broker serves.
	schemes []string
	// flagURL returns the URL its own flag gave, "" when unset (nil: no
	// flag of its own).
	flagURL func() string
	// open returns the manager of a server of the cluster at rawURL, and
	// the function that releases what it opened (after the server's
	// shutdown).
	open func(rawURL string, log *slog.Logger) (core.ClientManager, func(), error)
}

// brokers holds every registered broker; register is called from init
// functions only.
var brokers []broker

func register(b broker) { brokers = append(brokers, b) }

// clusterURL returns the cluster's URL: -cluster's, or the one a broker's
// own flag gave (at most one of them); "" for a server alone.
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
	if len(given) > 1 {
		return "", fmt.Errorf("one cluster at a time: %s", strings.Join(given, ", "))
	}
	return u, nil
}

// openCluster returns the manager for rawURL from the broker that serves
// its scheme.
func openCluster(rawURL string, log *slog.Logger) (core.ClientManager, func(), error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster URL: %w", err)
	}
	var known []string
	for _, b := range brokers {
		if slices.Contains(b.schemes, u.Scheme) {
			return b.open(rawURL, log)
		}
		known = append(known, b.schemes...)
	}
	return nil, nil, fmt.Errorf("cluster URL %q: no broker for the scheme %q (known: %s)", rawURL, u.Scheme, strings.Join(known, ", "))
}
