package core_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/socketio-go/sio/core"
)

// The examples use a raw client that shows the packets on the wire:
// "0/nsp,{...}" is CONNECT, "2[...]" an EVENT, "3<id>[...]" an ACK,
// "4{...}" a CONNECT_ERROR (see the Socket.IO protocol).

type ChatMessage struct {
	User string `json:"user"`
	Text string `json:"text"`
}

func ExampleServer_On() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())

	// The argument is decoded into the parameter's type; the results are
	// the acknowledgement.
	srv.On("chat", func(s *core.Socket, msg ChatMessage) (string, int) {
		return "OK from " + msg.User, len(msg.Text)
	})
	// The catch-all handler receives the events without a handler.
	srv.On("*", func(s *core.Socket, event string, args core.Args) string {
		return fmt.Sprintf("no handler for %q (%d arguments)", event, args.Len())
	})

	c := dial(srv)
	defer c.close()
	c.send(`0`)
	fmt.Println(c.recv())
	c.send(`21["chat",{"user":"ann","text":"hello"}]`)
	fmt.Println(c.recv())
	c.send(`22["typing",true,1]`)
	fmt.Println(c.recv())
	// Output:
	// 0{"sid":"..."}
	// 31["OK from ann",5]
	// 32["no handler for \"typing\" (2 arguments)"]
}

// SumRequest is the argument of the "sum" call.
type SumRequest struct {
	A, B int
}

// SumResponse is its result.
type SumResponse struct {
	Sum int `json:"sum"`
}

func ExampleHandle() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())

	// The handler's types are checked at compile time.
	core.Handle(srv.Of("/rpc"), "sum", func(ctx context.Context, s *core.Socket, in SumRequest) (SumResponse, error) {
		if in.A < 0 || in.B < 0 {
			return SumResponse{}, errors.New("negative operand")
		}
		return SumResponse{Sum: in.A + in.B}, nil
	})

	c := dial(srv)
	defer c.close()
	c.send(`0/rpc,`)
	fmt.Println(c.recv())
	c.send(`2/rpc,1["sum",{"A":1,"B":2}]`)
	fmt.Println(c.recv())
	c.send(`2/rpc,2["sum",{"A":-1,"B":2}]`)
	fmt.Println(c.recv())
	// Output:
	// 0/rpc,{"sid":"..."}
	// 3/rpc,1[{"sum":3}]
	// 3/rpc,2[{"error":"negative operand"}]
}

// Credentials is the auth payload clients send when they connect.
type Credentials struct {
	Token string `json:"token"`
}

func ExampleRefuseConnection() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())

	srv.OnConnect(func(s *core.Socket, auth Credentials) error {
		if auth.Token != "secret" {
			// The client receives the message and the data.
			return core.RefuseConnection("authentication failed", map[string]any{"retry": false})
		}
		return nil
	})

	c := dial(srv)
	defer c.close()
	c.send(`0{"token":"guess"}`)
	fmt.Println(c.recv())
	c.send(`0{"token":"secret"}`)
	fmt.Println(c.recv())
	// Output:
	// 4{"data":{"retry":false},"message":"authentication failed"}
	// 0{"sid":"..."}
}

func ExampleSocket_Join() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())

	srv.On("join", func(s *core.Socket, room string) []string {
		s.Join(room)
		// The socket's own id is a room too.
		return slices.DeleteFunc(s.Rooms(), func(r string) bool { return r == s.ID() })
	})
	srv.On("say", func(s *core.Socket, room, text string) {
		// Everyone in the room but the sender.
		s.To(room).Emit("said", text)
	})

	alice, bob := dial(srv), dial(srv)
	defer alice.close()
	defer bob.close()
	for _, c := range []*exampleClient{alice, bob} {
		c.send(`0`)
		c.recv()
		c.send(`21["join","lobby"]`)
		fmt.Println(c.recv())
	}
	alice.send(`2["say","lobby","hi bob"]`)
	fmt.Println("bob:", bob.recv())
	// Output:
	// 31[["lobby"]]
	// 31[["lobby"]]
	// bob: 2["said","hi bob"]
}

