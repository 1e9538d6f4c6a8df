// Package specs embeds usermock's OpenAPI specs, one per vendor API, so the binary serves
// them from any directory. Each spec names its source document in x-source-document; the
// x-usermock extensions they use are described in README.md next to them.
package specs

import (
	"embed"
	"io/fs"
)

//go:embed *.yaml
var files embed.FS

// FS returns the embedded spec files, one <api-id>.yaml per API.
func FS() fs.FS { return files }
