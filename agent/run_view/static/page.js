/* The browser page: sign-in, the caller's runs, a submit box, and one run followed live (viewer.js over
   transport-http.js). The token lives in this tab's sessionStorage and leaves it only as the Authorization
   header of requests to this server. */
(function () {
  "use strict";

  var TOKEN_KEY = "ml-intern-token";
  var RUN_PATH = /^\/runs\/(resp_[0-9a-f]{32})\/?$/;
  var PAGE_SIZE = 20;
  var viewer = window.MLInternViewer;
  var http = window.MLInternHttp;
  var el = viewer.el;

  function byId(id) { return document.getElementById(id); }
  function show(sectionId) {
    ["sign-in", "home", "run"].forEach(function (id) { byId(id).hidden = id !== sectionId; });
  }
  function token() { try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; } }

  function age(seconds) {
    var delta = Math.max(0, Date.now() / 1000 - seconds);
    if (delta < 60) return Math.round(delta) + " s ago";
    if (delta < 3600) return Math.round(delta / 60) + " min ago";
    if (delta < 86400) return Math.round(delta / 3600) + " h ago";
    return new Date(seconds * 1000).toISOString().slice(0, 10);
  }

  function signOut() {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage disabled */ }
    location.assign("/");
  }

  function signIn(then) {
    show("sign-in");
    var form = byId("sign-in-form");
    var input = byId("token");
    var error = byId("sign-in-error");
    input.focus();
    form.onsubmit = function (event) {
      event.preventDefault();
      var candidate = input.value.trim();
      error.textContent = "";
      if (!candidate) { error.textContent = "Paste a Hugging Face token."; return; }
      // Check it with a request it authorizes before keeping it.
      new http.HttpTransport(candidate).list({ limit: 1 }).then(function () {
        sessionStorage.setItem(TOKEN_KEY, candidate);
        input.value = "";
        then();
      }, function (failure) {
        error.textContent = "Sign-in failed: " + failure.message;
      });
    };
  }

  // ------------------------------------------------------------------------------------------- home

  function home(transport) {
    show("home");
    document.title = "Your runs · ML Intern";
    var body = byId("runs").tBodies[0];
    var more = byId("runs-more");
    var listError = byId("runs-error");
    var after = null;
    body.textContent = "";

    function page() {
      listError.textContent = "";
      return transport.list({ limit: PAGE_SIZE, after: after }).then(function (list) {
        (list.data || []).forEach(function (response) {
          var usage = response.usage || {};
          body.appendChild(el("tr", null,
            el("td", null, el("a", { href: "/runs/" + response.id, text: response.id }),
              el("div", { className: "meta", text: "session " + response.session_id +
                (response.previous_response_id ? " · follow-up" : "") })),
            el("td", null, el("span", { className: "status " + response.status,
                                        text: viewer.statusLabel(response.status, response.incomplete_details) })),
            el("td", { text: response.model }),
            el("td", { className: "num", text: viewer.money(usage.cost_usd || 0) }),
            el("td", { text: age(response.created_at) })));
        });
        after = list.last_id;
        more.hidden = !list.has_more;
        byId("runs-empty").hidden = body.rows.length > 0;
      }, function (failure) {
        if (failure.status === 401) { signOut(); return; }
        listError.textContent = failure.message;
      });
    }
    more.onclick = page;
    page();

    var select = byId("task-model");
    if (!select.options.length) {
      Promise.all([transport.models(), transport.config()]).then(function (results) {
        var fallback = results[1] && results[1].default;
        (results[0].data || []).forEach(function (model) {
          select.appendChild(el("option", { value: model.id, text: model.id, selected: model.id === fallback }));
        });
      }, function () { /* the server's default model is used */ });
    }

    var form = byId("submit-form");
    var submitError = byId("submit-error");
    form.onsubmit = function (event) {
      event.preventDefault();
      submitError.textContent = "";
      var input = byId("task-input").value.trim();
      if (!input) { submitError.textContent = "Describe the task."; return; }
      var request = { input: input, background: true };
      if (select.value) request.model = select.value;
      var cap = Number(byId("task-cap").value);
      if (cap > 0) request.max_cost_usd = cap;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      transport.create(request).then(function (created) {
        location.assign("/runs/" + created.id);
      }, function (failure) {
        submitError.textContent = failure.message;
        button.disabled = false;
      });
    };
  }

  // --------------------------------------------------------------------------------------------- run

  function run(transport, responseId) {
    show("run");
    document.title = responseId + " · ML Intern";
    var following = null;
    var view = new viewer.RunView(byId("run"), {
      approve: function (decision) {
        return transport.approve(responseId, decision).then(function () { follow(); });
      },
      cancel: function () {
        return transport.cancel(responseId).then(function () { follow(); });
      },
      followUp: function (text) {
        var request = { input: text, previous_response_id: responseId, background: true };
        if (view.model) request.model = view.model;
        if (view.maxCost) request.max_cost_usd = view.maxCost;
        return transport.create(request).then(function (created) { location.assign("/runs/" + created.id); });
      }
    });
    view.reset(responseId);

    function follow() {
      // One stream at a time; a decision resumes it from the last event applied.
      if (following) return following;
      following = transport.follow(responseId, view).catch(function (failure) {
        if (failure.status === 401) { signOut(); return; }
        view.showError(failure.status === 404 ? "No such run for this account." : failure.message);
      }).then(function () { following = null; });
      return following;
    }
    follow();

    transport.inputItems(responseId).then(function (page) {
      var first = page && page.data && page.data[0];
      var content = first && first.content;
      var text = Array.isArray(content) ? content.map(function (part) { return part.text || ""; }).join("\n") :
        (typeof content === "string" ? content : "");
      view.setTask(text);
    }, function () { /* the task text is a nicety */ });

    transport.get(responseId).then(function (response) {
      if (!response.session_id) return;
      return transport.list({ session_id: response.session_id, limit: 100 }).then(function (list) {
        var turns = (list.data || []).slice().reverse();
        if (turns.length < 2) return;
        view.setLinks([{ text: "Session turns:" }].concat(turns.map(function (turn, index) {
          return { text: "turn " + (index + 1), href: turn.id === responseId ? null : "/runs/" + turn.id };
        })));
      });
    }).catch(function () { /* links are a nicety */ });
  }

  // ------------------------------------------------------------------------------------------ start

  function start() {
    var current = token();
    var signOutButton = byId("sign-out");
    signOutButton.onclick = signOut;
    if (!current) {
      signOutButton.hidden = true;
      signIn(start);
      return;
    }
    signOutButton.hidden = false;
    var transport = new http.HttpTransport(current);
    var match = RUN_PATH.exec(location.pathname);
    if (match) run(transport, match[1]);
    else home(transport);
  }

  start();
})();
