package pgq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/socketio-go/sio/internal/tooltest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The shared PostgreSQL every machine of the project runs (trust auth,
// database test); SIO_PG_URL overrides it. Tests use channels, tables and
// application names of their own (testName) and never touch the others.
const defaultPGURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// pgURL returns the URL of the shared PostgreSQL, after checking that it
// answers; it skips the test (fails it under CI=true) when it does not.
func pgURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SIO_PG_URL")
	if u == "" {
		u = defaultPGURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		tooltest.Missing(t, "no PostgreSQL at %s (%v): start it or set SIO_PG_URL", u, err)
	}
	_ = c.Close(ctx)
	return u
}

// testName returns a name unique to this run of the test, usable as a
// channel prefix, an unquoted table name and an application name.
func testName(t testing.TB) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return "siotest_" + hex.EncodeToString(b[:])
}

// exec runs sql on the shared server with its own connection.
func exec(t testing.TB, dbURL, sql string, args ...any) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	tag, err := c.Exec(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return tag.RowsAffected()
}

// testTable returns the name of an attachment table of the test's own,
// dropped when it ends.
func testTable(t testing.TB, dbURL string) string {
	t.Helper()
	name := testName(t)
	t.Cleanup(func() { exec(t, dbURL, "DROP TABLE IF EXISTS "+name) })
	return name
}

// testOptions returns bus options with a table and application name of
// the test's own and a small pool.
func testOptions(t testing.TB, dbURL string) Options {
	return Options{TableName: testTable(t, dbURL), ApplicationName: testName(t), MaxConns: 2}
}

// newBus connects a bus, closed when the test ends.
func newBus(t testing.TB, dbURL string, opts Options) *Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := New(ctx, dbURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// terminate ends the server processes of the connections whose
// application_name is app (only the test's own), and returns how many.
func terminate(t testing.TB, dbURL, app string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int64
	if err := c.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid()`, app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// viaAddr returns dbURL with its host and port replaced by addr.
func viaAddr(t testing.TB, dbURL, addr string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = addr
	return u.String()
}

// hostOf returns the host:port of dbURL.
func hostOf(t testing.TB, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
