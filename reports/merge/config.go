package merge

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// interval reads the time-series interval from a config echo; 1 s when it
// has none.
func interval(r *result.Report) time.Duration {
	var c struct {
		Interval time.Duration `json:"interval"`
	}
	if err := json.Unmarshal(r.Config, &c); err != nil || c.Interval <= 0 {
		return time.Second
	}
	return c.Interval
}

// wholeRunConfig returns r's config echo with the per-shard keys set back
// to the whole run's values, so the merged result describes the whole
// load.
func wholeRunConfig(r *result.Report) (json.RawMessage, error) {
	if len(r.Config) == 0 {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.Config, &m); err != nil {
		return nil, fmt.Errorf("merge: config: %w", err)
	}
	sh := r.Shard
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		m[k] = b
	}
	if sh.TotalStages != "" {
		st, err := parseStages(sh.TotalStages)
		if err != nil {
			return nil, fmt.Errorf("merge: shard's total_stages %q: %w", sh.TotalStages, err)
		}
		set("stages", st)
		if string(m["subscribers"]) != "0" {
			set("subscribers", sh.TotalSubscribers)
		}
	} else {
		set("subscribers", sh.TotalSubscribers)
	}
	if _, ok := m["connect_rate"]; ok {
		set("connect_rate", sh.TotalConnectRate)
	}
	if sh.TotalPublishRate != 0 {
		set("publish_rate", sh.TotalPublishRate)
	}
	return json.Marshal(m)
}

// stage is one stage in the config echo's layout.
type stage struct {
	Duration time.Duration `json:"duration"`
	Target   int           `json:"target"`
}

// parseStages reads "DURATION:TARGET,…" as a shard wrote it.
func parseStages(s string) ([]stage, error) {
	var out []stage
	for _, tok := range strings.Split(s, ",") {
		d, t, ok := strings.Cut(tok, ":")
		if !ok {
			return nil, fmt.Errorf("stage %q: want DURATION:TARGET", tok)
		}
		dur, err := time.ParseDuration(d)
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(t)
		if err != nil {
			return nil, err
		}
		out = append(out, stage{dur, n})
	}
	return out, nil
}
