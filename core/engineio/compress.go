package engineio

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"strings"
	"sync"
)

var (
	gzipPool  = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }}
	flatePool = sync.Pool{New: func() any { w, _ := flate.NewWriter(nil, flate.DefaultCompression); return w }}
)

// compress encodes body with the first of gzip and deflate that the
// Accept-Encoding header accepts. It returns "" when neither is accepted.
func compress(acceptEncoding string, body []byte) (string, []byte) {
	enc := ""
	for _, part := range strings.Split(acceptEncoding, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.ReplaceAll(params, " ", "") == "q=0" {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip":
			enc = "gzip"
		case "deflate":
			if enc == "" {
				enc = "deflate"
			}
		}
	}
	var buf bytes.Buffer
	buf.Grow(len(body) / 2)
	switch enc {
	case "gzip":
		w := gzipPool.Get().(*gzip.Writer)
		w.Reset(&buf)
		_, _ = w.Write(body) // writes to a bytes.Buffer cannot fail
		_ = w.Close()
		gzipPool.Put(w)
	case "deflate":
		w := flatePool.Get().(*flate.Writer)
		w.Reset(&buf)
		_, _ = w.Write(body)
		_ = w.Close()
		flatePool.Put(w)
	default:
		return "", nil
	}
	return enc, buf.Bytes()
}
