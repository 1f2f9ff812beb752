//go:build tools

// Package tools pins the Jaeger all-in-one the tests start; scripts/jaeger.sh builds it from here.
// A wrapper module is needed because Jaeger's go.mod has a replace directive, which
// `go install pkg@version` refuses; go.mod here repeats that replace.
package tools

import _ "github.com/jaegertracing/jaeger/cmd/jaeger"
