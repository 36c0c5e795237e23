package parser_test

import (
	"fmt"

	"github.com/socketio-go/sio/core/parser"
)

// Decoding a client's messages, then encoding an acknowledgement once (it
// could be sent to any number of connections).
func Example() {
	dec := parser.JSON.NewDecoder(parser.Limits{})

	// A BINARY_EVENT: the text packet, then one binary message per
	// attachment. The packet is complete after the last attachment.
	msgs := []parser.Message{
		{Data: []byte(`51-/chat,7["upload",{"name":"a.txt","body":{"_placeholder":true,"num":0}}]`)},
		{Data: []byte("hello"), Binary: true},
	}
	var p *parser.Packet
	for _, m := range msgs {
		var err error
		if p, err = dec.Add(m.Data, m.Binary); err != nil {
			fmt.Println("parse error:", err) // close the connection
			return
		}
	}
	fmt.Println(p.Type, p.Namespace, p.Event, p.ID, p.Args.Len())

	var file struct {
		Name string `json:"name"`
		Body []byte `json:"body"`
	}
	if err := p.Args.Decode(0, &file); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %s\n", file.Name, file.Body)
	fmt.Printf("raw: %s\n", p.Args.Raw(0))

	enc, err := parser.JSON.Encode(parser.Outgoing{
		Type: parser.Ack, Namespace: p.Namespace, ID: p.ID, HasID: true,
		Args: []any{"stored", []byte{0xCA, 0xFE}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range enc {
		if m.Binary {
			fmt.Printf("binary % x\n", m.Data)
		} else {
			fmt.Printf("text %s\n", m.Data)
		}
	}
	// Output:
	// EVENT /chat upload 7 1
	// a.txt: hello
	// raw: {"name":"a.txt","body":{"_placeholder":true,"num":0}}
	// text 61-/chat,7["stored",{"_placeholder":true,"num":0}]
	// binary ca fe
}

// The msgpack codec has the same API: one binary message per packet, binary
// values stay native.
func Example_msgpack() {
	enc, _ := parser.Msgpack.Encode(parser.Outgoing{Type: parser.Event, Event: "ping", Args: []any{1, []byte{1}}})
	fmt.Println(len(enc), enc[0].Binary)

	p, err := parser.Msgpack.NewDecoder(parser.Limits{}).Add(enc[0].Data, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	var n int
	var b []byte
	_ = p.Args.Decode(0, &n)
	_ = p.Args.Decode(1, &b)
	fmt.Println(p.Event, n, b)
	// Output:
	// 1 true
	// ping 1 [1]
}
