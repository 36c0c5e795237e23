package adminui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/socketio-go/sio/core"
)

// UIConfig says where the Admin UI's files are and where to serve them.
// Every zero field but Dir means its documented default.
type UIConfig struct {
	// Dir is the node_modules folder of an npm install of the UI and of
	// its two stylesheets' packages:
	//
	//	npm install @socket.io/admin-ui@0.5.1 @mdi/font @fontsource/roboto
	//
	// The UI is @socket.io/admin-ui/ui/dist; the icons and the font are
	// served from @mdi/font and @fontsource/roboto instead of the CDNs the
	// UI's page names, so it works with no internet access.
	Dir string
	// Prefix is the URL path the UI is served under, with slashes around
	// it. Zero: "/admin-ui/".
	Prefix string
	// ServerPath and Namespace are prefilled in the UI's connection form
	// (with the page's own origin as the server URL) for a browser that
	// has no saved settings. Zero: the defaults, "/socket.io/" and
	// "/admin".
	ServerPath, Namespace string
	// CacheDir is where the UI's page, rewritten for the local
	// stylesheets and the prefilled settings, is written (one small file,
	// named after its content). Zero: the system's temporary folder.
	CacheDir string
}

// ErrUINotInstalled is returned by UIFiles when Dir does not hold the UI.
var ErrUINotInstalled = errors.New("adminui: the Admin UI is not installed (npm install @socket.io/admin-ui@0.5.1 @mdi/font @fontsource/roboto)")

// Cache-Control of the UI's files: its page is revalidated on each load;
// its scripts, stylesheets and images have content hashes in their names.
const (
	pageCacheControl   = "no-cache"
	assetCacheControl  = "public, max-age=31536000, immutable"
	fontCacheControl   = "public, max-age=86400"
	defaultUIPrefix    = "/admin-ui/"
	mdiStylesheet      = "fonts/mdi/css/materialdesignicons.min.css"
	robotoStylesheets  = "fonts/roboto/"
	defaultUIPathValue = "/socket.io"
)

// robotoWeights are the weights the UI's page asks the font service for.
var robotoWeights = []string{"100", "300", "400", "500", "700", "900"}

// fontTypes are the content types of the font files, by extension.
var fontTypes = map[string]string{
	".woff2": "font/woff2",
	".woff":  "font/woff",
	".ttf":   "font/ttf",
	".eot":   "application/vnd.ms-fontobject",
}

var (
	robotoLink = regexp.MustCompile(`<link[^>]*href="https://fonts\.googleapis\.com/css[^"]*"[^>]*>`)
	mdiLink    = regexp.MustCompile(`<link[^>]*href="https://cdn\.jsdelivr\.net/npm/@mdi/font[^"]*"[^>]*>`)
)

