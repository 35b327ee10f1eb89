// Package nchan holds the tests that run ssebench's publisher mode against
// nginx with the nchan pub/sub module, a real server started on loopback
// from a configuration written for each test. It has no code of its own;
// see nchan_test.go.
//
// The tests need nginx and libnginx-mod-nchan (Debian; .ci/run installs
// them). Without them a test fails when CI=true and skips otherwise.
package nchan
