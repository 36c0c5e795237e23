package main

import (
	"testing"
	"time"
)

func TestSigner(t *testing.T) {
	sg, other := newSigner(), newSigner()
	now := time.Now()
	token := sg.sign("ann", now.Add(time.Hour))
	tests := []struct {
		name, token string
		now         time.Time
		want        string // the name, or "" for a refusal
	}{
		{"valid", token, now, "ann"},
		{"expired", token, now.Add(2 * time.Hour), ""},
		{"another key", other.sign("ann", now.Add(time.Hour)), now, ""},
		{"name changed", "bob" + token[3:], now, ""},
		{"no signature", "ann.123", now, ""},
		{"empty", "", now, ""},
		{"garbage", "....", now, ""},
	}
	for _, tt := range tests {
		got, err := sg.verify(tt.token, tt.now)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("%s: verify = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
