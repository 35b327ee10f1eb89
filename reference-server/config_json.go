package refserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// jsonDuration is a time.Duration that JSON writes as a string ("1.5s") and
// reads from a string or from a number of nanoseconds. A config file with
// "heartbeat": 15000000000 is hard to read and easy to get wrong by 10^3.
type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, time.Duration(d).String()), nil
}

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = jsonDuration(v)
		return nil
	}
	var ns int64
	if err := json.Unmarshal(b, &ns); err != nil {
		return fmt.Errorf("a duration is a string such as \"1.5s\" or an integer of nanoseconds, got %s", b)
	}
	*d = jsonDuration(ns)
	return nil
}

// configJSON is Config with its durations as jsonDurations. The outer
// fields shadow the embedded ones with the same keys; they point into the
// Config being read or written.
type configJSON struct {
	*configFields
	Delay             *jsonDuration `json:"delay"`
	Retry             *jsonDuration `json:"retry"`
	Heartbeat         *jsonDuration `json:"heartbeat"`
	FlushInterval     *jsonDuration `json:"flush_interval"`
	ReadHeaderTimeout *jsonDuration `json:"read_header_timeout"`
	ShutdownTimeout   *jsonDuration `json:"shutdown_timeout"`
}

// configFields has Config's fields but not its methods, so that encoding it
// does not recurse into MarshalJSON and UnmarshalJSON.
type configFields Config

func (c *Config) jsonView() configJSON {
	return configJSON{
		configFields:      (*configFields)(c),
		Delay:             (*jsonDuration)(&c.Delay),
		Retry:             (*jsonDuration)(&c.Retry),
		Heartbeat:         (*jsonDuration)(&c.Heartbeat),
		FlushInterval:     (*jsonDuration)(&c.FlushInterval),
		ReadHeaderTimeout: (*jsonDuration)(&c.ReadHeaderTimeout),
		ShutdownTimeout:   (*jsonDuration)(&c.ShutdownTimeout),
	}
}

// MarshalJSON writes c with durations as strings such as "15s".
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.jsonView()) }

// UnmarshalJSON reads c from a JSON object, a config file. Durations may be
// strings such as "250ms" or integers of nanoseconds. Keys not in c are an
// error, since a misspelt key would otherwise be silently ignored. Keys the
// object does not have leave their fields as they were, so a file can be
// read over a Config of defaults.
func (c *Config) UnmarshalJSON(b []byte) error {
	v := c.jsonView()
	return decodeStrict(b, &v)
}

// generatorJSON is GeneratorConfig with its duration as a jsonDuration.
type generatorJSON struct {
	*generatorFields
	BurstInterval *jsonDuration `json:"burst_interval"`
}

type generatorFields GeneratorConfig

func (g *GeneratorConfig) jsonView() generatorJSON {
	return generatorJSON{generatorFields: (*generatorFields)(g), BurstInterval: (*jsonDuration)(&g.BurstInterval)}
}

// MarshalJSON writes g with its duration as a string.
func (g GeneratorConfig) MarshalJSON() ([]byte, error) { return json.Marshal(g.jsonView()) }

// UnmarshalJSON reads g strictly, like Config.UnmarshalJSON.
func (g *GeneratorConfig) UnmarshalJSON(b []byte) error {
	v := g.jsonView()
	return decodeStrict(b, &v)
}

// decodeStrict decodes one JSON value into the pointer v, rejecting unknown
// keys and trailing data.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}
