package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/ssebench/ssebench/reports/result"
)

// JUnit writes the run's threshold results as a JUnit XML report, the
// format CI systems (GitHub Actions test reporters, GitLab, Jenkins) show
// as test results: one <testsuite> named after the run, one <testcase>
// per threshold, and a <failure> with the measured value for each that
// failed. A run without thresholds gives an empty suite. An interrupted
// run adds a test case "run completed" with an <error>: its figures cover
// only part of what was asked, so a CI report must not show it green.
//
// The layout follows the common subset every consumer reads (the Ant
// JUnit schema): testsuites > testsuite > testcase > failure.
func JUnit(w io.Writer, r *result.Report) error {
	suite := junitSuite{
		Name:      "ssebench thresholds: " + r.Name(),
		Tests:     len(r.Thresholds),
		Failures:  len(result.FailedThresholds(r.Thresholds)),
		Time:      strconv.FormatFloat(r.DurationS, 'f', 3, 64),
		Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{
			{"tool", r.Tool},
			{"target", r.Target},
			{"protocol", r.Protocol},
			{"latency_source", r.LatencySource},
		},
	}
	for _, t := range r.Thresholds {
		tc := junitCase{Name: t.Expression, Classname: "ssebench.thresholds", Time: "0"}
		if !t.Pass {
			msg := fmt.Sprintf("measured %s, want %s", t.MeasuredText(), t.Expression)
			if t.Measured == nil {
				msg = fmt.Sprintf("%s: %s", t.Expression, t.Message)
			}
			tc.Failure = &junitFailure{Message: msg, Type: "threshold", Text: msg}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	if r.Interrupted {
		msg := fmt.Sprintf("the run was interrupted (SIGINT or SIGTERM) after %.1f s of steady state: the figures cover part of the run", r.DurationS)
		suite.Cases = append(suite.Cases, junitCase{Name: "run completed", Classname: "ssebench.run", Time: "0",
			Error: &junitFailure{Message: msg, Type: "interrupted", Text: msg}})
		suite.Tests++
		suite.Errors++
	}
	doc := junitSuites{Name: "ssebench", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}
