package redisq_test

import (
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/queue/redisq"
)

// A client for a Redis URL; go-redis connects on first use.
func ExampleNewClient() {
	client, err := redisq.NewClient("rediss://:secret@redis.example:6380/2?dial_timeout=3")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	o := client.(*redis.Client).Options()
	fmt.Println(o.Addr, o.DB, o.TLSConfig != nil, o.DialTimeout)
	// Output: redis.example:6380 2 true 3s
}
