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

// A Go net/http SSE server written the way the tutorials write it: a channel per client, a
// mutex-guarded set of clients, a handler that writes each event and flushes. Same protocol as
// sse-load-server: GET /events streams; POST /broadcast?count=M&size=B publishes M events of B
// bytes, each starting with its publish time in nanoseconds (wall clock); with after=N it first
// waits for N subscribers, and with end=1 it ends every stream after the last event. With
// SSE_TLS_CERT and SSE_TLS_KEY set, it serves TLS, where net/http negotiates HTTP/2 by ALPN.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

type broker struct {
	mu      sync.Mutex
	clients map[chan string]struct{}
	nextID  int
}

func (b *broker) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	messages := make(chan string, 1024)
	b.mu.Lock()
	b.clients[messages] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		if _, present := b.clients[messages]; present {
			delete(b.clients, messages)
		}
		b.mu.Unlock()
	}()
	for {
		select {
		case <-r.Context().Done():
			return
		case message, open := <-messages:
			if !open {
				return
			}
			fmt.Fprint(w, message)
			flusher.Flush()
		}
	}
}

func (b *broker) broadcast(w http.ResponseWriter, r *http.Request) {
	count, _ := strconv.Atoi(r.URL.Query().Get("count"))
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	if count == 0 {
		count = 1000
	}
	if size == 0 {
		size = 64
	}
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	end := r.URL.Query().Get("end") == "1"
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, "publishing %d\n", count)
	go func() {
		for {
			b.mu.Lock()
			subscribers := len(b.clients)
			b.mu.Unlock()
			if subscribers >= after {
				break
			}
			time.Sleep(time.Millisecond)
		}
		for i := 0; i < count; i++ {
			stamp := strconv.FormatInt(time.Now().UnixNano(), 10)
			padding := size - len(stamp) - 1
			if padding < 0 {
				padding = 0
			}
			b.mu.Lock()
			b.nextID++
			message := fmt.Sprintf("id: %d\ndata: %s %s\n\n", b.nextID, stamp, strings.Repeat("x", padding))
			for client := range b.clients {
				client <- message
			}
			b.mu.Unlock()
		}
		if end {
			b.mu.Lock()
			for client := range b.clients {
				close(client)
				delete(b.clients, client)
			}
			b.mu.Unlock()
		}
	}()
}

// own is one connection's own stream, as a tutorial writes it: count events of size bytes, each
// written and flushed on its own.
func own(w http.ResponseWriter, r *http.Request) {
	count, _ := strconv.Atoi(r.URL.Query().Get("count"))
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	if count == 0 {
		count = 50000
	}
	if size == 0 {
		size = 64
	}
	flusher := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	data := strings.Repeat("x", size)
	for i := 1; i <= count; i++ {
		if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", i, data); err != nil {
			return
		}
		flusher.Flush()
	}
}

func main() {
	port := "8080"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	b := &broker{clients: map[chan string]struct{}{}}
	http.HandleFunc("/events", b.events)
	http.HandleFunc("/broadcast", b.broadcast)
	http.HandleFunc("/own", own)
	fmt.Println("go server: listening on 127.0.0.1:" + port)
	var err error
	if certificate := os.Getenv("SSE_TLS_CERT"); certificate != "" {
		err = http.ListenAndServeTLS("127.0.0.1:"+port, certificate, os.Getenv("SSE_TLS_KEY"), nil)
	} else {
		err = http.ListenAndServe("127.0.0.1:"+port, nil)
	}
	if err != nil {
		panic(err)
	}
}
