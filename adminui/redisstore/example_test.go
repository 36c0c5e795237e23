package redisstore_test

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/socketio-go/sio/adminui"
	"github.com/socketio-go/sio/adminui/redisstore"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue/redisq"
	"github.com/socketio-go/sio/stdsio"
)

// Every server of a Redis cluster instrumented with one store: the UI
// logged in on one reconnects to any with its session id.
func ExampleNew() {
	client, err := redisq.NewClient("redis://127.0.0.1:6379")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	srv := core.NewServer(core.Options{ClientManager: redisq.NewManager(client, redisq.Options{})})
	admin, err := adminui.Instrument(srv, adminui.Config{
		Auth:  adminui.Plain("admin", os.Getenv("ADMIN_PASSWORD")),
		Store: redisstore.New(client, redisstore.Options{}),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer admin.Close()
	log.Fatal(http.ListenAndServe(":3000", stdsio.Handler(srv)))
}

// The keys are the Node.js store's.
func ExampleStore_Key() {
	s := redisstore.New(nil, redisstore.Options{})
	fmt.Println(s.Key("9f86d081884c7d65"))
	// Output: socket.io-admin#9f86d081884c7d65
}
