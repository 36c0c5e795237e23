package busutil

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// collector records the messages its callbacks get, in order.
type collector struct {
	mu   sync.Mutex
	got  []string
	done chan struct{}
	want int
}

func (c *collector) fn(prefix string) func(string) {
	return func(m string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.got = append(c.got, prefix+m)
		if len(c.got) == c.want {
			close(c.done)
		}
	}
}

// TestGroupOrder: the subscriptions of one delivery group get their
// messages in arrival order across channels, one call at a time; a group
// blocked in a callback does not hold back another lane.
func TestGroupOrder(t *testing.T) {
	f := NewFanout[string](0, nil)
	defer f.Close()
	c := &collector{done: make(chan struct{}), want: 100}
	group := new(int)
	f.AddGroup("a", group, c.fn("a"))
	f.AddGroup("b", group, c.fn("b"))
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	_, _, _ = f.Add("a", func(string) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
	})
	defer close(release)
	var want []string
	for i := range 100 {
		ch := "a"
		if i%3 == 0 {
			ch = "b"
		}
		f.Deliver(ch, fmt.Sprint(i))
		want = append(want, ch+fmt.Sprint(i))
	}
	<-entered
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the group's messages did not all arrive while another lane blocks")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Equal(c.got, want) {
		t.Errorf("group order:\n got %v\nwant %v", c.got, want)
	}
}

// TestUnsubscribeGroup: an unsubscribed member of a group gets nothing
// more; the group's lane goes on for the others and ends with the last.
func TestUnsubscribeGroup(t *testing.T) {
	f := NewFanout[string](0, nil)
	defer f.Close()
	c := &collector{done: make(chan struct{}), want: 2}
	group := new(int)
	unA, _, _ := f.AddGroup("a", group, c.fn("a"))
	unB, _, _ := f.AddGroup("b", group, c.fn("b"))
	unA()
	f.Deliver("a", "1")
	f.Deliver("b", "1")
	f.Deliver("b", "2")
	<-c.done
	c.mu.Lock()
	got := slices.Clone(c.got)
	c.mu.Unlock()
	if !slices.Equal(got, []string{"b1", "b2"}) {
		t.Errorf("got %v", got)
	}
	unB()
	unB() // twice is harmless
	f.mu.RLock()
	lanes := len(f.lanes)
	f.mu.RUnlock()
	if lanes != 0 {
		t.Errorf("%d group lanes left", lanes)
	}
}
