//go:build race

package store

// raceEnabled: timings mean little under the race detector, and large tests take minutes.
const raceEnabled = true
