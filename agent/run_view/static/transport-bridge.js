/* The MCP App's transport: the same viewer, fed by this server's own tools called through the host (MCP Apps,
   JSON-RPC over postMessage). The host renders this document for a submit_task or get_response result and hands
   it that result (ui/notifications/tool-result); the view then polls get_response with since_sequence, and its
   buttons call approve, cancel and submit_task. There is no token here: the host's connection carries it. */
(function () {
  "use strict";

  var PROTOCOL_VERSION = "2026-01-26";
  var POLL_WAIT_SECONDS = 25;
  var RETRY_MS = 2000;
  var viewer = window.MLInternViewer;
  var nextId = 1;
  var pending = {};
  var view = null;
  var responseId = null;
  var polling = false;

  function post(message) { window.parent.postMessage(message, "*"); }

  function request(method, params) {
    var id = nextId++;
    return new Promise(function (resolve, reject) {
      pending[id] = { resolve: resolve, reject: reject };
      post({ jsonrpc: "2.0", id: id, method: method, params: params || {} });
    });
  }

  function notify(method, params) { post({ jsonrpc: "2.0", method: method, params: params || {} }); }

  function callTool(name, args) {
    return request("tools/call", { name: name, arguments: args }).then(function (result) {
      if (result && result.isError) {
        var text = (result.content || []).map(function (block) { return block.text || ""; }).join(" ");
        throw new Error(text || name + " failed");
      }
      return result ? result.structuredContent : null;
    });
  }

  function ensureView() {
    if (view) return view;
    var root = document.getElementById("run");
    view = new viewer.RunView(root, {
      approve: function (decision) {
        var args = { response_id: responseId, approve: decision.approve };
        if (decision.new_max_cost_usd !== undefined) args.new_max_cost_usd = decision.new_max_cost_usd;
        if (decision.feedback !== undefined) args.feedback = decision.feedback;
        return callTool("approve", args).then(function (snap) { view.applySnapshot(snap); poll(); });
      },
      cancel: function () {
        return callTool("cancel", { response_id: responseId }).then(function (snap) { view.applySnapshot(snap); });
      },
      followUp: function (text) {
        var args = { input: text, previous_response_id: responseId, wait_seconds: 0 };
        if (view.maxCost) args.max_cost_usd = view.maxCost;
        return callTool("submit_task", args).then(show);
      },
      openLink: function (url, event) {
        // Hosts may not let the frame navigate: ask the host to open it.
        event.preventDefault();
        request("ui/open-link", { url: url }).catch(function () { /* the host refused */ });
      }
    });
    return view;
  }

  /* A full snapshot of a (possibly new) response: show it and follow it. */
  function show(snap) {
    if (!snap || !snap.response_id) return;
    ensureView();
    if (snap.response_id !== responseId) {
      responseId = snap.response_id;
      view.reset(responseId);
    }
    view.applySnapshot(snap);
    poll();
  }

  function poll() {
    if (polling || !viewer.ACTIVE[view.status]) return;
    polling = true;
    var id = responseId;
    var since = view.lastSequence;
    callTool("get_response", { response_id: id, since_sequence: since, wait_seconds: POLL_WAIT_SECONDS })
      .then(function (snap) {
        polling = false;
        // A snapshot of another response (the view moved on) or from an older position is dropped.
        if (id === responseId) view.applySnapshot(snap, since);
        poll();
      }, function (error) {
        polling = false;
        view.showError(error.message);
        setTimeout(poll, RETRY_MS);
      });
  }

  function onResult(result) {
    if (result && result.isError) {
      ensureView().showError((result.content || []).map(function (block) { return block.text || ""; }).join(" "));
      return;
    }
    show(result && result.structuredContent);
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) return;
    var message = event.data;
    if (!message || message.jsonrpc !== "2.0") return;
    if (message.id !== undefined && !message.method) {
      var waiter = pending[message.id];
      if (!waiter) return;
      delete pending[message.id];
      if (message.error) waiter.reject(new Error(message.error.message || "request failed"));
      else waiter.resolve(message.result);
      return;
    }
    if (message.method === "ui/notifications/tool-result") onResult(message.params);
    else if (message.method === "ui/notifications/host-context-changed") theme(message.params);
    else if (message.method === "ui/resource-teardown") post({ jsonrpc: "2.0", id: message.id, result: {} });
    else if (message.method === "ping" && message.id !== undefined) post({ jsonrpc: "2.0", id: message.id, result: {} });
  });

  function theme(context) {
    if (context && context.theme) document.body.classList.toggle("theme-dark", context.theme === "dark");
  }

  function reportSize() {
    notify("ui/notifications/size-changed", { width: document.documentElement.scrollWidth,
                                              height: document.documentElement.scrollHeight });
  }

  request("ui/initialize", {
    appInfo: { name: "ml-intern-run-view", version: "1" },
    appCapabilities: { availableDisplayModes: ["inline"] },
    protocolVersion: PROTOCOL_VERSION
  }).then(function (result) {
    theme(result && result.hostContext);
    notify("ui/notifications/initialized", {});
    if (window.ResizeObserver) new ResizeObserver(reportSize).observe(document.body);
  }, function () { /* not inside an MCP Apps host */ });
})();
