/* HealthHub's live preview, in each page the preview server sends (never in the built site).
 *
 * Connects to the server through livereload.js. When the server says a save changed
 * only pages ("healthhub:pages"), the open page is fetched again and applied in place
 * with morphdom (`morphdom` is defined before this file, see serve.preview_js): the
 * elements that did not change stay as they are, and so do the scroll position, the
 * focus and the handlers the page's scripts set up. No navigation, so the new text is
 * on the screen sooner and without a blank flash. Whatever it cannot apply that way
 * reloads the page: the page moved or is gone, its scripts or stylesheets changed, its
 * scripts or the reader changed the page since it was loaded, an error. Stylesheets,
 * images and every other change go through livereload.js itself.
 */
(function () {
  "use strict";
  var OURS = "data-healthhub-preview";  // on the elements the preview adds to a page
  // The server's names (serve.PAGES_ONLY, serve.STATUS_PATH), from this script's tag
  var PAGES = document.currentScript.getAttribute("data-pages");
  var STATUS = document.currentScript.getAttribute("data-status");

  function isData(script) {  // structured data for search engines and the like: nothing runs
    var type = (script.getAttribute("type") || "").trim().toLowerCase();
    return type === "application/ld+json" || type === "application/json";
  }

  // The build this page shows (morphdom brings the attribute up to date with the page).
  function version() {
    var script = document.querySelector("script[" + OURS + "][data-version]");
    return script ? script.getAttribute("data-version") : "";
  }

  // What a page runs and what styles it: when a save changed these, the new page is
  // loaded, since the old scripts would go on running and a changed one would not run.
  function resources(doc) {
    var found = [];
    var nodes = doc.querySelectorAll("script, link[rel], base, meta[http-equiv]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (node.hasAttribute(OURS)) {
        continue;
      }
      if (node.tagName === "SCRIPT") {
        if (!isData(node)) {
          found.push("script " + node.type + " " + (node.getAttribute("src") || node.textContent));
        }
      } else if (node.tagName !== "LINK" || /\b(stylesheet|preload|modulepreload|import)\b/i.test(node.rel)) {
        // (livereload.js swaps a changed stylesheet for a copy with "livereload=N" added)
        found.push(node.outerHTML.replace(/(\?|&amp;|&)livereload=\d+/, ""));
      }
    }
    return found.join("\n");
  }

  // Scripts that run before this one (it comes last in the body) may have changed the
  // page already; deferred and module scripts run after it, where `touched` sees them.
  function runsEarly(doc) {
    var scripts = doc.querySelectorAll("script");
    for (var i = 0; i < scripts.length; i++) {
      var script = scripts[i];
      if (script.hasAttribute(OURS) || isData(script) || script.type === "module"
          || (script.hasAttribute("src") && script.defer && !script.async)) {
        continue;
      }
      return true;
    }
    return false;
  }

  // Whether the page changed since it was loaded or last applied: its scripts (the search
  // page's Pagefind box) or the reader (an opened <details>) changed it. Applying the new
  // page would undo that, so it is loaded again instead. Not counted: what the preview
  // and livereload.js add (stylesheets swapped in place), and the parser's last blank text.
  var touched = false;

  function counts(node) {
    if (node.nodeType === 3) {
      return /\S/.test(node.data);
    }
    return !(node.nodeType === 1 && (node.hasAttribute(OURS) || node.tagName === "LINK"));
  }

  function note(records) {
    for (var i = 0; i < records.length && !touched; i++) {
      var record = records[i];
      if (record.type === "childList") {
        var nodes = Array.prototype.slice.call(record.addedNodes)
          .concat(Array.prototype.slice.call(record.removedNodes));
        touched = nodes.some(counts);
      } else {
        touched = counts(record.target);
      }
    }
  }

  var watching = new MutationObserver(note);
  watching.observe(document.documentElement, {childList: true, subtree: true, attributes: true, characterData: true});

  var latest = 0;

  function applyPage() {
    note(watching.takeRecords());
    // (a parsed page holds <noscript>'s content as elements, the open one as text)
    if (touched || runsEarly(document) || document.querySelector("noscript")) {
      location.reload();  // at once, as livereload.js would
      return;
    }
    var mine = ++latest;
    fetch(location.href, {cache: "no-store", credentials: "same-origin"}).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || response.redirected || type.indexOf("text/html") !== 0) {
        throw new Error("not the same page");
      }
      return response.text();
    }).then(function (text) {
      if (mine !== latest) {
        return;  // a later save's page is on its way
      }
      var next = new DOMParser().parseFromString(text, "text/html");
      note(watching.takeRecords());
      if (touched || next.compatMode !== document.compatMode || resources(next) !== resources(document)) {
        throw new Error("changed since it was loaded, or other scripts or stylesheets");
      }
      morphdom(document.documentElement, next.documentElement, {
        onBeforeElUpdated: function (from, to) {
          return !from.isEqualNode(to);
        },
        onBeforeNodeDiscarded: function (node) {
          return !(node.nodeType === 1 && node.hasAttribute(OURS));
        }
      });
      watching.takeRecords();  // (the changes just made)
      performance.mark("healthhub-applied");
      // The mark benchmarks/serve_latency.py reads: the frame after the one that shows the page.
      requestAnimationFrame(function () {
        requestAnimationFrame(function () {
          performance.mark("healthhub-painted");
        });
      });
    }).catch(function () {
      location.reload();
    });
  }

  function HealthHubPreview() {}
  HealthHubPreview.identifier = "healthhub";
  HealthHubPreview.version = "1";
  HealthHubPreview.prototype.reload = function (path) {
    if (path !== PAGES || typeof fetch !== "function" || typeof DOMParser !== "function") {
      return false;  // livereload.js does the rest: stylesheets in place, anything else a reload
    }
    applyPage();
    return true;
  };
  window.LiveReloadPluginHealthHub = HealthHubPreview;  // livereload.js takes LiveReloadPlugin* when it loads

  // After each (re)connection: a page of an older build (a save made while it was
  // loading, or while the server was away) is reloaded.
  document.addEventListener("LiveReloadConnect", function () {
    fetch(STATUS, {cache: "no-store"}).then(function (response) {
      return response.text();
    }).then(function (text) {
      if (text.trim() !== version()) {
        location.reload();
      }
    }).catch(function () {});
  });

  var port = location.port || (location.protocol === "https:" ? 443 : 80);
  var script = document.createElement("script");
  script.src = "/livereload.js?host=" + location.hostname + "&port=" + port;
  script.setAttribute(OURS, "");
  document.head.appendChild(script);
})();
