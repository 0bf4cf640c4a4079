/* The run viewer, shared by the browser page and the MCP App. It keeps one run's state and draws it; a transport
   feeds it (transport-http.js: the response's events over fetch + SSE; transport-bridge.js: get_response snapshots
   through an MCP host) and carries out the user's actions (approve, deny, raise the cap, cancel, follow up).
   Nothing here reads or holds a token. Answer text is Markdown, rendered by marked and sanitized by DOMPurify
   before it touches the DOM; every other string goes in as text. */
(function () {
  "use strict";

  var ACTIVE = { queued: true, in_progress: true };
  var SETTLED = { completed: true, failed: true, cancelled: true, incomplete: true };
  var SNAPSHOT_EVENTS = {
    "response.created": true, "response.queued": true, "response.in_progress": true, "response.completed": true,
    "response.failed": true, "response.incomplete": true, "response.cancelled": true
  };
  // Below this, a tool call's start and end arrived together (a replay): no duration is shown rather than a false one.
  var OBSERVED_DURATION_MIN_MS = 20;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = String(value);
        else if (key === "className") node.className = value;
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  var purifyConfigured = false;
  function renderMarkdown(text) {
    var purify = window.DOMPurify;
    if (!purifyConfigured) {
      // Links leave the page in a new tab, without the referrer (which carries the run id).
      purify.addHook("afterSanitizeAttributes", function (node) {
        if (node.tagName === "A" && node.getAttribute("href")) {
          node.setAttribute("target", "_blank");
          node.setAttribute("rel", "noopener noreferrer nofollow");
        }
      });
      purifyConfigured = true;
    }
    var html = window.marked.parse(String(text), { gfm: true, async: false });
    return purify.sanitize(html, {
      USE_PROFILES: { html: true },
      FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "object", "embed"],
      FORBID_ATTR: ["style"]
    });
  }

  function money(value) {
    if (typeof value !== "number" || !isFinite(value)) return "–";
    if (value === 0) return "$0";
    return value < 0.01 ? "$" + value.toPrecision(2) : "$" + value.toFixed(2);
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function statusLabel(status, incomplete) {
    if (status === "incomplete" && incomplete && incomplete.reason) return "incomplete: " + incomplete.reason;
    return String(status || "unknown").replace("_", " ");
  }

  /* actions: { approve(decision) -> Promise, cancel() -> Promise, followUp(text) -> Promise,
                runHref(id) -> string|null, openLink(url, event)? } */
  function RunView(root, actions) {
    this.root = root;
    this.actions = actions;
    this.build();
    this.reset(null);
  }

  RunView.prototype.build = function () {
    var self = this;
    this.root.textContent = "";
    this.statusNode = el("span", { className: "status", role: "status", "aria-live": "polite" });
    this.title = el("h1", { text: "Run" });
    this.metaNode = el("p", { className: "meta" });
    this.linksNode = el("p", { className: "meta" });
    this.taskSummary = el("summary");
    this.taskText = el("p", { className: "task" });
    this.taskNode = el("details", { className: "task-box", hidden: true }, this.taskSummary, this.taskText);
    this.meter = el("meter", { id: "spend-meter", min: 0, max: 1, value: 0, "aria-labelledby": "spend-label" });
    this.spendText = el("span", { id: "spend-label" });
    this.errorNode = el("p", { className: "error", role: "alert" });
    this.failureNode = el("p", { className: "error", id: "run-failure" });

    this.cancelButton = el("button", { type: "button", className: "danger", id: "cancel-run", text: "Cancel run" });
    this.cancelButton.addEventListener("click", function () {
      self.act(self.cancelButton, function () { return self.actions.cancel(); });
    });

    // Approval: the pending actions, their estimates, and the three decisions.
    this.approvalActions = el("ul", { className: "actions-list" });
    this.approvalBudget = el("p", { className: "meta" });
    this.feedback = el("textarea", { id: "approval-feedback", rows: 2, maxlength: 20000 });
    this.newCap = el("input", { id: "approval-cap", type: "number", min: "0.0001", max: "500", step: "any" });
    this.approveButton = el("button", { type: "button", id: "approve", text: "Approve" });
    this.denyButton = el("button", { type: "button", id: "deny", className: "danger", text: "Deny" });
    this.raiseButton = el("button", { type: "button", id: "raise-approve", className: "secondary",
                                      text: "Raise cap and approve" });
    this.approveButton.addEventListener("click", function () {
      self.act(self.approveButton, function () { return self.actions.approve({ approve: true }); });
    });
    this.denyButton.addEventListener("click", function () {
      var feedback = self.feedback.value.trim();
      self.act(self.denyButton, function () {
        return self.actions.approve(feedback ? { approve: false, feedback: feedback } : { approve: false });
      });
    });
    this.raiseButton.addEventListener("click", function () {
      var cap = Number(self.newCap.value);
      if (!(cap > 0 && cap <= 500)) { self.showError("Enter a new cap between 0 and 500 USD."); return; }
      self.act(self.raiseButton, function () { return self.actions.approve({ approve: true, new_max_cost_usd: cap }); });
    });
    this.approval = el("section", { className: "card approval", "aria-labelledby": "approval-title", hidden: true },
      el("h2", { id: "approval-title", text: "Approval needed" }),
      this.approvalActions, this.approvalBudget,
      el("label", { "for": "approval-feedback", text: "Feedback for the agent (sent with Deny)" }), this.feedback,
      el("label", { "for": "approval-cap", text: "New spend cap (USD)" }), this.newCap,
      el("div", null, this.approveButton, this.raiseButton, this.denyButton));

    this.answer = el("div", { className: "answer", id: "answer" });
    // Inside an MCP host the frame may not open windows: links in the answer go through the host too.
    this.answer.addEventListener("click", function (event) {
      var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
      var href = link ? safeUrl(link.href) : null;
      if (href && self.actions.openLink) self.actions.openLink(href, event);
    });
    this.answerEmpty = el("p", { className: "hint", text: "No answer text yet." });
    this.timeline = el("ol", { className: "timeline", id: "timeline" });
    this.planList = el("ul", { className: "plan", id: "plan" });
    this.planSection = el("section", { hidden: true, "aria-labelledby": "plan-title" },
      el("h2", { id: "plan-title", text: "Plan" }), this.planList);
    this.artifactList = el("ul", { id: "artifacts" });
    this.artifactSection = el("section", { hidden: true, "aria-labelledby": "artifacts-title" },
      el("h2", { id: "artifacts-title", text: "Artifacts" }), this.artifactList);

    this.followText = el("textarea", { id: "followup-input", rows: 3, maxlength: 100000 });
    // A button, not a form submission: an MCP host's sandboxed frame (no allow-forms) never fires submit.
    this.followButton = el("button", { type: "button", text: "Send follow-up" });
    this.followForm = el("form", { className: "card followup", hidden: true, "aria-labelledby": "followup-title" },
      el("h2", { id: "followup-title", text: "Follow up" }),
      el("label", { "for": "followup-input", text: "Continue this session (same context and budget)" }),
      this.followText, this.followButton);
    this.followForm.addEventListener("submit", function (event) { event.preventDefault(); });
    this.followButton.addEventListener("click", function () {
      var text = self.followText.value.trim();
      if (!text) { self.showError("Write the follow-up first."); return; }
      self.act(self.followButton, function () { return self.actions.followUp(text); });
    });

    this.root.appendChild(el("div", { className: "run-head" }, this.title, this.statusNode));
    this.root.appendChild(this.metaNode);
    this.root.appendChild(this.linksNode);
    this.root.appendChild(this.taskNode);
    this.root.appendChild(el("div", { className: "spend" }, this.spendText, this.meter));
    this.root.appendChild(this.failureNode);
    this.root.appendChild(this.errorNode);
    this.root.appendChild(this.approval);
    this.root.appendChild(el("div", null, this.cancelButton));
    this.root.appendChild(el("div", { className: "layout" },
      el("section", { "aria-labelledby": "answer-title" },
        el("h2", { id: "answer-title", text: "Answer" }), this.answerEmpty, this.answer),
      el("div", null, this.planSection, this.artifactSection,
        el("section", { "aria-labelledby": "timeline-title" },
          el("h2", { id: "timeline-title", text: "Timeline" }), this.timeline))));
    this.root.appendChild(this.followForm);
  };

  RunView.prototype.reset = function (responseId) {
    this.responseId = responseId;
    this.lastSequence = -1;
    this.status = null;
    this.model = null;
    this.sessionId = null;
    this.previousId = null;
    this.maxCost = null;
    this.spent = 0;
    this.pending = null;
    this.incomplete = null;
    this.failure = null;
    this.messages = {};   // item id -> { text, node, dirty }
    this.tools = {};      // item id -> entry
    this.reasoning = {};  // item id -> entry
    this.artifacts = {};  // url -> true
    this.answer.textContent = "";
    this.timeline.textContent = "";
    this.artifactList.textContent = "";
    this.planList.textContent = "";
    this.planSection.hidden = true;
    this.artifactSection.hidden = true;
    this.errorNode.textContent = "";
    this.failureNode.textContent = "";
    this.title.textContent = responseId ? "Run " + responseId : "Run";
    this.render();
  };

  RunView.prototype.setTask = function (text) {
    text = text || "";
    var first = text.split(/\r?\n/)[0];
    this.taskSummary.textContent = "Task: " + (first.length > 120 ? first.slice(0, 119) + "…" : first);
    this.taskText.textContent = text;
    this.taskNode.hidden = !text;
  };

  RunView.prototype.setLinks = function (links) {
    // links: [{ href, text }] — the session's other turns.
    this.linksNode.textContent = "";
    var self = this;
    (links || []).forEach(function (link, index) {
      if (index) self.linksNode.appendChild(document.createTextNode(" · "));
      self.linksNode.appendChild(link.href ? el("a", { href: link.href, text: link.text }) : el("span", { text: link.text }));
    });
  };

  RunView.prototype.showError = function (message) {
    this.errorNode.textContent = message || "";
  };

  RunView.prototype.act = function (button, run) {
    var self = this;
    button.disabled = true;
    this.showError("");
    return Promise.resolve().then(run).catch(function (error) {
      self.showError(error && error.message ? error.message : String(error));
    }).then(function () { button.disabled = false; self.render(); });
  };

  // ------------------------------------------------------------------------------------- the event stream

  /* One event of the response's log. Returns false for an event already applied (a resumed or replayed stream
     repeats nothing: sequence numbers are gapless and increasing). */
  RunView.prototype.applyEvent = function (event) {
    var seq = event.sequence_number;
    if (typeof seq === "number" && seq <= this.lastSequence) return false;
    if (typeof seq === "number") this.lastSequence = seq;
    var type = event.type;
    if (SNAPSHOT_EVENTS[type]) {
      this.applyResponse(event.response || {});
      if (type !== "response.created" && type !== "response.queued") {
        this.addMarker(type === "response.in_progress" ? "Running" : statusLabel(this.status, this.incomplete),
                       this.status);
      }
    } else if (type === "response.output_item.added" || type === "response.output_item.done") {
      this.applyItem(event.item || {}, type === "response.output_item.done");
    } else if (type === "response.output_text.delta") {
      var message = this.message(event.item_id);
      message.text += event.delta || "";
      this.markDirty(message);
    } else if (type === "response.output_text.done") {
      var done = this.message(event.item_id);
      if (typeof event.text === "string") { done.text = event.text; this.markDirty(done); }
    } else if (type === "response.reasoning_text.delta") {
      var thinking = this.thinking(event.item_id);
      thinking.text += event.delta || "";
      thinking.pre.textContent = thinking.text;
    } else if (type === "response.output_item.discarded") {
      this.discard(event.item_id);
    } else if (type === "response.tool_log") {
      this.appendLog(event.item_id, event.text || "");
    } else if (type === "response.artifact.created") {
      this.addArtifact(event.artifact);
    } else if (type === "response.approval_required") {
      this.pending = { actions: event.actions || [], budget: event.budget || {} };
    } else if (type === "response.llm_call") {
      this.addModelCall(event);
      if (typeof event.cost_usd === "number") this.spent += event.cost_usd;
    } else if (type === "response.action_cost") {
      if (typeof event.cost_usd === "number") this.spent += event.cost_usd;
      this.addMarker("Charged " + money(event.cost_usd) + (event.tool ? " for " + event.tool : ""), "cost");
    } else if (type === "response.plan.updated") {
      this.setPlan(event.plan);
    }
    this.render();
    return true;
  };

  RunView.prototype.applyResponse = function (response) {
    this.status = response.status || this.status;
    this.model = response.model || this.model;
    this.sessionId = response.session_id || this.sessionId;
    this.previousId = response.previous_response_id || this.previousId;
    if (typeof response.max_cost_usd === "number") this.maxCost = response.max_cost_usd;
    if (response.usage && typeof response.usage.session_cost_usd === "number") this.spent = response.usage.session_cost_usd;
    this.incomplete = response.incomplete_details || null;
    this.failure = response.error || null;
    this.pending = this.status === "incomplete" && this.incomplete && this.incomplete.reason === "approval_required"
      ? (response.pending_approval || this.pending) : null;
    if (response.plan) this.setPlan(response.plan);
    var self = this;
    (response.artifacts || []).forEach(function (artifact) { self.addArtifact(artifact); });
  };

  RunView.prototype.applyItem = function (item, done) {
    if (item.type === "mcp_call") {
      var entry = this.tool(item.id, item.name);
      entry.args.textContent = prettyJson(item.arguments);
      if (done) {
        entry.status = item.status || "completed";
        if (typeof item.output === "string") { entry.output.textContent = item.output; entry.outputBlock.hidden = false; }
        var error = item.error;
        var errorText = error ? (error.message || (error.content && error.content[0] && error.content[0].text) || "") : "";
        if (errorText) { entry.output.textContent = errorText; entry.outputBlock.hidden = false; }
        var elapsed = Date.now() - entry.seenAt;
        entry.durationMs = elapsed >= OBSERVED_DURATION_MIN_MS ? elapsed : null;
      }
      this.drawTool(entry);
    } else if (item.type === "message") {
      var message = this.message(item.id);
      if (done && item.content && item.content[0] && typeof item.content[0].text === "string") {
        message.text = item.content[0].text;
        this.markDirty(message);
      }
    } else if (item.type === "reasoning") {
      var thinking = this.thinking(item.id);
      if (done && item.content && item.content[0] && typeof item.content[0].text === "string") {
        thinking.text = item.content[0].text;
        thinking.pre.textContent = thinking.text;
      }
    }
  };

  // ------------------------------------------------------------------------------------ MCP snapshots

  /* A TaskSnapshot from get_response / approve / cancel / submit_task. ``since``: the since_sequence it was asked
     with (undefined for a full snapshot). A delta that does not start where this view is would repeat or skip
     text, so it is refused (the caller asks again from lastSequence). */
  RunView.prototype.applySnapshot = function (snap, since) {
    if (!snap || typeof snap !== "object") return false;
    var full = snap.output_text !== null && snap.output_text !== undefined;
    if (!full && since !== this.lastSequence) return false;
    if (full && typeof snap.last_sequence === "number" && snap.last_sequence < this.lastSequence) return false;
    if (typeof snap.last_sequence === "number") this.lastSequence = snap.last_sequence;
    if (snap.status && snap.status !== this.status) {
      this.addMarker(snap.status === "in_progress" ? "Running" : statusLabel(snap.status, snap.incomplete_details),
                     snap.status);
    }
    this.status = snap.status || this.status;
    this.model = snap.model || this.model;
    this.sessionId = snap.session_id || this.sessionId;
    this.previousId = snap.previous_response_id || this.previousId;
    if (typeof snap.max_cost_usd === "number") this.maxCost = snap.max_cost_usd;
    if (snap.usage && typeof snap.usage.session_cost_usd === "number") this.spent = snap.usage.session_cost_usd;
    this.incomplete = snap.incomplete_details || null;
    this.failure = snap.error || null;
    this.pending = this.status === "incomplete" && this.incomplete && this.incomplete.reason === "approval_required"
      ? snap.pending_approval : null;
    var message = this.message("answer");
    if (full) message.text = snap.output_text;
    else if (snap.new_output_text) message.text += snap.new_output_text;
    this.markDirty(message);
    var self = this;
    (snap.tool_calls || []).forEach(function (call) {
      var entry = self.tool(call.id, call.name);
      entry.status = call.status;
      entry.args.textContent = call.arguments_preview || "";
      var shown = call.error || call.output_preview;
      if (shown) { entry.output.textContent = shown; entry.outputBlock.hidden = false; }
      self.drawTool(entry);
    });
    if (snap.plan) this.setPlan(snap.plan);
    (snap.artifacts || []).forEach(function (artifact) { self.addArtifact(artifact); });
    this.render();
    return true;
  };

  // ----------------------------------------------------------------------------------------- pieces

  RunView.prototype.message = function (id) {
    var key = id || "answer";
    var message = this.messages[key];
    if (!message) {
      message = this.messages[key] = { text: "", node: el("div", { className: "message" }), dirty: false };
      this.answer.appendChild(message.node);
    }
    return message;
  };

  RunView.prototype.markDirty = function (message) {
    message.dirty = true;
    if (this.frame) return;
    var self = this;
    // At most one Markdown render per message per frame, however many deltas arrived.
    this.frame = window.requestAnimationFrame(function () { self.frame = null; self.flushText(); });
  };

  RunView.prototype.flushText = function () {
    var self = this;
    Object.keys(this.messages).forEach(function (key) {
      var message = self.messages[key];
      if (!message.dirty) return;
      message.dirty = false;
      message.node.innerHTML = renderMarkdown(message.text);
    });
    this.answerEmpty.hidden = Object.keys(this.messages).some(function (key) { return self.messages[key].text; });
  };

  RunView.prototype.thinking = function (id) {
    var entry = this.reasoning[id];
    if (!entry) {
      var pre = el("pre");
      entry = this.reasoning[id] = { text: "", pre: pre,
        node: el("li", { className: "reasoning" }, el("details", null, el("summary", { text: "Thinking" }), pre)) };
      this.timeline.appendChild(entry.node);
    }
    return entry;
  };

  RunView.prototype.discard = function (id) {
    // A failed model attempt's items leave the response; the retry streams new ones.
    var message = this.messages[id];
    if (message) { message.node.remove(); delete this.messages[id]; }
    var thinking = this.reasoning[id];
    if (thinking) { thinking.node.remove(); delete this.reasoning[id]; }
    this.addMarker("A model call failed after it began; retrying (its text was dropped)", "failed");
  };

  RunView.prototype.tool = function (id, name) {
    var entry = this.tools[id];
    if (!entry) {
      var summary = el("summary");
      var args = el("pre", { className: "args" });
      var output = el("pre", { className: "output" });
      var log = el("pre", { className: "log", "aria-label": "Tool log" });
      var outputBlock = el("div", { hidden: true }, el("p", { className: "label", text: "Output" }), output);
      var logBlock = el("div", { hidden: true }, el("p", { className: "label", text: "Log" }), log);
      var details = el("details", null, summary, el("p", { className: "label", text: "Arguments" }), args,
                       outputBlock, logBlock);
      entry = this.tools[id] = { id: id, name: name || "tool", status: "in_progress", summary: summary, args: args,
        output: output, outputBlock: outputBlock, log: log, logBlock: logBlock, seenAt: Date.now(), durationMs: null,
        node: el("li", { className: "tool", "data-item-id": id }, details) };
      this.timeline.appendChild(entry.node);
    }
    return entry;
  };

  RunView.prototype.drawTool = function (entry) {
    var text = entry.name + " · " + statusLabel(entry.status);
    if (entry.durationMs !== null) text += " · " + (entry.durationMs / 1000).toFixed(1) + " s";
    entry.summary.textContent = text;
    entry.node.className = "tool " + (entry.status || "");
  };

  RunView.prototype.appendLog = function (id, text) {
    var entry = this.tools[id] || this.tool(id, "tool");
    var log = entry.log;
    // Follow the log's end only when the reader is already there (reading earlier lines is not interrupted).
    var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.textContent += text.endsWith("\n") ? text : text + "\n";
    entry.logBlock.hidden = false;
    if (atEnd) log.scrollTop = log.scrollHeight;
  };

  RunView.prototype.addModelCall = function (event) {
    var parts = ["Model call", event.model || ""];
    if (event.subagent) parts.push("(" + event.subagent + ")");
    if (typeof event.input_tokens === "number") parts.push(event.input_tokens + " in / " + (event.output_tokens || 0) + " out tokens");
    if (typeof event.cost_usd === "number") parts.push(money(event.cost_usd));
    if (typeof event.duration_ms === "number") parts.push((event.duration_ms / 1000).toFixed(2) + " s");
    if (event.status === "error") parts.push("error " + (event.error_code || "") + (event.will_retry ? ", retrying" : ""));
    this.timeline.appendChild(el("li", { className: "llm" + (event.status === "error" ? " failed" : ""),
                                         text: parts.join(" · ") }));
  };

  RunView.prototype.addMarker = function (text, kind) {
    this.timeline.appendChild(el("li", { className: "marker " + (kind || ""), text: text }));
  };

  RunView.prototype.setPlan = function (plan) {
    if (!Array.isArray(plan)) return;
    this.planList.textContent = "";
    var self = this;
    plan.forEach(function (step) {
      var status = step.status || "pending";
      self.planList.appendChild(el("li", { className: status, text: (step.step || step.content || step.title || "") +
        (status === "in_progress" ? " (in progress)" : "") }));
    });
    this.planSection.hidden = plan.length === 0;
  };

  RunView.prototype.addArtifact = function (artifact) {
    if (!artifact || !artifact.url || this.artifacts[artifact.url]) return;
    this.artifacts[artifact.url] = true;
    var label = artifact.type + ": " + (artifact.repo_id || artifact.id || artifact.project || artifact.slug || artifact.url);
    var href = safeUrl(artifact.url);
    var link = href ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: label })
                    : el("span", { text: label });
    if (href && this.actions.openLink) {
      var open = this.actions.openLink;
      link.addEventListener("click", function (event) { open(href, event); });
    }
    this.artifactList.appendChild(el("li", null, link));
    this.artifactSection.hidden = false;
  };

  // ----------------------------------------------------------------------------------------- render

  RunView.prototype.render = function () {
    var status = this.status;
    // A settled run's text is final: draw it now rather than on the next frame, so the status never shows as
    // settled beside an answer that is not yet drawn.
    if (SETTLED[status]) this.flushText();
    this.statusNode.textContent = status ? statusLabel(status, this.incomplete) : "loading";
    this.statusNode.className = "status " + (status || "");
    this.statusNode.setAttribute("data-status", status || "");
    var meta = [];
    if (this.model) meta.push("Model " + this.model);
    if (this.sessionId) meta.push("Session " + this.sessionId);
    this.metaNode.textContent = meta.join(" · ");

    var cap = this.maxCost;
    this.meter.max = cap && cap > 0 ? cap : 1;
    this.meter.value = Math.min(this.spent, this.meter.max);
    this.meter.high = this.meter.max * 0.8;
    this.spendText.textContent = "Spent " + money(this.spent) + (cap ? " of the session's " + money(cap) + " cap" : "");

    var pending = this.pending;
    this.approval.hidden = !pending;
    if (pending) this.drawApproval(pending);
    else { this.newCap.value = ""; this.feedback.value = ""; }

    this.cancelButton.hidden = !(ACTIVE[status] || status === "incomplete" && this.pending);
    this.followForm.hidden = !(SETTLED[status] && !this.pending);
    var failure = this.failure;
    this.failureNode.textContent = failure
      ? "Failed: " + (failure.type || failure.code || "error") + ": " + (failure.message || "") : "";
  };

  RunView.prototype.drawApproval = function (pending) {
    var list = this.approvalActions;
    list.textContent = "";
    (pending.actions || []).forEach(function (action) {
      var what = action.tool || action.kind || "action";
      var estimate = typeof action.estimate_usd === "number" ? " (estimated " + money(action.estimate_usd) + ")" : "";
      list.appendChild(el("li", { text: what + estimate + (action.reason ? ": " + action.reason : "") }));
    });
    var budget = pending.budget || {};
    var parts = [];
    if (typeof budget.max_cost_usd === "number") parts.push("cap " + money(budget.max_cost_usd));
    if (typeof budget.spent_usd === "number") parts.push("spent " + money(budget.spent_usd));
    if (typeof budget.remaining_usd === "number") parts.push("remaining " + money(budget.remaining_usd));
    var required = budget.required_max_cost_usd;
    if (typeof required === "number") parts.push("these actions need a cap of at least " + money(required));
    this.approvalBudget.textContent = parts.join(" · ");
    if (!this.newCap.value) {
      var suggestion = typeof required === "number" ? required : (budget.max_cost_usd || 5) * 2;
      this.newCap.value = String(Math.min(500, Math.ceil(suggestion * 100) / 100));
    }
  };

  function prettyJson(text) {
    if (typeof text !== "string") return "";
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }

  window.MLInternViewer = { RunView: RunView, renderMarkdown: renderMarkdown, el: el, money: money,
                            statusLabel: statusLabel, ACTIVE: ACTIVE, SETTLED: SETTLED };
})();