func ExampleServer_To() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())
	sids := make(chan string, 3)
	srv.OnConnect(func(s *core.Socket) {
		s.Join("news")
		sids <- s.ID()
	})

	var clients []*exampleClient
	for range 3 {
		c := dial(srv)
		defer c.close()
		c.send(`0`)
		c.recv()
		clients = append(clients, c)
	}
	first := <-sids

	// Everyone in "news" but the first client (python-socketio's skip_sid).
	srv.To("news").Except(first).Emit("headline", "Go 1.26 released")
	srv.To(first).Emit("private", 1, "two", []int{3})
	for i, c := range clients {
		fmt.Println(i, c.recv())
	}
	// Output:
	// 0 2["private",1,"two",[3]]
	// 1 2["headline","Go 1.26 released"]
	// 2 2["headline","Go 1.26 released"]
}

func ExampleSocket_UpdateSession() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())

	srv.On("login", func(s *core.Socket, user string) error {
		return s.UpdateSession(func(session map[string]any) error {
			session["user"] = user
			return nil
		})
	})
	srv.On("whoami", func(s *core.Socket) any {
		// Session returns a copy; it lives until the socket disconnects.
		return s.Session()["user"]
	})

	c := dial(srv)
	defer c.close()
	c.send(`0`)
	c.recv()
	c.send(`21["whoami"]`)
	fmt.Println(c.recv())
	c.send(`22["login","ann"]`)
	fmt.Println(c.recv())
	c.send(`23["whoami"]`)
	fmt.Println(c.recv())
	// Output:
	// 31[null]
	// 32[]
	// 33["ann"]
}

// Chat is a class-based namespace: its On<Event> methods are handlers.
type Chat struct {
	*core.Namespace // set by RegisterNamespace
}

// OnConnect is the connect handler.
func (c *Chat) OnConnect(s *core.Socket) error {
	s.Join("everyone")
	return nil
}

// OnChatMessage handles "chatMessage" and "chat_message".
func (c *Chat) OnChatMessage(s *core.Socket, text string) string {
	c.To("everyone").Emit("message", strings.ToUpper(text))
	return "sent"
}

func ExampleServer_RegisterNamespace() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())
	srv.RegisterNamespace("/chat", &Chat{})

	c := dial(srv)
	defer c.close()
	c.send(`0/chat,`)
	fmt.Println(c.recv())
	c.send(`2/chat,1["chat_message","hello"]`)
	fmt.Println(c.recv())
	fmt.Println(c.recv())
	// Output:
	// 0/chat,{"sid":"..."}
	// 2/chat,["message","HELLO"]
	// 3/chat,1["sent"]
}

func ExampleSocket_EmitWithAck() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())

	// A handler may wait for its own client's acknowledgement.
	srv.On("start", func(ctx context.Context, s *core.Socket) (string, error) {
		reply, err := s.EmitWithAck(ctx, "ready?")
		if err != nil {
			return "", err
		}
		var answer string
		if err := reply.Decode(0, &answer); err != nil {
			return "", err
		}
		return "client answered " + answer, nil
	})

	c := dial(srv)
	defer c.close()
	c.send(`0`)
	c.recv()
	c.send(`21["start"]`)
	question := c.recv() // 2<id>["ready?"]
	fmt.Println(question[1:] == `0["ready?"]`)
	c.send(`30["yes"]`)
	fmt.Println(c.recv())
	// Output:
	// true
	// 31["client answered yes"]
}

func ExampleAck() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())

	jobs := make(chan core.Ack, 1)
	// The handler acknowledges later, from another goroutine.
	srv.On("job", func(s *core.Socket, name string, ack core.Ack) {
		jobs <- ack
	})
	go func() {
		ack := <-jobs
		_ = ack("done", 42)
	}()

	c := dial(srv)
	defer c.close()
	c.send(`0`)
	fmt.Println(c.recv())
	c.send(`27["job","build"]`)
	fmt.Println(c.recv())
	// Output:
	// 0{"sid":"..."}
	// 37["done",42]
}
