package mocks_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing/fstest"

	"github.com/usermock/usermock/mocks"
)

// A user's own spec, served with no Go code beyond this: create a user, then read it back.
func ExampleNewFromFS() {
	spec := `
openapi: 3.0.3
info: {title: Users, version: "1"}
paths:
  /users:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: {name: {type: string}}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema:
                type: object
                properties: {id: {type: integer}, name: {type: string}}
              example: {id: 1, name: Jane}
  /users/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200": {description: the user, content: {application/json: {schema: {type: object}}}}
`
	srv, err := mocks.NewFromFS(context.Background(), fstest.MapFS{"users.yaml": {Data: []byte(spec)}}, nil, mocks.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	show := func(resp *http.Response, err error) {
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, string(b))
	}
	show(http.Post(ts.URL+"/users/users", "application/json", strings.NewReader(`{"name":"Ada"}`)))
	show(http.Get(ts.URL + "/users/users/1"))
	show(http.Get(ts.URL + "/users/users/2"))
	// Output:
	// 201 {"id":1,"name":"Ada"}
	// 200 {"id":1,"name":"Ada"}
	// 404 {"type":"about:blank","title":"Not Found","status":404,"detail":"id path: no user with id \"2\" exists","errors":[{"field":"id path","reason":"no user with id \"2\" exists"}]}
}
