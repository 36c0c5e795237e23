package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// server is one column of the matrix: how to start it and what it supports.
type server struct {
	Name     string
	Label    string // human description for the versions table
	Kind     string // "floor", "peer" or "sio"
	Polling  bool   // serves the long-polling transport
	Profiles bool   // accepts -cpuprofile (the Go servers)
	Dir      string // working directory
	// Argv is the command (without taskset) serving on addr; prof, when not
	// empty, is where a Go server writes its CPU profile.
	Argv    func(addr, prof string) []string
	Version string
	Skip    string // why it cannot run here, if it cannot
	// Extra servers run only when -servers names them (not with all).
	Extra bool
}

// fits reports whether the server can run scenario sc.
func (s *server) fits(sc scenario) bool { return !sc.Polling || s.Polling }

// pythonBin is Debian's interpreter, which sees Debian's python3-* packages
// whatever python3 comes first on PATH.
const pythonBin = "/usr/bin/python3"

// output runs a short command and returns its trimmed output.
func output(dir string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	b, err := cmd.Output()
	return strings.TrimSpace(string(b)), err
}

func knownServers(o *options) []*server {
	bin := func(name string) string { p, _ := filepath.Abs(filepath.Join(o.bin, name)); return p }
	goServer := func(exe string, extra ...string) func(addr, prof string) []string {
		return func(addr, prof string) []string {
			argv := append([]string{bin(exe), "-addr", addr}, extra...)
			if prof != "" {
				argv = append(argv, "-cpuprofile", prof)
			}
			return argv
		}
	}
	var list []*server

	floor := &server{Name: "floor", Label: "raw gorilla/websocket floor (compat/bench/floorserver)", Kind: "floor",
		Profiles: true, Dir: ".", Argv: goServer("floorserver")}
	if v, err := output(".", bin("floorserver"), "-version"); err != nil {
		floor.Skip = "bin/floorserver missing (run compat/bench/run to build)"
	} else {
		floor.Version = v
	}
	list = append(list, floor)

	// sio on each adapter, and sio-std with its instrumentation on (run
	// only when named) to measure what that costs.
	type sioVariant struct {
		name, adapter, with string
		flags               []string
		extra               bool
	}
	variants := []sioVariant{{name: "sio-std", adapter: "std"}, {name: "sio-gin", adapter: "gin"},
		{name: "sio-echo", adapter: "echo"}, {name: "sio-fiber", adapter: "fiber"},
		{name: "sio-std-metrics", adapter: "std", with: "package metrics' Prometheus collectors", flags: []string{"-metrics"}, extra: true},
		{name: "sio-std-admin", adapter: "std", with: "the Admin UI's instrumentation, production mode", flags: []string{"-admin", "production"}, extra: true}}
	for _, v := range variants {
		args := append([]string{"-adapter", v.adapter}, v.flags...)
		label := "sio, -adapter " + v.adapter + " (compat/bench/sioserver)"
		if v.with != "" {
			label = "sio, -adapter " + v.adapter + " with " + v.with + " (compat/bench/sioserver " + strings.Join(args, " ") + ")"
		}
		s := &server{Name: v.name, Label: label, Kind: "sio", Polling: true, Profiles: true, Dir: ".",
			Extra: v.extra, Argv: goServer("sioserver", args...)}
		if _, err := os.Stat(bin("sioserver")); err != nil {
			s.Skip = "bin/sioserver missing: it did not build against this checkout (see the output of run)"
		} else if _, err := output(".", bin("sioserver"), "-adapter", v.adapter, "-probe"); err != nil {
			s.Skip = "not wired yet: see the TODO in compat/bench/sioserver/main.go"
		} else if ver, err := output(".", bin("sioserver"), "-version"); err == nil {
			s.Version = ver
		}
		list = append(list, s)
	}

	node := &server{Name: "node", Label: "Node.js socket.io + bufferutil (compat/bench/node)", Kind: "peer",
		Polling: true, Dir: "node",
		Argv: func(addr, _ string) []string { return []string{"node", "server.js", "-addr", addr} }}
	if _, err := os.Stat(filepath.Join("node", "node_modules", "socket.io")); err != nil {
		node.Skip = "node/node_modules missing (run compat/bench/install.sh)"
	} else if nv, err := output("node", "node", "--version"); err != nil {
		node.Skip = "node not found"
	} else if sv, err := output("node", "node", "server.js", "-version"); err == nil {
		bu, _ := output("node", "node", "-p", `require("bufferutil/package.json").version`)
		node.Version = "node " + nv + ", socket.io " + sv + ", bufferutil " + bu
	}
	list = append(list, node)

	py := &server{Name: "python", Label: "python-socketio on aiohttp + uvloop (compat/bench/python)", Kind: "peer",
		Polling: true, Dir: "python",
		Argv: func(addr, _ string) []string { return []string{pythonBin, "server.py", "-addr", addr} }}
	if v, err := output("python", pythonBin, "server.py", "-version"); err != nil {
		py.Skip = "Debian's python3-socketio / python3-aiohttp missing (run compat/bench/install.sh)"
	} else {
		pv, _ := output(".", pythonBin, "-c", "import platform; print(platform.python_version())")
		py.Version = "python " + pv + ", " + v
	}
	list = append(list, py)

	zs := &server{Name: "zishang", Label: "github.com/zishang520/socket.io v3 (compat/bench/zishangserver)", Kind: "peer",
		Polling: true, Profiles: true, Dir: ".", Argv: goServer("zishangserver")}
	if v, err := output(".", bin("zishangserver"), "-version"); err != nil {
		zs.Skip = "bin/zishangserver missing (run compat/bench/run to build)"
	} else {
		zs.Version = v
	}
	list = append(list, zs)
	return list
}
