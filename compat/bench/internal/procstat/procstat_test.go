package procstat

import (
	"os"
	"testing"
)

func TestReadSelf(t *testing.T) {
	s, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSSKiB <= 0 {
		t.Errorf("rss %d", s.RSSKiB)
	}
	if !Alive(os.Getpid()) {
		t.Error("self not alive")
	}
	_ = Self()
	if SystemBusy() <= 0 {
		t.Error("no system busy time")
	}
}
