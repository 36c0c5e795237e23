package main

import (
	"math"
	"testing"
)

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 1.234: "1.23", 99.94: "99.9", 100: "100", 1234567: "1,234,567", -4321: "-4,321", math.NaN(): "—"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestAgg(t *testing.T) {
	a := agg{3, 1, 2}
	if a.median() != 2 || mm(a) != "2 (1–3)" {
		t.Errorf("median %v mm %q", a.median(), mm(a))
	}
	if (agg{1, 2, 3, 4}).median() != 2.5 {
		t.Error("even median")
	}
	if mm(nil) != "—" || ratio(agg{2}, agg{4}) != "0.50×" {
		t.Error("empty / ratio")
	}
}
