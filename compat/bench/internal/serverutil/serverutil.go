// Package serverutil holds what the Go benchmark servers share: the -addr /
// -port flags, optional pprof profiles, and serving until SIGINT/SIGTERM so
// that the profiles are written when the matrix runner stops the server.
package serverutil

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"
)

// Flags are the command-line settings every Go benchmark server accepts.
type Flags struct {
	Addr       string
	Port       int
	CPUProfile string
	MemProfile string
}

// Register adds -addr, -port, -cpuprofile and -memprofile to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Addr, "addr", "", "listen address host:port (default 127.0.0.1:<port>)")
	fs.IntVar(&f.Port, "port", 3000, "listen port when -addr is not set")
	fs.StringVar(&f.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.StringVar(&f.MemProfile, "memprofile", "", "write a heap profile at exit to this file")
}

// ListenAddr is the address to listen on.
func (f *Flags) ListenAddr() string {
	if f.Addr != "" {
		return f.Addr
	}
	return "127.0.0.1:" + strconv.Itoa(f.Port)
}

// Serve listens on the configured address, serves h with net/http until
// SIGINT or SIGTERM, and writes the requested profiles. name labels the
// startup line on stderr.
func (f *Flags) Serve(name string, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return f.Run(name, srv.Serve, func() { _ = srv.Close() })
}

// Run is Serve for servers that are not net/http (Fiber): serve accepts on
// the listener until stop is called; it is stopped on SIGINT or SIGTERM.
func (f *Flags) Run(name string, serve func(net.Listener) error, stop func()) error {
	if f.CPUProfile != "" {
		pf, err := os.Create(f.CPUProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			pf.Close()
		}()
	}
	ln, err := net.Listen("tcp", f.ListenAddr())
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- serve(ln) }()
	fmt.Fprintf(os.Stderr, "%s listening on %s\n", name, ln.Addr())
	select {
	case err = <-errc:
	case <-ctx.Done():
		// Hijacked (websocket) connections are not tracked by the servers'
		// Close; the process exits right after, which ends them.
		stop()
	}
	if f.MemProfile != "" {
		if mf, merr := os.Create(f.MemProfile); merr == nil {
			runtime.GC()
			_ = pprof.WriteHeapProfile(mf)
			mf.Close()
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
