package adminui_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/socketio-go/sio/adminui"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

func ExampleInstrument() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())

	admin, err := adminui.Instrument(srv, adminui.Config{
		Auth:     adminui.Plain("admin", "change me"),
		Mode:     adminui.Production,
		ServerID: "node-1",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer admin.Close()
	fmt.Println(admin.Namespace().Name(), admin.ServerID())
	// Output: /admin node-1
}

func ExampleUIFiles() {
	srv := core.NewServer(core.Options{})
	// npm install @socket.io/admin-ui@0.5.1 @mdi/font @fontsource/roboto
	files, err := adminui.UIFiles(adminui.UIConfig{Dir: "node_modules"})
	if err != nil {
		fmt.Println("the UI is not installed")
		return
	}
	// The UI at /admin-ui/, beside the Socket.IO endpoint.
	http.Handle("/", stdsio.New(srv, stdsio.Config{StaticFiles: files}).Middleware(http.NotFoundHandler()))
	// Output: the UI is not installed
}
