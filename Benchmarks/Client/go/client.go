//===----------------------------------------------------------------------===//
//
// This source file is part of the swift-sse open source project
//
// Copyright (c) 2026 the swift-sse project authors
// Licensed under Apache License v2.0
//
// See LICENSE.txt for license information
// See CONTRIBUTORS.txt for the list of swift-sse project authors
//
// SPDX-License-Identifier: Apache-2.0
//
//===----------------------------------------------------------------------===//

// A Go SSE client written the way the tutorials write it: net/http GET, a bufio.Scanner over the
// body, lines split on "\n", "data:" lines collected until a blank line. Counts the firehose's
// events and prints events/s and MB/s like sse-client-bench.
package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	url := os.Args[1]
	for run := 1; run <= 3; run++ {
		start := time.Now()
		response, err := http.Get(url)
		if err != nil {
			panic(err)
		}
		scanner := bufio.NewScanner(response.Body)
		scanner.Buffer(make([]byte, 64*1024), 4*1024*1024)
		events, bytes := 0, 0
		var data []string
		for scanner.Scan() {
			line := scanner.Text()
			bytes += len(line) + 1
			if line == "" {
				if len(data) > 0 {
					_ = strings.Join(data, "\n")
					events++
					data = data[:0]
				}
				continue
			}
			if strings.HasPrefix(line, "data:") {
				data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
			}
		}
		response.Body.Close()
		seconds := time.Since(start).Seconds()
		fmt.Printf("{\"client\":\"Go net/http + bufio.Scanner\",\"run\":%d,\"events\":%d,\"eventsPerSecond\":%.0f,\"megabytesPerSecond\":%.1f}\n",
			run, events, float64(events)/seconds, float64(bytes)/seconds/1e6)
	}
}
