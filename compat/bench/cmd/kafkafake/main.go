// Command kafkafake runs franz-go's in-process Kafka cluster (kfake) as a
// process of its own, for the cluster benchmarks and examples on a
// machine without a Kafka broker: sioserver and examples/cluster take
// -cluster kafka://<its address>. It prints the listening addresses and
// runs until interrupted. It keeps its log in memory: a restart loses it.
//
//	kafkafake -addr 127.0.0.1:9092
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9092", "host:port of the first broker (loopback only); the others on the next ports")
	brokers := flag.Int("brokers", 1, "number of brokers")
	partitions := flag.Int("partitions", 1, "partitions of the topics the clients create")
	flag.Parse()
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatalf("kafkafake: -addr: %v", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		log.Fatalf("kafkafake: -addr %s is not a loopback address", *addr)
	}
	first, err := strconv.Atoi(port)
	if err != nil {
		log.Fatalf("kafkafake: -addr port: %v", err)
	}
	ports := make([]int, *brokers)
	for i := range ports {
		ports[i] = first + i
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(*brokers), kfake.Ports(ports...),
		kfake.DefaultNumPartitions(*partitions),
		kfake.ListenFn(func(network, a string) (net.Listener, error) {
			_, p, _ := net.SplitHostPort(a)
			return net.Listen(network, net.JoinHostPort(host, p))
		}))
	if err != nil {
		log.Fatalf("kafkafake: %v", err)
	}
	fmt.Println("kafkafake listening: kafka://" + strings.Join(c.ListenAddrs(), ","))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	c.Close()
}
