// Package jsonobj reads a JSON object's members in the order they are
// written, which encoding/json's maps lose. The logfmt console format
// prints a record's fields in its JSON order, and the fake agent edits a
// backlog keeping every key it does not touch where it was; both read
// objects with Fields.
package jsonobj

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Field is one member of a JSON object: its decoded key and its value as
// written.
type Field struct {
	Key   string
	Value json.RawMessage
}

// Fields returns the members of the JSON object in data, in order, keeping
// repeated keys as they are written (encoding/json would keep only the
// last). It returns an error when data is not exactly one JSON object.
func Fields(data []byte) ([]Field, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object: starts with %v", tok)
	}
	var fields []Field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		fields = append(fields, Field{Key: key, Value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not a JSON object: more follows it")
	}
	return fields, nil
}
