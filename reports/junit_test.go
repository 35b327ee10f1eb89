package reports

import (
	"bytes"
	"encoding/xml"
	"testing"
)

func TestJUnit_golden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := JUnit(&buf, thresholdSample(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "junit.xml.golden", buf.Bytes())

	// What CI systems read: one test case per threshold, failures counted.
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit output is not XML: %v", err)
	}
	if doc.Tests != 4 || doc.Failures != 2 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 4 {
		t.Fatalf("tests = %d, failures = %d, suites = %d, want 4, 2, 1 with 4 cases", doc.Tests, doc.Failures, len(doc.Suites))
	}
	c := doc.Suites[0].Cases
	if got, want := c[0].Name, "fanout.p99 < 50ms"; got != want || c[0].Failure != nil {
		t.Errorf("case 0 = %q (failure %v), want %q passing", got, c[0].Failure, want)
	}
	if c[1].Failure == nil || c[1].Failure.Message != "measured 1.9608%, want errors.rate < 0.1%" {
		t.Errorf("case 1 failure = %+v, want the measured value in the message", c[1].Failure)
	}
}

func TestJUnit_noThresholds(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := JUnit(&buf, sampleRun(t, "", 1)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests int `xml:"tests,attr"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Tests != 0 {
		t.Errorf("empty JUnit: tests = %d, err = %v; want 0, nil", doc.Tests, err)
	}
}

func TestJUnit_interruptedIsAnError(t *testing.T) {
	t.Parallel()
	r := thresholdSample(t)
	r.Interrupted = true
	var buf bytes.Buffer
	if err := JUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests  int `xml:"tests,attr"`
		Errors int `xml:"errors,attr"`
		Suites []struct {
			Errors int `xml:"errors,attr"`
			Cases  []struct {
				Name  string `xml:"name,attr"`
				Error *struct {
					Type string `xml:"type,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 5 || doc.Errors != 1 || doc.Suites[0].Errors != 1 {
		t.Fatalf("tests = %d, errors = %d (suite %d), want 5, 1, 1:\n%s", doc.Tests, doc.Errors, doc.Suites[0].Errors, buf.String())
	}
	last := doc.Suites[0].Cases[len(doc.Suites[0].Cases)-1]
	if last.Name != "run completed" || last.Error == nil || last.Error.Type != "interrupted" {
		t.Errorf("last case = %+v, want \"run completed\" with an interrupted error", last)
	}
}
