// Streetwise console: the one page that updates by itself is the dispatch board (指挥中心).
// It polls the board's JSON every 5 seconds and rewrites the counts and the newest cases.
// No framework, nothing fetched from elsewhere.
(function () {
  "use strict";
  var table = document.querySelector("table[data-board]");
  if (!table) return;
  var url = table.getAttribute("data-board");
  var fields = ["new", "awaiting", "unsigned", "yellow", "red", "supervised"];

  function set(key, counts) {
    fields.forEach(function (field) {
      var cell = document.querySelector('[data-count="' + key + ":" + field + '"]');
      if (cell && String(cell.textContent) !== String(counts[field])) {
        cell.textContent = counts[field];
        cell.classList.add("changed");
        setTimeout(function () { cell.classList.remove("changed"); }, 1500);
      }
    });
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function newest(events) {
    var body = document.getElementById("board-newest");
    if (!body) return;
    var rows = [];
    events.forEach(function (e) {
      var tr = document.createElement("tr");
      tr.className = "alert-" + e.alert;
      cell(tr, e.received_at);
      cell(tr, e.street);
      var td = cell(tr, "");
      var a = document.createElement("a");
      a.href = "/cases/" + encodeURIComponent(e.id);
      a.textContent = e.description;
      td.appendChild(a);
      cell(tr, e.status);
      cell(tr, String(e.reports)).className = "num";
      rows.push(tr);
    });
    if (rows.length === 0) {
      var tr = document.createElement("tr");
      cell(tr, "暂无案件").colSpan = 5;
      rows.push(tr);
    }
    body.replaceChildren.apply(body, rows);
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.redirected || !r.ok) throw new Error("board " + r.status);
        return r.json();
      })
      .then(function (board) {
        set("total", board.total);
        board.streets.forEach(function (s) { set(s.code, s); });
        newest(board.newest);
        var stamp = document.getElementById("board-updated");
        if (stamp) stamp.textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN");
      })
      .catch(function () {
        var stamp = document.getElementById("board-updated");
        if (stamp) stamp.textContent = "刷新失败，稍后重试";
      });
  }

  setInterval(refresh, 5000);
})();
