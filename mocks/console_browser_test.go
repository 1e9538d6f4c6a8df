package mocks

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestConsoleInBrowser drives the console in headless Chromium through playwright-core
// (testdata/console_browser.mjs). It needs node, Chromium (USERMOCK_CHROMIUM, default
// /usr/bin/chromium) and playwright-core installed in USERMOCK_PLAYWRIGHT_DIR; .ci/run installs
// both and sets USERMOCK_BROWSER_REQUIRED=1, so that CI fails instead of skipping.
// USERMOCK_SCREENSHOTS keeps the screenshots (default: a temporary directory).
func TestConsoleInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	skip := t.Skipf
	if os.Getenv("USERMOCK_BROWSER_REQUIRED") != "" {
		skip = t.Fatalf
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed: the console's browser test needs Node.js")
	}
	pw := os.Getenv("USERMOCK_PLAYWRIGHT_DIR")
	if pw == "" {
		skip("USERMOCK_PLAYWRIGHT_DIR is not set: install playwright-core there (npm install playwright-core@1.64.1, as .ci/run does)")
	}
	if _, err := os.Stat(filepath.Join(pw, "node_modules", "playwright-core", "package.json")); err != nil {
		skip("no playwright-core in USERMOCK_PLAYWRIGHT_DIR=%s: %v", pw, err)
	}
	browser := os.Getenv("USERMOCK_CHROMIUM")
	if browser == "" {
		browser = "/usr/bin/chromium"
	}
	if _, err := os.Stat(browser); err != nil {
		skip("no Chromium at %s (apt-get install chromium, or set USERMOCK_CHROMIUM)", browser)
	}
	shots := os.Getenv("USERMOCK_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(shots, 0o755))

	apis, sets := loadAll(t)
	srv, err := New(Config{APIs: apis, Fixtures: sets, Seed: 1})
	require.NoError(t, err)
	ts := httptest.NewServer(srv) // 127.0.0.1:0
	defer ts.Close()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script, err := filepath.Abs(filepath.Join("testdata", "console_browser.mjs"))
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(), "USERMOCK_BASE_URL="+ts.URL, "USERMOCK_PLAYWRIGHT_DIR="+pw,
		"USERMOCK_CHROMIUM="+browser, "USERMOCK_SCREENSHOTS="+shots)
	out, err := cmd.CombinedOutput()
	t.Logf("browser test output:\n%s", out)
	require.NoError(t, err, "the browser test failed; screenshots in %s", shots)
}
