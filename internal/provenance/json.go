package provenance

import (
	"bytes"
	"encoding/json"
	"fmt"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// toStruct is m as a JSON object, the form a Statement's predicate takes.
func toStruct(m proto.Message) (*structpb.Struct, error) {
	data, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(data, s); err != nil {
		return nil, err
	}
	return s, nil
}

// JSON is st as compact JSON with sorted keys. protojson varies its
// whitespace on purpose from one build to the next; passing its output
// through encoding/json gives the same bytes every time, which is what lets
// two clean clones compare their statements byte for byte.
func JSON(st *intoto.Statement) ([]byte, error) {
	data, err := protojson.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("writing the statement: %w", err)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("writing the statement: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("writing the statement: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Parse reads an in-toto Statement.
func Parse(data []byte) (*intoto.Statement, error) {
	st := &intoto.Statement{}
	if err := protojson.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("reading the statement: %w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("reading the statement: %w", err)
	}
	return st, nil
}

// Commit is the commit a provenance statement says it was built from.
func Commit(st *intoto.Statement) string {
	ext := st.GetPredicate().GetFields()["buildDefinition"].GetStructValue().GetFields()["externalParameters"]
	return ext.GetStructValue().GetFields()["commit"].GetStringValue()
}

// HasSubject says whether st is about the manifest with digest d
// ("sha256:…").
func HasSubject(st *intoto.Statement, d string) bool {
	for _, s := range st.GetSubject() {
		for alg, hex := range s.GetDigest() {
			if alg+":"+hex == d {
				return true
			}
		}
	}
	return false
}
