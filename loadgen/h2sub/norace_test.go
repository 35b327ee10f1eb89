//go:build !race

package h2sub

const raceEnabled = false