// UIFiles returns the static-file rules that serve the Socket.IO Admin UI
// under cfg.Prefix, for an adapter's StaticFiles (every adapter serves
// them the same way, with ETags):
//
//	files, err := adminui.UIFiles(adminui.UIConfig{Dir: "node_modules"})
//	if err != nil { ... }
//	http.Handle("/", stdsio.New(srv, stdsio.Config{StaticFiles: files}).Middleware(mux))
//
// The UI's page is served rewritten: its two external stylesheets (the
// Roboto font, the Material Design icons) point to local copies, and a
// browser with no saved connection settings gets the page's own origin as
// the server URL (with ServerPath and Namespace), so the UI connects at
// once when authentication is off and opens its login form, filled in,
// otherwise.
func UIFiles(cfg UIConfig) (core.StaticFiles, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = defaultUIPrefix
	}
	if !strings.HasPrefix(cfg.Prefix, "/") {
		cfg.Prefix = "/" + cfg.Prefix
	}
	if !strings.HasSuffix(cfg.Prefix, "/") {
		cfg.Prefix += "/"
	}
	dist := filepath.Join(cfg.Dir, "@socket.io", "admin-ui", "ui", "dist")
	mdi := filepath.Join(cfg.Dir, "@mdi", "font")
	roboto := filepath.Join(cfg.Dir, "@fontsource", "roboto")
	page, err := os.ReadFile(filepath.Join(dist, "index.html"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUINotInstalled, err)
	}
	for _, dir := range []string{mdi, roboto} {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUINotInstalled, err)
		}
	}
	page, err = rewritePage(page, cfg)
	if err != nil {
		return nil, err
	}
	pageFile, err := writeCached(cfg.CacheDir, page)
	if err != nil {
		return nil, err
	}

	slash := func(dir string) string { return filepath.ToSlash(dir) + "/" }
	p := cfg.Prefix
	html := core.StaticFile{Filename: filepath.ToSlash(pageFile), ContentType: "text/html; charset=utf-8", CacheControl: pageCacheControl}
	files := core.StaticFiles{
		p:                     html,
		p + "index.html":      html,
		p + "favicon.png":     {Filename: filepath.ToSlash(filepath.Join(dist, "favicon.png")), CacheControl: fontCacheControl},
		p + "css/":            {Filename: slash(filepath.Join(dist, "css")), CacheControl: assetCacheControl},
		p + "js/":             {Filename: slash(filepath.Join(dist, "js")), CacheControl: assetCacheControl},
		p + "img/":            {Filename: slash(filepath.Join(dist, "img")), CacheControl: assetCacheControl},
		p + "fonts/mdi/css/":  {Filename: slash(filepath.Join(mdi, "css")), CacheControl: fontCacheControl},
		p + robotoStylesheets: {Filename: slash(roboto), CacheControl: fontCacheControl},
	}
	// The fonts, one rule each for their content types.
	for url, dir := range map[string]string{p + "fonts/mdi/fonts/": filepath.Join(mdi, "fonts"), p + robotoStylesheets + "files/": filepath.Join(roboto, "files")} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUINotInstalled, err)
		}
		for _, e := range entries {
			if ct, ok := fontTypes[filepath.Ext(e.Name())]; ok && !e.IsDir() {
				files[url+e.Name()] = core.StaticFile{Filename: filepath.ToSlash(filepath.Join(dir, e.Name())), ContentType: ct, CacheControl: fontCacheControl}
			}
		}
	}
	return files, nil
}

// rewritePage points the page's external stylesheets to the local copies
// and adds the script that prefills the connection settings.
func rewritePage(page []byte, cfg UIConfig) ([]byte, error) {
	if !robotoLink.Match(page) || !mdiLink.Match(page) {
		return nil, errors.New("adminui: the UI's index.html does not link the stylesheets of @socket.io/admin-ui 0.5.1 (another version?)")
	}
	var fonts strings.Builder
	for _, w := range robotoWeights {
		fonts.WriteString(`<link rel="stylesheet" href="` + robotoStylesheets + w + `.css">`)
	}
	page = robotoLink.ReplaceAllLiteral(page, []byte(fonts.String()))
	page = mdiLink.ReplaceAllLiteral(page, []byte(`<link rel="stylesheet" href="`+mdiStylesheet+`">`))

	path := strings.TrimSuffix(cfg.ServerPath, "/")
	if path == "" {
		path = defaultUIPathValue
	} else if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	nsp := cfg.Namespace
	if nsp == "" {
		nsp = DefaultNamespace
	}
	// The UI reads its settings from localStorage before it starts; a
	// browser that has none gets these.
	script := `<script>(function(){try{var s=window.localStorage;if(!s.getItem("server_url")){` +
		`s.setItem("server_url",location.origin);s.setItem("path",` + strconv.Quote(path) + `);` +
		`s.setItem("namespace",` + strconv.Quote(nsp) + `)}}catch(e){}})()</script>`
	i := bytes.Index(page, []byte("<script"))
	if i < 0 {
		i = bytes.Index(page, []byte("</body>"))
	}
	if i < 0 {
		return nil, errors.New("adminui: the UI's index.html has no script")
	}
	return append(append(append([]byte(nil), page[:i]...), script...), page[i:]...), nil
}

// writeCached writes content to a file named after its hash under dir
// (the temporary folder when empty), unless it is there already, and
// returns the file's path.
func writeCached(dir string, content []byte) (string, error) {
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "sio-admin-ui")
	}
	sum := sha256.Sum256(content)
	name := filepath.Join(dir, hex.EncodeToString(sum[:8])+".html")
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, content) {
		return name, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("adminui: writing the UI's page: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "page-*.tmp")
	if err != nil {
		return "", fmt.Errorf("adminui: writing the UI's page: %w", err)
	}
	_, werr := tmp.Write(content)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("adminui: writing the UI's page: %w", err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("adminui: writing the UI's page: %w", err)
	}
	return name, nil
}
