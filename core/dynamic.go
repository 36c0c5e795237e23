package core

import (
	"regexp"
	"strconv"
)

// OfFunc returns a parent namespace for dynamic namespaces: when a client
// asks for a namespace that does not exist and accept returns true for its
// name and auth payload, the namespace is created as a child of the parent.
// The parent's handlers, middleware and hooks serve every child, and an
// Emit on the parent reaches the sockets of all its children.
func (s *Server) OfFunc(accept func(name string, auth Args) bool) *Namespace {
	s.mu.Lock()
	nsp := newNamespace(s, "/_"+strconv.Itoa(len(s.parents)+1), nil)
	nsp.match = accept
	s.parents = append(s.parents, nsp)
	s.mu.Unlock()
	return nsp
}

// OfRegexp returns a parent namespace (see OfFunc) whose children are the
// namespaces whose names re matches.
func (s *Server) OfRegexp(re *regexp.Regexp) *Namespace {
	return s.OfFunc(func(name string, _ Args) bool { return re.MatchString(name) })
}

// OnNewNamespace sets the function called after a namespace is created:
// by Of, or as the child of a parent namespace when a client asks for it.
func (s *Server) OnNewNamespace(fn func(nsp *Namespace)) {
	s.mu.Lock()
	s.onNewNamespace = fn
	s.mu.Unlock()
}

// Parent returns the parent namespace of a child namespace, else nil.
func (n *Namespace) Parent() *Namespace { return n.parent }

// newChild returns the child namespace name of parent, creating it.
func (s *Server) newChild(parent *Namespace, name string) *Namespace {
	s.mu.Lock()
	if nsp := s.nsps[name]; nsp != nil {
		s.mu.Unlock()
		return nsp
	}
	nsp := newNamespace(s, name, parent)
	s.nsps[name] = nsp
	hook := s.onNewNamespace
	s.mu.Unlock()
	parent.mu.Lock()
	if parent.children == nil {
		parent.children = make(map[*Namespace]struct{})
	}
	parent.children[nsp] = struct{}{}
	parent.mu.Unlock()
	if hook != nil {
		hook(nsp)
	}
	return nsp
}

// dropIfEmpty removes a child namespace without sockets, when
// Options.CleanupEmptyChildNamespaces is set.
func (n *Namespace) dropIfEmpty() {
	if n.parent == nil || !n.srv.opts.CleanupEmptyChildNamespaces {
		return
	}
	n.mu.RLock()
	empty := len(n.sockets) == 0
	n.mu.RUnlock()
	if !empty {
		return
	}
	s := n.srv
	s.mu.Lock()
	if s.nsps[n.name] == n {
		delete(s.nsps, n.name)
	} else {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	n.parent.mu.Lock()
	delete(n.parent.children, n)
	n.parent.mu.Unlock()
	// The class-based copies made for n (RegisterNamespace("*", ...)).
	for _, p := range []*Namespace{n.parent, s.catchAll.Load()} {
		if p != nil {
			p.hmu.RLock()
			c := p.class
			p.hmu.RUnlock()
			c.forget(n)
		}
	}
	n.adapter.Close()
}

// children returns the child namespaces of a parent.
func (n *Namespace) childList() []*Namespace {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Namespace, 0, len(n.children))
	for c := range n.children {
		out = append(out, c)
	}
	return out
}
