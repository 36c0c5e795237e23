package core

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// StaticFile is the target of a static-file rule: a file, or a folder when
// the rule's URL or Filename ends with "/" (then the rest of the URL is
// looked up inside it).
type StaticFile struct {
	// Filename is the file or folder on disk.
	Filename string
	// ContentType overrides the type derived from the file extension.
	ContentType string
	// CacheControl, when set, is sent as the Cache-Control header. Empty:
	// none (browsers then revalidate with the ETag as they see fit).
	CacheControl string
}

// StaticFiles maps URL paths to files and folders, with python-socketio's
// static_files rules:
//
//   - an exact URL maps to a file: {"/": {Filename: "index.html"}};
//   - a URL prefix maps to a folder: {"/static": {Filename: "./public"}}
//     serves ./public/app.js for /static/app.js;
//   - a URL ending in "/" is served its folder's default file: index.html,
//     or the file named by the rule for the empty URL "" (with that rule's
//     ContentType);
//   - the content type is the rule's ContentType, else the one of the
//     extension table (.html .css .js .json .jpg .png .gif .txt), else
//     application/octet-stream.
//
// Paths that would leave a rule's folder ("..", absolute paths) are
// refused. The adapters send every file with an ETag (StaticETag) and
// answer 304 Not Modified to a request that names it in If-None-Match.
type StaticFiles map[string]StaticFile

// staticContentTypes is python-engineio's extension table.
var staticContentTypes = map[string]string{
	"css":  "text/css",
	"gif":  "image/gif",
	"html": "text/html",
	"jpg":  "image/jpeg",
	"js":   "application/javascript",
	"json": "application/json",
	"png":  "image/png",
	"txt":  "text/plain",
}

// ErrStaticForbidden is returned by Resolve for a URL that tries to leave a
// rule's folder.
var ErrStaticForbidden = errors.New("sio: static path outside its folder")

// Resolve returns the file and content type that urlPath (an unescaped URL
// path) maps to, ok false when no rule matches, or ErrStaticForbidden.
func (sf StaticFiles) Resolve(urlPath string) (f StaticFile, ok bool, err error) {
	if len(sf) == 0 {
		return StaticFile{}, false, nil
	}
	extra := ""
	rule, found := sf[urlPath]
	if !found {
		p := urlPath
		for p != "" {
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				break
			}
			p, extra = p[:i], p[i:]+extra
			// The "" rule names the default file, not a folder.
			if p != "" {
				if rule, found = sf[p]; found {
					break
				}
			}
			if rule, found = sf[p+"/"]; found {
				extra = extra[1:]
				break
			}
		}
	}
	if !found {
		return StaticFile{}, false, nil
	}
	for _, seg := range strings.Split(extra, "/") {
		if seg == ".." || strings.ContainsAny(seg, "\\\x00") {
			return StaticFile{}, false, ErrStaticForbidden
		}
	}
	f = rule
	if strings.HasSuffix(f.Filename, "/") && strings.HasPrefix(extra, "/") {
		extra = extra[1:]
	}
	f.Filename += extra
	if strings.HasSuffix(f.Filename, "/") {
		if def, ok := sf[""]; ok {
			f.Filename += def.Filename
			if def.ContentType != "" {
				f.ContentType = def.ContentType
			}
		} else {
			f.Filename += "index.html"
		}
	}
	if f.ContentType == "" {
		ext := f.Filename[strings.LastIndexByte(f.Filename, '.')+1:]
		if ct, ok := staticContentTypes[ext]; ok {
			f.ContentType = ct
		} else {
			f.ContentType = "application/octet-stream"
		}
	}
	return f, true, nil
}

// Open resolves urlPath and opens the file. It returns fs.ErrNotExist when
// no rule matches or the file is missing or a folder, and
// ErrStaticForbidden for a path that tries to leave its folder.
func (sf StaticFiles) Open(urlPath string) (*os.File, StaticFile, error) {
	f, ok, err := sf.Resolve(urlPath)
	if err != nil {
		return nil, f, err
	}
	if !ok {
		return nil, f, fs.ErrNotExist
	}
	file, err := os.Open(filepath.FromSlash(f.Filename))
	if err != nil {
		return nil, f, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, f, fs.ErrNotExist
	}
	return file, f, nil
}

// StaticETag returns the entity tag the adapters send with a static file:
// its modification time (Unix seconds) and size in hexadecimal, quoted, as
// nginx writes it. It changes when the file is replaced.
func StaticETag(fi fs.FileInfo) string {
	b := make([]byte, 0, 24)
	b = append(b, '"')
	b = strconv.AppendInt(b, fi.ModTime().Unix(), 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, fi.Size(), 16)
	return string(append(b, '"'))
}
