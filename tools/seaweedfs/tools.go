//go:build tools

// Package tools pins the SeaweedFS server the S3 tests start; scripts/seaweedfs.sh builds it from
// here. A wrapper module is needed because SeaweedFS's go.mod has a replace directive, which
// `go install pkg@version` refuses; go.mod here repeats that replace.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
