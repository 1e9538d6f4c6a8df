package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/contracttest"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/mocks"
)

// matrixSpecs are the feature specs shared with the CLI's matrix test.
var matrixSpecs = os.DirFS("../testdata/specs")

// newSpecMock is the mock serving the feature specs, in process.
func newSpecMock(t *testing.T) http.Handler {
	t.Helper()
	apis, problems := apispec.Load(context.Background(), matrixSpecs)
	require.Empty(t, problems.Fatal())
	srv, err := mocks.New(mocks.Config{APIs: apis, Seed: 1,
		Now: func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func execute(t *testing.T, api string, h http.Handler) *contracttest.Report {
	t.Helper()
	rep, err := contracttest.Execute(context.Background(), contracttest.Config{API: api, Specs: matrixSpecs,
		Handler: h, BaseURL: "http://mock.test/" + api, Seed: 3})
	require.NoError(t, err)
	return rep
}

func result(t *testing.T, rep *contracttest.Report, id string) *contracttest.Result {
	t.Helper()
	for _, res := range rep.Results {
		if res.Case.ID == id {
			return res
		}
	}
	t.Fatalf("no case %s", id)
	return nil
}

// TestNewCaseKindsAgainstMock: the case kinds of plain CRUD specs pass against the mock and
// send what they say.
func TestNewCaseKindsAgainstMock(t *testing.T) {
	tests := []struct {
		api, id  string
		statuses []int // of each exchange
		check    func(t *testing.T, xs []*contracttest.Exchange)
	}{{
		api: "widgets", id: "getWidget/request/valid", statuses: []int{201, 200},
		check: func(t *testing.T, xs []*contracttest.Exchange) {
			var created map[string]any
			require.NoError(t, json.Unmarshal(xs[0].Body, &created))
			assert.Equal(t, "/widgets/"+created["id"].(string), xs[1].Request.Path, "the key comes from the create's response")
		},
	}, {
		api: "widgets", id: "deleteWidget/request/valid", statuses: []int{201, 204, 404},
		check: func(t *testing.T, xs []*contracttest.Exchange) {
			assert.Equal(t, xs[1].Request.Path, xs[2].Request.Path, "the deleted key is read back")
		},
	}, {
		api: "widgets", id: "getWidget/path/id/unknown", statuses: []int{404},
	}, {
		api: "widgets", id: "replaceWidget/request/complete", statuses: []int{201, 200},
		check: func(t *testing.T, xs []*contracttest.Exchange) {
			assert.Contains(t, xs[1].Request.Path, "?dryRun=", "optional query parameters are sent")
		},
	}, {
		api: "widgets", id: "listWidgets/query/limit/maximum", statuses: []int{400},
		check: func(t *testing.T, xs []*contracttest.Exchange) {
			assert.Contains(t, xs[0].Request.Path, "limit=101")
		},
	}, {
		api: "widgets", id: "createWidget/content-type/application-x-www-form-urlencoded", statuses: []int{201},
		check: func(t *testing.T, xs []*contracttest.Exchange) {
			form, err := url.ParseQuery(string(xs[0].Request.Body))
			require.NoError(t, err)
			assert.NotEmpty(t, form.Get("name"), "the body is a form")
		},
	}, {
		api: "widgets", id: "getWidget/path/unknown", statuses: []int{404},
		check: func(t *testing.T, xs []*contracttest.Exchange) {
			assert.Equal(t, "/usermock-unknown-endpoint", xs[0].Request.Path, "a path no template matches")
		},
	}, {
		api: "search", id: "searchShop/path/shopId/type", statuses: []int{400},
	}, {
		api: "forms", id: "login/body/username/pattern", statuses: []int{400},
	}, {
		api: "vendor", id: "replaceProduct/rule/sku_unique/duplicate", statuses: []int{201, 201, 409},
	}, {
		api: "vendor", id: "deleteProduct/rule/sku_unique/freed", statuses: []int{201, 204, 201},
	}, {
		api: "vendor", id: "createProduct/body/price/minimum", statuses: []int{422},
	}}
	mock := newSpecMock(t)
	reports := map[string]*contracttest.Report{}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if reports[tt.api] == nil {
				reports[tt.api] = execute(t, tt.api, mock)
			}
			res := result(t, reports[tt.api], tt.id)
			require.Equal(t, contracttest.Pass, res.Outcome, "%v", res.Failures)
			var got []int
			for _, x := range res.Exchanges {
				got = append(got, x.Status)
			}
			assert.Equal(t, tt.statuses, got)
			if tt.check != nil {
				tt.check(t, res.Exchanges)
			}
		})
	}
}

