package parser

// Slice returns the elements from index from on, sharing storage with a.
// It returns an empty Args when from is at or past the end.
func (a Args) Slice(from int) Args {
	if from <= 0 {
		return a
	}
	if from >= a.Len() {
		return Args{}
	}
	return Args{src: offsetSource{src: a.src, off: from}}
}

// offsetSource is the storage of a sliced Args.
type offsetSource struct {
	src argSource
	off int
}

func (o offsetSource) argLen() int                   { return o.src.argLen() - o.off }
func (o offsetSource) argRaw(i int) []byte           { return o.src.argRaw(i + o.off) }
func (o offsetSource) argDecode(i int, v any) error  { return o.src.argDecode(i+o.off, v) }
func (o offsetSource) argValue(i int) (any, error)   { return o.src.argValue(i + o.off) }
func (o offsetSource) argJSON(i int) ([]byte, error) { return o.src.argJSON(i + o.off) }

func (o offsetSource) argBinary(i int) bool        { return o.src.argBinary(i + o.off) }
func (o offsetSource) argExact(i int) (any, error) { return o.src.argExact(i + o.off) }
