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

import Foundation

/// The demo's page: a prompt box and an answer that types itself, from `/answer`.
///
/// `?prompt=…&autostart=1` asks at once (and `&pace=fast`, `&drop=1` as the checkboxes would):
/// that is how the browser test drives it. When the answer is complete, `body[data-state]` is
/// `done`. The answer's ID is kept for the tab (`sessionStorage`): after a refresh mid-answer the
/// page attaches to the same answer and shows it whole, once. Stop stops the answer on the server.
/// With `--upstream` (`body[data-mode]` is `upstream`) the drop and fast switches, which only the
/// built-in answers have, are off and say so.
enum Page {
    /// The page, for the built-in answers or for `--upstream`.
    static func html(upstream: Bool) -> String {
        upstream
            ? template.replacingOccurrences(of: #"data-mode="built-in""#, with: #"data-mode="upstream""#) : template
    }

    static let template = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>swift-sse typewriter</title>
        <style>
          body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
          h1 { font-size: 1.3rem; }
          form { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
          input[type=text] { flex: 1 1 20rem; padding: .5rem; font: inherit; }
          button { padding: .5rem 1rem; font: inherit; }
          #answer { white-space: pre-wrap; min-height: 6rem; margin-top: 1rem; padding: 1rem; background: #f6f6f4; border-radius: 6px; }
          #cursor { display: inline-block; width: .55em; background: #222; animation: blink 1s steps(1) infinite; }
          #cursor[hidden] { display: none; }
          @keyframes blink { 50% { opacity: 0; } }
          .status { display: flex; gap: 1rem; align-items: center; margin-top: .75rem; font-size: .9rem; color: #555; }
          progress { flex: 1; }
          .state { font-weight: 600; }
          body[data-state=failed] .state { color: #b3261e; }
          #error { margin-top: .75rem; padding: .75rem 1rem; border-left: 4px solid #b3261e; border-radius: 6px; background: #fbeae9; color: #8c1d18; }
          label { font-size: .9rem; color: #555; }
          label:has(:disabled) { color: #999; }
          #mode-note { flex-basis: 100%; font-size: .85rem; color: #555; }
        </style>
        </head>
        <body data-state="idle" data-error="" data-mode="built-in" data-answer="">
        <h1>Typewriter: an answer streamed token by token over Server-Sent Events</h1>
        <form id="ask">
          <input type="text" id="prompt" placeholder="Ask anything" value="How does streaming work?" autofocus>
          <button type="submit" id="go">Ask</button>
          <button type="button" id="stop" disabled>Stop</button>
          <label><input type="checkbox" id="drop"> drop the connection mid-answer</label>
          <label><input type="checkbox" id="fast"> fast</label>
          <small id="mode-note" hidden>Answers come from the upstream API: "drop" and "fast" apply to the built-in answers only.</small>
        </form>
        <div id="answer"><span id="text"></span><span id="cursor" hidden>&nbsp;</span></div>
        <p id="error" role="alert" hidden></p>
        <div class="status">
          <span class="state" id="state">idle</span>
          <progress id="progress" value="0" max="1"></progress>
          <span id="count">0/0</span>
          <span>last ID: <code id="last-id">–</code></span>
        </div>
        <script>
        const $ = (id) => document.getElementById(id);
        let source = null;
        // The answer's progress: the last chunk's index, and its total (0 while an upstream answer streams).
        let received = 0;
        let total = 0;
        // The answer's ID, for Stop, and kept for this tab so that a refresh attaches to it again.
        let answer = "";
        const saved = "typewriter-answer";
        const upstream = document.body.dataset.mode === "upstream";
        // A page that is leaving (a refresh) sees its stream close: that is no reason to forget the answer.
        let leaving = false;
        addEventListener("beforeunload", () => { leaving = true; });
        addEventListener("pagehide", () => { leaving = true; });
        if (upstream) {
          $("drop").checked = $("fast").checked = false;
          $("drop").disabled = $("fast").disabled = true;
          $("mode-note").hidden = false;
        }

        function setState(state) {
          $("state").textContent = state;
          document.body.dataset.state = state;
          $("cursor").hidden = !(state === "streaming" || state === "connecting" || state === "reconnecting");
          $("stop").disabled = !source;
        }

        function stop(state) {
          if (source) { source.close(); source = null; }
          // An unknown total left the bar indeterminate, which would look like it is still going.
          if (!$("progress").hasAttribute("value")) $("progress").value = 0;
          setState(state);
        }

        function showError(message) {
          $("error").textContent = message;
          $("error").hidden = !message;
          document.body.dataset.error = message;
        }

        function fail(message) {
          showError(message);
          stop("failed");
        }

        function showProgress() {
          if (total > 0) {
            $("progress").max = total;
            $("progress").value = received;
            $("count").textContent = `${received}/${total}`;
          } else {
            $("progress").removeAttribute("value");
            $("count").textContent = String(received);
          }
        }

        function reset() {
          stop("connecting");
          showError("");
          received = 0;
          total = 0;
          answer = document.body.dataset.answer = "";
          $("last-id").textContent = "–";
          $("text").textContent = "";
          $("progress").value = 0;
          $("count").textContent = "0/0";
        }

        // Streams an answer: a new one, or one this tab had before a refresh, from its start.
        function open(url) {
          source = new EventSource(url);
          setState("connecting");
          source.onopen = () => setState("streaming");
          source.onerror = () => {
            if (!source || leaving) return;
            if (source.readyState === EventSource.CONNECTING) {
              setState("reconnecting");
            } else {
              // Closed for good: the server answered 204, it has nothing more of this answer.
              sessionStorage.removeItem(saved);
              fail("The server has no more of this answer (it restarted, or the answer expired). Ask again.");
            }
          };
          source.addEventListener("start", (event) => {
            const start = JSON.parse(event.data);
            answer = document.body.dataset.answer = start.answer;
            sessionStorage.setItem(saved, start.answer);
            // An answer attached again comes from its start: it is shown once.
            $("text").textContent = "";
            received = 0;
            total = start.total;
            showProgress();
            setState("streaming");
            $("last-id").textContent = event.lastEventId;
          });
          source.addEventListener("chunk", (event) => {
            if (document.body.dataset.shutdown) { delete document.body.dataset.shutdown; showError(""); }
            const chunk = JSON.parse(event.data);
            $("text").textContent += chunk.text;
            received = chunk.index;
            total = chunk.total;
            // Chunks shown since the page loaded: each once.
            document.body.dataset.chunks = String(Number(document.body.dataset.chunks || 0) + 1);
            showProgress();
            $("last-id").textContent = event.lastEventId;
          });
          // The server is stopping.
          source.addEventListener("shutdown", () => {
            document.body.dataset.shutdown = "1";
            showError("The server is stopping.");
          });
          // The end of every answer: completed, stopped (in another tab too), or failed with words for people.
          source.addEventListener("sse-generation-end", (event) => {
            sessionStorage.removeItem(saved);
            let end = {};
            try { end = JSON.parse(event.data); } catch {}
            if (end.reason === "completed") {
              if (total === 0) total = received;
              showProgress();
              stop("done");
            } else if (end.reason === "stopped") {
              stop("stopped");
            } else {
              fail(end.message || "The answer was cut short.");
            }
          });
        }

        function ask(prompt) {
          reset();
          const query = new URLSearchParams({ prompt });
          if ($("drop").checked) query.set("drop", "1");
          if ($("fast").checked) query.set("pace", "fast");
          open("/answer?" + query);
        }

        $("ask").addEventListener("submit", (event) => { event.preventDefault(); ask($("prompt").value); });
        // The answer runs on the server whatever the page does, so Stop tells the server, which
        // stops writing it (with --upstream, its upstream request too).
        $("stop").addEventListener("click", () => {
          const stopping = answer;
          stop("stopped");
          sessionStorage.removeItem(saved);
          if (stopping) {
            fetch("/answer/stop?answer=" + encodeURIComponent(stopping), { method: "POST" })
              .then((response) => { document.body.dataset.stop = String(response.status); })
              .catch(() => {});
          }
        });

        const params = new URLSearchParams(location.search);
        if (params.has("prompt")) $("prompt").value = params.get("prompt");
        if (params.get("drop") === "1") $("drop").checked = true;
        if (params.get("pace") === "fast") $("fast").checked = true;
        // After a refresh mid-answer, the same answer, whole; else a new one if asked for.
        const previous = sessionStorage.getItem(saved);
        if (previous) {
          reset();
          // Stop works before the answer's first event comes back.
          answer = document.body.dataset.answer = previous;
          open("/answer?answer=" + encodeURIComponent(previous));
        } else if (params.get("autostart") === "1") {
          ask($("prompt").value);
        }
        </script>
        </body>
        </html>
        """#
}
