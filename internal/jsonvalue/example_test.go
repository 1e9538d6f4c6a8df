package jsonvalue_test

import (
	"encoding/json"
	"fmt"

	"github.com/usermock/usermock/internal/jsonvalue"
)

func ExampleSetPointer() {
	body := map[string]any{"name": "Ada"}
	root, err := jsonvalue.SetPointer(body, "/addresses/0/city", "London")
	if err != nil {
		fmt.Println(err)
		return
	}
	city, ok := jsonvalue.GetPointer(root, "/addresses/0/city")
	b, _ := json.Marshal(root)
	fmt.Println(string(b))
	fmt.Println(city, ok)
	// Output:
	// {"addresses":[{"city":"London"}],"name":"Ada"}
	// London true
}

func ExampleKey() {
	fmt.Println(jsonvalue.Key(json.Number("1.0"), false) == jsonvalue.Key(1, false))
	fmt.Println(jsonvalue.Key("1", false) == jsonvalue.Key(1, false))
	fmt.Println(jsonvalue.Key("ADA@Example.com", true))
	// Output:
	// true
	// false
	// sada@example.com
}

func ExampleNormalize() {
	fromYAML := map[string]any{"id": 7, "price": 2.50, "tags": []any{"a"}}
	price := jsonvalue.Normalize(fromYAML).(map[string]any)["price"]
	fmt.Printf("%T %v\n", price, price)
	// Output:
	// json.Number 2.5
}
