package contracttest_test

import (
	"context"
	"fmt"

	"github.com/usermock/usermock/contracttest"
	"github.com/usermock/usermock/fixtures"
	"github.com/usermock/usermock/internal/apispec"
	"github.com/usermock/usermock/internal/fixture"
	"github.com/usermock/usermock/mocks"
	"github.com/usermock/usermock/specs"
)

// Execute runs the cases against a server, here the mock itself as an http.Handler, and
// returns a report to print, save as JUnit or JSON, or inspect.
func ExampleExecute() {
	apis, _ := apispec.Load(context.Background(), specs.FS())
	sets, _ := fixture.Load(fixtures.FS(), apis)
	mock, err := mocks.New(mocks.Config{APIs: apis, Fixtures: sets})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mock.Close()

	report, err := contracttest.Execute(context.Background(), contracttest.Config{
		API:     "ruangkerja",
		Handler: mock,
		BaseURL: "http://mock.test/ruangkerja", // the mock mounts each API at /<id>
		Seed:    1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// report.WriteText, WriteJUnit and WriteJSON write the reports usermock test writes.
	all, _ := report.Totals()
	fmt.Printf("%d cases: %d passed, %d failed, %d skipped\n", all.Total, all.Passed, all.Failed, all.Skipped)
	for _, res := range report.Results[:3] {
		fmt.Println(res.Outcome, res.Case.ID, res.Status)
	}
	// Output:
	// 30 cases: 30 passed, 0 failed, 0 skipped
	// pass createUser/example/documented 200
	// pass createUser/example/phone_only 200
	// pass createUser/generated/complete 200
}
