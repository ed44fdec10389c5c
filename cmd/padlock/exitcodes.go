package main

// Exit codes of SPEC.md. They are public: CI jobs branch on them.
const (
	exitOK       = 0 // crawl finished, no finding at or above --fail-on
	exitFindings = 1 // crawl finished, at least one finding at or above --fail-on
	exitTrouble  = 2 // usage or configuration error, no start URL fetched, or interrupted
)
