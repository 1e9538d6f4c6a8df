package contracttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"

	"github.com/usermock/usermock/internal/jsonvalue"
)

// multipartBoundary is fixed so that the same case gives the same bytes in every run.
const multipartBoundary = "usermock-contract-test-boundary"

// encodeBody encodes a decoded JSON value in the media type of the request's Content-Type:
// form fields for application/x-www-form-urlencoded and multipart/form-data, JSON otherwise.
// A multipart request's Content-Type gets the boundary.
func encodeBody(header http.Header, body any) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		vals, err := formValues(body)
		if err != nil {
			return nil, err
		}
		return []byte(vals.Encode()), nil
	case "multipart/form-data":
		vals, err := formValues(body)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		if err := w.SetBoundary(multipartBoundary); err != nil {
			return nil, err
		}
		for _, k := range sortedKeys(vals) {
			for _, v := range vals[k] {
				if err := w.WriteField(k, v); err != nil {
					return nil, err
				}
			}
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		header.Set("Content-Type", w.FormDataContentType())
		return b.Bytes(), nil
	}
	return json.Marshal(body) // values are decoded JSON; they always encode
}

// formValues flattens an object of scalars and arrays of scalars into form fields (arrays
// as repeated fields, form style with explode, OpenAPI's default). Nested objects have no
// one agreed form encoding and are not sent.
func formValues(body any) (url.Values, error) {
	m, ok := body.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a form body must be an object, not %s", compact(body))
	}
	out := url.Values{}
	for _, k := range sortedKeys(m) {
		switch v := m[k].(type) {
		case map[string]any:
			return nil, fmt.Errorf("field %s is an object: nested objects in form bodies are not supported by the harness", k)
		case []any:
			for _, item := range v {
				s, err := formScalar(item)
				if err != nil {
					return nil, fmt.Errorf("field %s: %w", k, err)
				}
				out.Add(k, s)
			}
		default:
			s, err := formScalar(v)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", k, err)
			}
			out.Set(k, s)
		}
	}
	return out, nil
}

// formScalar writes one value as text, the way a form carries it.
func formScalar(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(t), nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case json.Number:
		return t.String(), nil
	}
	return "", fmt.Errorf("a %T has no form encoding the harness supports", v)
}

// isForm reports whether the media type is one of the form encodings.
func isForm(mt string) bool {
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
}

// mediaType is a Content-Type without its parameters, "" when there is none.
func mediaType(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt
}

// textValue is a parameter value as it travels in a URL or a header.
func textValue(v any) (string, bool) {
	switch v.(type) {
	case map[string]any, []any:
		return "", false
	}
	s, err := formScalar(jsonvalue.Normalize(v))
	return s, err == nil
}
