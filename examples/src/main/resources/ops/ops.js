// The shop's ops page: polls GET /ops/api/state every two seconds and renders it; the retry and
// discard buttons of a dead task POST to /ops/api/queues/{queue}/tasks/{id}/{action}. With a
// token configured, open the page as /ops#token=TOKEN: the token stays in this tab's session
// storage and goes out only in the Authorization header, never in a URL the server sees.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var TOKEN_KEY = "bulwark-ops-token";

  var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", window.location.pathname);
  }

  function headers() {
    var token = sessionStorage.getItem(TOKEN_KEY);
    return token ? { "Authorization": "Bearer " + token } : {};
  }

  function el(tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    if (className) {
      e.className = className;
    }
    return e;
  }

  // Fills a table: columns are [heading, cell(row) -> string|Node, numeric?].
  function table(id, columns, rows) {
    var t = document.getElementById(id);
    t.replaceChildren();
    var head = el("tr");
    columns.forEach(function (c) {
      head.appendChild(el("th", c[0], c[2] ? "num" : ""));
    });
    t.appendChild(head);
    rows.forEach(function (r) {
      var tr = el("tr");
      columns.forEach(function (c) {
        var v = c[1](r);
        var td = el("td", null, c[2] ? "num" : (c[3] || ""));
        if (v instanceof Node) {
          td.appendChild(v);
        } else {
          td.textContent = v === null || v === undefined ? "\u2013" : String(v);
        }
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
  }

  function percent(ratio) {
    return ratio === null ? null : (ratio * 100).toFixed(1) + " %";
  }

  function seconds(s) {
    return s < 1 ? "0 s" : s < 120 ? s.toFixed(0) + " s" : (s / 60).toFixed(1) + " min";
  }

  function flag(ok, yes, no) {
    return el("span", ok ? yes : no, ok ? "good" : "bad");
  }

  function setLine(id, text, isError) {
    var s = document.getElementById(id);
    s.textContent = text;
    s.className = isError ? "error" : "";
  }

  function act(queue, id, action, button) {
    button.disabled = true;
    var url = "/ops/api/queues/" + encodeURIComponent(queue) + "/tasks/" + encodeURIComponent(id)
        + "/" + action;
    fetch(url, { method: "POST", headers: headers() })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            throw new Error(body.error || ("HTTP " + r.status));
          }
          setLine("notice", id + ": " + body.action, false);
        });
      })
      .catch(function (e) {
        setLine("notice", action + " " + id + " failed: " + e.message, true);
      })
      .then(refresh);
  }

  function buttons(q, t) {
    var span = el("span");
    ["retry", "discard"].forEach(function (action) {
      var b = el("button", action, action);
      b.type = "button";
      b.dataset.task = t.id;
      b.addEventListener("click", function () {
        act(q.name, t.id, action, b);
      });
      span.appendChild(b);
    });
    return span;
  }

  function render(s) {
    table("pools", [
      ["pool", function (p) { return p.name; }],
      ["active", function (p) { return p.active; }, true],
      ["queued", function (p) { return p.queued; }, true],
      ["limit", function (p) { return p.limit; }, true],
      ["max queue", function (p) { return p.maxQueue; }, true],
      ["completed", function (p) { return p.completed; }, true],
      ["rejected", function (p) { return p.rejected; }, true]
    ], s.workerPools);
    table("databases", [
      ["pool", function (d) { return d.name; }],
      ["up", function (d) { return flag(d.up, "up", "down"); }],
      ["active", function (d) { return d.active; }, true],
      ["idle", function (d) { return d.idle; }, true],
      ["pending", function (d) { return d.pending; }, true],
      ["max", function (d) { return d.max; }, true],
      ["loop reads", function (d) { return d.loopReads; }, true]
    ], s.databases);
    var c = s.caches;
    var health = document.getElementById("cache-health");
    health.replaceChildren(flag(c.status === "UP", c.status, c.status),
      el("span", c.breaker === "DISABLED" ? " \u2013 no Redis configured"
        : " \u2013 Redis breaker " + c.breaker + ": " + c.detail));
    table("caches", [
      ["cache", function (x) { return x.name; }],
      ["tier", function (x) { return x.tier; }],
      ["hit ratio", function (x) { return percent(x.hitRatio); }, true],
      ["hits", function (x) { return x.hits; }, true],
      ["misses", function (x) { return x.misses; }, true],
      ["size", function (x) { return x.size; }, true]
    ], c.caches);
    table("queues", [
      ["queue", function (q) { return q.name; }],
      ["backend", function (q) { return q.backend; }],
      ["health", function (q) {
        var f = flag(q.healthy, "healthy", "unhealthy");
        f.title = q.detail;
        return f;
      }],
      ["depth", function (q) { return q.depth < 0 ? null : q.depth; }, true],
      ["oldest", function (q) { return seconds(q.oldestAgeSeconds); }, true],
      ["running", function (q) { return q.running; }, true],
      ["succeeded", function (q) { return q.succeeded; }, true],
      ["failed", function (q) { return q.failed; }, true],
      ["dead total", function (q) { return q.dead; }, true],
      ["dead now", function (q) { return q.deadListed + (q.deadListTruncated ? "+" : ""); }, true]
    ], s.taskQueues);
    var dead = [];
    s.taskQueues.forEach(function (q) {
      q.deadTasks.forEach(function (t) {
        dead.push({ queue: q, task: t });
      });
    });
    document.getElementById("dead-empty").hidden = dead.length > 0;
    table("dead", dead.length === 0 ? [] : [
      ["queue", function (d) { return d.queue.name; }],
      ["id", function (d) { return d.task.id; }],
      ["type", function (d) { return d.task.type; }, false, "nowrap"],
      ["attempts", function (d) { return d.task.attempts; }, true],
      ["error", function (d) { return d.task.error; }, false, "error"],
      ["", function (d) { return buttons(d.queue, d.task); }, false, "actions"]
    ], dead);
  }

  var timer = null;
  var inFlight = null;
  var again = false;

  // One poll at a time: a refresh asked for while one runs (after a click) runs right after it,
  // so clicks never start a second polling loop.
  function refresh() {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    clearTimeout(timer);
    inFlight = fetch("/ops/api/state", { headers: headers() })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            throw new Error(body.error || ("HTTP " + r.status));
          }
          render(body);
          setLine("status", "updated " + new Date(body.time).toLocaleTimeString(), false);
        });
      })
      .catch(function (e) {
        setLine("status", "cannot read the state: " + e.message, true);
      })
      .then(function () {
        inFlight = null;
        if (again) {
          again = false;
          return refresh();
        }
        timer = setTimeout(refresh, POLL_MS);
      });
    return inFlight;
  }

  refresh();
}());
