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
//     serves ./public/app.js for /static/app.js. Trailing slashes do not
//     matter on either side: "/static", "/static/", "./public" and
//     "./public/" spell the same rule, which never serves a sibling of the
//     folder (./public_private.txt);
//   - a URL ending in "/" is served its folder's default file: index.html,
//     or the file named by the rule for the empty URL "" (with that rule's
//     ContentType); a rule whose URL or Filename ends in "/" serves it for
//     its own URL too;
//   - the content type is the rule's ContentType, else the one of the
//     extension table (.html .css .js .json .jpg .png .gif .txt), else
//     application/octet-stream.
//
// Paths that would leave a rule's folder ("..", backslashes, NUL) are
// refused with ErrStaticForbidden (the adapters answer 403), and so is a
// file reached through a symbolic link that resolves outside the folder
// (a link inside it, to a file inside it, is served). A file named by an
// exact rule is opened as named. The adapters send every file with an
// ETag (StaticETag) and answer 304 Not Modified to a request that names
// it in If-None-Match.
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

// ErrStaticForbidden is returned by Resolve and Open for a URL that tries
// to leave a rule's folder, and by Open for a file whose symbolic links
// lead outside it.
var ErrStaticForbidden = errors.New("sio: static path outside its folder")

// Resolve returns the file and content type that urlPath (an unescaped URL
// path) maps to, ok false when no rule matches, or ErrStaticForbidden.
func (sf StaticFiles) Resolve(urlPath string) (f StaticFile, ok bool, err error) {
	f, _, ok, err = sf.resolve(urlPath, false)
	return f, ok, err
}

// resolve is Resolve; folder is the folder of the rule that matched, ""
// for a file rule. With exactFolder, a rule matching urlPath exactly is a
// folder whatever its spelling.
func (sf StaticFiles) resolve(urlPath string, exactFolder bool) (f StaticFile, folder string, ok bool, err error) {
	if len(sf) == 0 {
		return StaticFile{}, "", false, nil
	}
	rule, found := sf[urlPath]
	rest := "" // the URL inside the folder, for a folder rule
	isFolder := found && (exactFolder || strings.HasSuffix(rule.Filename, "/"))
	if !found {
		// The longest URL prefix, at a slash, that names a rule, spelled
		// with or without its trailing slash. (The "" rule names the
		// default file, not a folder.)
		for p := urlPath; !found; {
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				break
			}
			p = p[:i]
			if p != "" {
				rule, found = sf[p]
			}
			if !found {
				rule, found = sf[p+"/"]
			}
			rest = urlPath[i+1:]
		}
		if !found {
			return StaticFile{}, "", false, nil
		}
		isFolder = true
	}
	f = rule
	if isFolder {
		for _, seg := range strings.Split(rest, "/") {
			if seg == ".." || strings.ContainsAny(seg, "\\\x00") {
				return StaticFile{}, "", false, ErrStaticForbidden
			}
		}
		switch folder = strings.TrimSuffix(rule.Filename, "/"); {
		case rule.Filename == "/":
			folder = "/"
		case folder == "":
			folder = "."
		}
		f.Filename = strings.TrimSuffix(folder, "/") + "/" + rest
		if rest == "" || strings.HasSuffix(rest, "/") {
			sf.addDefault(&f)
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
	return f, folder, true, nil
}

// addDefault completes f, a folder's path ending in "/", with the folder's
// default file.
func (sf StaticFiles) addDefault(f *StaticFile) {
	def, ok := sf[""]
	if !ok {
		f.Filename += "index.html"
		return
	}
	f.Filename += def.Filename
	if def.ContentType != "" {
		f.ContentType = def.ContentType
	}
}

// Open resolves urlPath and opens the file. It returns fs.ErrNotExist when
// no rule matches or the file is missing or a folder, and
// ErrStaticForbidden for a path that tries to leave its folder, through
// ".." or through a symbolic link.
func (sf StaticFiles) Open(urlPath string) (*os.File, StaticFile, error) {
	return sf.open(urlPath, false)
}

func (sf StaticFiles) open(urlPath string, exactFolder bool) (*os.File, StaticFile, error) {
	f, folder, ok, err := sf.resolve(urlPath, exactFolder)
	if err != nil {
		return nil, f, err
	}
	if !ok {
		return nil, f, fs.ErrNotExist
	}
	name := filepath.FromSlash(f.Filename)
	if folder != "" {
		if name, err = insideFolder(filepath.FromSlash(folder), name); err != nil {
			return nil, f, err
		}
	}
	file, err := os.Open(name)
	if err != nil {
		return nil, f, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		if err == nil && folder == "" && strings.HasSuffix(urlPath, "/") {
			// A rule {"/docs/": {Filename: "./docs"}} asked for its own
			// URL: the folder's default file.
			return sf.open(urlPath, true)
		}
		return nil, f, fs.ErrNotExist
	}
	return file, f, nil
}

// insideFolder returns name with its symbolic links resolved, or
// ErrStaticForbidden when it resolves outside folder (itself resolved: the
// folder may be a link).
func insideFolder(folder, name string) (string, error) {
	real, err := filepath.EvalSymlinks(name)
	if err != nil {
		return "", fs.ErrNotExist
	}
	base, err := filepath.EvalSymlinks(folder)
	if err != nil {
		return "", fs.ErrNotExist
	}
	rel, err := filepath.Rel(base, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", ErrStaticForbidden
	}
	return real, nil
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
