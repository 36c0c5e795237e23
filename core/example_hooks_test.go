package core_test

import (
	"context"
	"fmt"
	"time"

	"github.com/socketio-go/sio/core"
)

// Namespace middleware runs before the connect handler of its namespace:
// here it checks a token in the auth payload and stores the user for the
// handlers. An error refuses the connection with a CONNECT_ERROR packet
// carrying the message and data of RefuseConnection.
func ExampleNamespace_Use() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())

	admin := srv.Of("/admin")
	admin.Use(func(s *core.Socket) error {
		var auth struct {
			Token string `json:"token"`
		}
		_ = s.Handshake().Auth.Decode(0, &auth)
		if auth.Token != "s3cret" {
			return core.RefuseConnection("unauthorized", map[string]any{"retry": false})
		}
		s.SetData("root")
		return nil
	})
	admin.On("whoami", func(s *core.Socket) string { return s.Data().(string) })

	c := dial(srv)
	defer c.close()
	c.send(`0/admin,{"token":"guess"}`)
	fmt.Println(c.recv())
	c.send(`0/admin,{"token":"s3cret"}`)
	fmt.Println(c.recv())
	c.send(`2/admin,1["whoami"]`)
	fmt.Println(c.recv())
	// The main namespace has no middleware.
	c.send(`0`)
	fmt.Println(c.recv())
	// Output:
	// 4/admin,{"data":{"retry":false},"message":"unauthorized"}
	// 0/admin,{"sid":"..."}
	// 3/admin,1["root"]
	// 0{"sid":"..."}
}

// Shutdown disconnects every client (reason "server shutting down" on the
// server side), closes every connection and waits for the handlers that
// are still running. Call it before the host's own shutdown
// (http.Server.Shutdown, Echo's Shutdown, Fiber's ShutdownWithContext),
// which does not track the upgraded websockets and long-polls.
func ExampleServer_Shutdown() {
	srv := core.NewServer(core.Options{})
	srv.OnDisconnect(func(s *core.Socket, reason core.DisconnectReason) {
		fmt.Println("server: disconnected:", reason)
	})

	c := dial(srv)
	defer c.close()
	c.send(`0`)
	fmt.Println(c.recv())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Println("shutdown:", err)
	}
	fmt.Println("client:", c.recv())
	// Output:
	// 0{"sid":"..."}
	// server: disconnected: server shutting down
	// client: (closed)
}

// The static-file rules of python-socketio: an exact URL to a file, a URL
// prefix to a folder, and the default file of URLs that end with a slash.
// The adapters serve the file when it exists (Open), and otherwise pass
// the request to the host.
func ExampleStaticFiles_Resolve() {
	static := core.StaticFiles{
		"/":       {Filename: "public/index.html"},
		"/assets": {Filename: "public/assets"},
		"/docs/":  {Filename: "public/docs/"},
		"":        {Filename: "main.txt", ContentType: "text/plain"},
	}
	for _, url := range []string{"/", "/assets/app.js", "/assets/logo.svg", "/docs/", "/assets/../secret"} {
		f, ok, err := static.Resolve(url)
		switch {
		case err != nil:
			fmt.Printf("%-18s %v\n", url, err)
		case !ok:
			fmt.Printf("%-18s no rule: the host decides\n", url) // (none here: "/" is a prefix of every URL)
		default:
			fmt.Printf("%-18s %s (%s)\n", url, f.Filename, f.ContentType)
		}
	}
	// Output:
	// /                  public/index.html (text/html)
	// /assets/app.js     public/assets/app.js (application/javascript)
	// /assets/logo.svg   public/assets/logo.svg (application/octet-stream)
	// /docs/             public/docs/main.txt (text/plain)
	// /assets/../secret  sio: static path outside its folder
}
