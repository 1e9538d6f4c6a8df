package mocks

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/usermock/usermock/fixtures"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/specs"
)

// NewFromFS builds a Server from spec and fixture files, for use outside this module (in a
// user's own go test): specFS holds <api-id>.yaml files, and may keep fixtures next to them
// (<api-id>.fixtures.yaml, fixtures/<api-id>/*.yaml); fixtureFS holds <api-id>/*.yaml. A
// nil specFS serves the five APIs shipped with usermock, and a nil fixtureFS their shipped
// fixtures. cfg.APIs and cfg.Fixtures are set from the files; the rest of cfg is used as
// given (its zero value works). A problem in a file is an error naming the file and line.
func NewFromFS(ctx context.Context, specFS, fixtureFS fs.FS, cfg Config) (*Server, error) {
	shipped := specFS == nil
	if shipped {
		specFS = specs.FS()
	}
	apis, problems := apispec.Load(ctx, specFS)
	if fatal := problems.Fatal(); len(fatal) > 0 {
		return nil, fmt.Errorf("load specs: %w", fatal)
	}
	sets := map[string]*fixture.Set{}
	if fixtureFS != nil || shipped {
		if fixtureFS == nil {
			fixtureFS = fixtures.FS()
		}
		loaded, ps := fixture.Load(fixtureFS, apis)
		if fatal := ps.Fatal(); len(fatal) > 0 {
			return nil, fmt.Errorf("load fixtures: %w", fatal)
		}
		sets = loaded
	}
	if !shipped {
		beside, ps := fixture.LoadBeside(specFS, apis)
		if fatal := ps.Fatal(); len(fatal) > 0 {
			return nil, fmt.Errorf("load fixtures: %w", fatal)
		}
		for id, set := range beside {
			sets[id] = set
		}
	}
	cfg.APIs, cfg.Fixtures = apis, sets
	if cfg.Specs == nil {
		cfg.Specs = specFS
	}
	return New(cfg)
}
