/* clearpicture dashboard: page behaviour in a static file (the CSP forbids inline script).
   Facet selects submit their form; the group page draws the network with Cytoscape.js, filters it by
   date, highlights a person from the centrality table and shows the shortest path the server finds. */
(function () {
  "use strict";

  document.querySelectorAll("select.autosubmit").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });

  var section = document.getElementById("network-section");
  if (!section || typeof cytoscape === "undefined") { return; }

  var STYLE = [
    { selector: "node", style: { "label": "data(label)", "font-size": 8, "width": 18, "height": 18,
      "background-color": "#888", "text-valign": "bottom", "color": "#222" } },
    { selector: "node.person", style: { "shape": "ellipse" } },
    { selector: "node.object, node.location, node.event", style: { "label": "" } },
    { selector: "node.offender, node.suspect, node.associate", style: { "background-color": "#b3261e" } },
    { selector: "node.victim", style: { "background-color": "#1f5fa8" } },
    { selector: "node.object", style: { "shape": "diamond", "background-color": "#6a4c93", "width": 12, "height": 12 } },
    { selector: "node.location", style: { "shape": "triangle", "background-color": "#2e7d32", "width": 12, "height": 12 } },
    { selector: "node.event", style: { "shape": "round-rectangle", "background-color": "#c77c02", "width": 10, "height": 10 } },
    { selector: "edge", style: { "width": 1, "line-color": "#bbb", "curve-style": "haystack" } },
    { selector: ".hidden", style: { "display": "none" } },
    { selector: ".highlight", style: { "background-color": "#000", "line-color": "#000", "width": 3,
      "border-width": 3, "border-color": "#ffb300", "z-index": 10 } },
    { selector: ".faded", style: { "opacity": 0.25 } }
  ];

  var cy = cytoscape({ container: document.getElementById("cy"), style: STYLE, elements: [] });
  window.cpDash = { cy: cy, ready: false };

  fetch(section.dataset.network, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (doc) {
      cy.add(doc.elements);
      cy.layout({ name: "cose", animate: false, randomize: false, nodeRepulsion: 8000 }).run();
      window.cpDash.ready = true;
      section.classList.add("ready");
    });

  function clearMarks() { cy.elements().removeClass("highlight faded"); }

  // Time range: hide dated links outside it (undated links stay), then people left unconnected.
  function applyRange(from, to) {
    cy.batch(function () {
      cy.elements().removeClass("hidden");
      cy.edges().forEach(function (e) {
        var at = (e.data("at") || "").slice(0, 10);
        if (at && ((from && at < from) || (to && at > to))) { e.addClass("hidden"); }
      });
      cy.nodes().forEach(function (n) {
        if (n.connectedEdges().not(".hidden").length === 0 && n.connectedEdges().length > 0) { n.addClass("hidden"); }
      });
    });
    document.querySelectorAll("#timeline li").forEach(function (li) {
      var at = li.dataset.at;
      li.hidden = Boolean(at && ((from && at < from) || (to && at > to)));
    });
  }
  document.getElementById("time-apply").addEventListener("click", function () {
    applyRange(document.getElementById("time-from").value, document.getElementById("time-to").value);
  });
  document.getElementById("time-reset").addEventListener("click", function () {
    document.getElementById("time-from").value = "";
    document.getElementById("time-to").value = "";
    applyRange("", "");
  });

  // Centrality table row -> highlight the node and its neighbourhood.
  document.querySelectorAll("#centrality tbody tr").forEach(function (tr) {
    function pick() {
      document.querySelectorAll("#centrality tr.selected").forEach(function (x) { x.classList.remove("selected"); });
      tr.classList.add("selected");
      clearMarks();
      var node = cy.getElementById(tr.dataset.node);
      if (node.empty()) { return; }
      cy.elements().addClass("faded");
      node.closedNeighborhood().removeClass("faded");
      node.addClass("highlight");
      cy.animate({ center: { eles: node } }, { duration: 200 });
    }
    tr.addEventListener("click", function (ev) { if (ev.target.tagName !== "A") { pick(); } });
    tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { pick(); } });
  });

  // Shortest path, computed by the server.
  document.getElementById("path-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var a = document.getElementById("path-a").value, b = document.getElementById("path-b").value;
    var out = document.getElementById("path-result");
    var url = section.dataset.path + "&a=" + encodeURIComponent(a) + "&b=" + encodeURIComponent(b);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (doc) {
        clearMarks();
        if (!doc.found) { out.textContent = "No chain of evidence connects " + a + " and " + b + "."; return; }
        cy.elements().addClass("faded");
        doc.nodes.forEach(function (id) { cy.getElementById(id).removeClass("faded").addClass("highlight"); });
        doc.edges.forEach(function (e) {
          cy.edges().filter(function (x) {
            return (x.data("source") === e.source && x.data("target") === e.target) ||
                   (x.data("source") === e.target && x.data("target") === e.source);
          }).removeClass("faded").addClass("highlight");
        });
        out.textContent = "Path (" + (doc.nodes.length - 1) + " steps): " + doc.nodes.join(" \u2192 ");
      });
  });
})();
