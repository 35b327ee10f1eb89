package loadgen

import "github.com/ssebench/ssebench/reports/result"

// configFields has Config's fields but not its methods, so that encoding
// it does not recurse into MarshalJSON.
type configFields Config

// MarshalJSON writes c as the result's "config" echo and --dry-run show
// it: one key per field, durations as strings such as "10s"
// (result.EncodeConfig), credentials in headers redacted.
func (c Config) MarshalJSON() ([]byte, error) {
	return result.EncodeConfig(configFields(c))
}