// TestBrokenCRUDServersAreFlagged: servers that break the contract of a plain CRUD spec in
// one way each are flagged on the right case.
func TestBrokenCRUDServersAreFlagged(t *testing.T) {
	widget := map[string]any{"id": "7b1f1c2e-0000-4000-8000-000000000001", "name": "x", "email": "x@example.com", "size": 1, "createdAt": "2024-01-01T00:00:00Z"}
	tests := []struct {
		name, api string
		edit      func(r *http.Request, reqBody map[string]any, status int, body map[string]any) (int, map[string]any)
		wrap      func(http.Handler) http.Handler // instead of edit, for a server that must not store
		caseID    string
		check     string
	}{{
		name: "GET answers 200 for unknown ids", api: "widgets",
		edit: func(r *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
			if r.Method == http.MethodGet && status == http.StatusNotFound {
				return http.StatusOK, widget
			}
			return status, body
		},
		caseID: "getWidget/path/id/unknown", check: "expected a 4xx refusal of a request the spec does not allow, got 200",
	}, {
		name: "delete does not forget the record", api: "widgets",
		edit: func(r *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
			if r.Method == http.MethodGet && status == http.StatusNotFound && strings.HasPrefix(r.URL.Path, "/widgets/widgets/") {
				return http.StatusOK, widget
			}
			return status, body
		},
		caseID: "deleteWidget/request/valid", check: "got 200",
	}, {
		name: "query parameters ignored", api: "widgets",
		edit: func(r *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
			if r.Method == http.MethodGet && r.URL.Query().Has("limit") && status == http.StatusBadRequest {
				return http.StatusOK, map[string]any{"data": []any{}, "total": 0}
			}
			return status, body
		},
		caseID: "listWidgets/query/limit/maximum", check: "got 200",
	}, {
		name: "create answers no key", api: "widgets",
		edit: func(r *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
			if r.Method == http.MethodPost && status == http.StatusCreated {
				delete(body, "id")
			}
			return status, body
		},
		caseID: "getWidget/request/valid", check: `step 1 (POST /widgets): the body does not match the schema of status 201`,
	}, {
		name: "replace ignores the unique rule", api: "vendor",
		edit: func(r *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
			if r.Method == http.MethodPut && status == http.StatusConflict {
				return http.StatusOK, map[string]any{"productId": 1, "sku": "LAMP-001", "name": "x", "price": 1}
			}
			return status, body
		},
		caseID: "replaceProduct/rule/sku_unique/duplicate", check: "got 200",
	}, {
		name: "error not in problem details", api: "widgets",
		edit: func(_ *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
			if status == http.StatusBadRequest {
				return status, map[string]any{"error": "bad"}
			}
			return status, body
		},
		caseID: "listWidgets/query/limit/maximum", check: "status 400 is not documented",
	}, {
		name: "a read answers other data than was stored", api: "widgets",
		edit: func(r *http.Request, _ map[string]any, status int, body map[string]any) (int, map[string]any) {
			if r.Method == http.MethodGet && status == http.StatusOK && body["name"] != nil {
				body["name"] = "Changed on read"
			}
			return status, body
		},
		caseID: "getWidget/roundtrip", check: `answered /name = "Changed on read"; step 1 (POST /widgets) answered /name = `,
	}, {
		name: "a payment checked only for its method", api: "composed",
		edit: func(r *http.Request, req map[string]any, status int, body map[string]any) (int, map[string]any) {
			payment, _ := req["payment"].(map[string]any)
			if r.Method == http.MethodPost && status == http.StatusBadRequest && payment["method"] == "card" {
				return http.StatusCreated, map[string]any{"orderId": "7b1f1c2e-0000-4000-8000-000000000001", "customer": "Ada", "quantity": 2, "payment": payment}
			}
			return status, body
		},
		caseID: "createOrder/body/payment/oneOf/0/number/pattern", check: "got 201",
	}, {
		name: "a replace answered but not stored", api: "widgets", wrap: changesNotStored,
		caseID: "replaceWidget/roundtrip", check: "so a read after it must reflect the change",
	}, {
		name: "an update answered but not stored", api: "widgets", wrap: changesNotStored,
		caseID: "updateWidget/roundtrip", check: "so a read after it must reflect the change",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := rewrite(newSpecMock(t), tt.edit)
			if tt.wrap != nil {
				h = tt.wrap(newSpecMock(t))
			}
			rep := execute(t, tt.api, h)
			res := result(t, rep, tt.caseID)
			assert.Equal(t, contracttest.Fail, res.Outcome)
			assert.Contains(t, strings.Join(res.Failures, "\n"), tt.check)
			var text bytes.Buffer
			rep.WriteText(&text, false)
			urls := regexp.MustCompile(`curl -sS -i -X \w+ '([^']*)'`).FindAllStringSubmatch(text.String(), -1)
			require.NotEmpty(t, urls)
			for _, u := range urls {
				assert.NotContains(t, u[1], "{", "the report's curl is runnable: keys resolved")
			}
		})
	}
}

// changesNotStored answers a replace or update of a record with the record as changed, but
// stores nothing: the mock keeps the record as it was.
func changesNotStored(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut && r.Method != http.MethodPatch {
			next.ServeHTTP(w, r)
			return
		}
		var change map[string]any
		_ = json.NewDecoder(r.Body).Decode(&change)
		get := httptest.NewRequest(http.MethodGet, r.URL.Path, nil)
		get.Header = r.Header.Clone()
		get.Header.Del("Content-Type")
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, get)
		var record map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &record) != nil {
			next.ServeHTTP(w, r)
			return
		}
		for k, v := range change {
			record[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(record)
	})
}
