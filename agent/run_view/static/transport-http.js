/* The browser page's transport: the /v1 API with the caller's token as the Authorization header (never in a URL),
   and a response's events read as server-sent events with fetch (EventSource cannot send a header). A dropped
   connection is resumed with Last-Event-ID = the last sequence number applied, so nothing is repeated or lost. */
(function () {
  "use strict";

  var END_TYPES = { "response.completed": true, "response.failed": true, "response.cancelled": true,
                    "response.incomplete": true };
  var SETTLED = { completed: true, failed: true, cancelled: true, incomplete: true };
  var RETRY_MIN_MS = 500;
  var RETRY_MAX_MS = 10000;

  function ApiError(status, body) {
    var error = (body && body.error) || {};
    this.name = "ApiError";
    this.status = status;
    this.code = error.code || null;
    this.message = (error.code ? error.code + ": " : "") + (error.message || "HTTP " + status);
  }
  ApiError.prototype = Object.create(Error.prototype);

  /* Splits an event stream into events as the SSE spec reads it: lines end at CR, LF or CRLF; a blank line
     dispatches; lines starting with ":" are comments (keep-alives). */
  function SseParser(onEvent) {
    this.buffer = "";
    this.data = [];
    this.id = null;
    this.onEvent = onEvent;
  }
  SseParser.prototype.push = function (text, final) {
    this.buffer += text;
    var start = 0;
    for (;;) {
      var cr = this.buffer.indexOf("\r", start);
      var lf = this.buffer.indexOf("\n", start);
      var end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      if (end < 0) break;
      // A CR at the very end may be the first half of a CRLF split across chunks: wait for the next chunk.
      if (end === cr && end === this.buffer.length - 1 && !final) break;
      this.line(this.buffer.slice(start, end));
      start = end + (end === cr && this.buffer.charAt(end + 1) === "\n" ? 2 : 1);
    }
    this.buffer = this.buffer.slice(start);
  };
  SseParser.prototype.line = function (line) {
    if (line === "") {
      if (this.data.length) {
        var text = this.data.join("\n");
        this.data = [];
        this.onEvent(JSON.parse(text), this.id);
      }
      return;
    }
    if (line.charAt(0) === ":") return;
    var colon = line.indexOf(":");
    var field = colon < 0 ? line : line.slice(0, colon);
    var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") this.data.push(value);
    else if (field === "id") this.id = value;
  };

  function HttpTransport(token) {
    this.token = token;
  }

  HttpTransport.prototype.headers = function (extra) {
    var headers = { "Authorization": "Bearer " + this.token };
    Object.keys(extra || {}).forEach(function (key) { headers[key] = extra[key]; });
    return headers;
  };

  HttpTransport.prototype.request = function (method, path, body) {
    var init = { method: method, headers: this.headers(body ? { "Content-Type": "application/json" } : {}),
                 cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
    if (body) init.body = JSON.stringify(body);
    return fetch(path, init).then(function (reply) {
      return reply.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        if (!reply.ok) throw new ApiError(reply.status, parsed);
        return parsed;
      });
    });
  };

  HttpTransport.prototype.list = function (query) {
    var params = new URLSearchParams();
    Object.keys(query || {}).forEach(function (key) { if (query[key] !== undefined && query[key] !== null) params.set(key, query[key]); });
    return this.request("GET", "/v1/responses" + (params.toString() ? "?" + params : ""));
  };
  HttpTransport.prototype.get = function (id) { return this.request("GET", "/v1/responses/" + encodeURIComponent(id)); };
  HttpTransport.prototype.inputItems = function (id) {
    return this.request("GET", "/v1/responses/" + encodeURIComponent(id) + "/input_items?order=asc&limit=1");
  };
  HttpTransport.prototype.models = function () { return this.request("GET", "/v1/models"); };
  HttpTransport.prototype.config = function () { return this.request("GET", "/api/config/model"); };
  HttpTransport.prototype.create = function (body) { return this.request("POST", "/v1/responses", body); };
  HttpTransport.prototype.approve = function (id, decision) {
    return this.request("POST", "/v1/responses/" + encodeURIComponent(id) + "/approvals", decision);
  };
  HttpTransport.prototype.cancel = function (id) {
    return this.request("POST", "/v1/responses/" + encodeURIComponent(id) + "/cancel");
  };

  /* Follows a response's events from after ``view.lastSequence`` until the stream ends with an end event
     (settled, or paused for approval), reconnecting after a dropped connection. ``apply(event)`` is the view's
     applyEvent. Resolves with the last end event's type; rejects on a refusal (401, 404...). */
  HttpTransport.prototype.follow = function (id, view, signal) {
    var self = this;
    var delay = RETRY_MIN_MS;
    function attempt() {
      var ended = null;
      var parser = new SseParser(function (event) {
        view.applyEvent(event);
        // A paused response that was resumed replays on past its response.incomplete: only the last event counts.
        ended = END_TYPES[event.type] ? event.type : null;
      });
      var headers = self.headers({ "Accept": "text/event-stream", "Last-Event-ID": String(view.lastSequence) });
      return fetch("/v1/responses/" + encodeURIComponent(id) + "/events",
                   { headers: headers, cache: "no-store", credentials: "omit", signal: signal })
        .then(function (reply) {
          if (!reply.ok) {
            return reply.text().then(function (text) {
              var parsed = null;
              try { parsed = JSON.parse(text); } catch (e) { parsed = null; }
              var error = new ApiError(reply.status, parsed);
              error.fatal = reply.status < 500;
              throw error;
            });
          }
          var reader = reply.body.getReader();
          var decoder = new TextDecoder();
          function pump() {
            return reader.read().then(function (chunk) {
              if (chunk.done) { parser.push(decoder.decode(), true); return; }
              parser.push(decoder.decode(chunk.value, { stream: true }), false);
              delay = RETRY_MIN_MS;  // data flows again: the next drop retries quickly
              return pump();
            });
          }
          return pump();
        })
        .then(function () { return ended; });
    }
    function loop() {
      return attempt().then(function (ended) {
        // A stream that ends without an end event was cut (or resumed past the end of a settled response).
        if (ended || SETTLED[view.status]) return ended || view.status;
        return retry();
      }, function (error) {
        if ((signal && signal.aborted) || error.fatal) throw error;
        return retry();
      });
    }
    function retry() {
      if (signal && signal.aborted) return Promise.resolve(null);
      var wait = delay;
      delay = Math.min(delay * 2, RETRY_MAX_MS);
      return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(loop);
    }
    return loop();
  };

  window.MLInternHttp = { HttpTransport: HttpTransport, ApiError: ApiError, SseParser: SseParser };
})();
