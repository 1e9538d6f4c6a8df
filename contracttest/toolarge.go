package contracttest

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/usermock/usermock/internal/apispec"
)

// tooLargeCase sends a body of Config.MaxBody bytes, one over the server's limit, in the
// operation's media type: the server must refuse it as too large (413), without reading
// more than its limit.
func (b *opBuilder) tooLargeCase() {
	if b.op.RequestBody == nil || b.maxBody < 0 {
		return
	}
	key := "usermock_padding"
	if b.base != nil {
		key = firstKey(b.base)
	}
	start, end := `{"`+key+`":"`, `"}`
	if isForm(mediaType(b.contentType)) {
		start, end = key+"=", ""
	}
	n := b.maxBody - int64(len(start)+len(end))
	if n < 1 {
		b.cov.add("body size", "", fmt.Sprintf("a body of %d bytes cannot hold a field", b.maxBody))
		return
	}
	h := b.header.Clone()
	if mt := mediaType(b.contentType); mt == "multipart/form-data" || mt == "" {
		h.Set("Content-Type", "application/json") // a body of the size; the limit comes first
		start, end = `{"`+key+`":"`, `"}`
	}
	req := b.raw(b.op.Method, h, nil)
	var body bytes.Buffer
	body.Grow(int(b.maxBody))
	body.WriteString(start)
	body.WriteString(strings.Repeat("a", int(n)))
	body.WriteString(end)
	req.Body = body.Bytes()
	req.bodyShell = fmt.Sprintf(`{ printf '%%s' %s; head -c %d /dev/zero | tr '\0' a; printf '%%s' %s; }`, shellQuote(start), n, shellQuote(end))
	c := &Case{ID: "body/too-large", Kind: Negative, constraint: "body size", Expect: b.kindStatus(apispec.KindTooLarge),
		kinds:       []apispec.Kind{apispec.KindTooLarge},
		Description: fmt.Sprintf("a body of %d bytes, over the server's limit (--max-body)", b.maxBody)}
	c.Steps = []*Request{req}
	b.add(c)
	b.cov.add(c.constraint, c.ID, "")
}
