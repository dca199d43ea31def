// Townhall progressive enhancement. Every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so screen-reader users hear what went wrong.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  // Live character counts; the limit is enforced by the server, never by truncation.
  document.querySelectorAll("[data-char-count-for]").forEach(function (counter) {
    var field = document.getElementById(counter.getAttribute("data-char-count-for"));
    var limit = parseInt(counter.getAttribute("data-limit"), 10);
    if (!field || !limit) { return; }
    var update = function () {
      var left = limit - field.value.length;
      counter.textContent = left >= 0
        ? left + " characters left"
        : (-left) + " characters too many";
      counter.classList.toggle("char-count--over", left < 0);
    };
    field.addEventListener("input", update);
    update();
  });

  // Similar petitions shown while the creator types the action.
  var similar = document.querySelector("[data-similar-url]");
  if (similar) {
    var input = document.getElementById(similar.getAttribute("data-similar-for"));
    var timer = null;
    var lookup = function () {
      var q = input.value.trim();
      if (q.length < 4) { similar.innerHTML = ""; return; }
      fetch(similar.getAttribute("data-similar-url") + "?q=" + encodeURIComponent(q), {
        headers: { "Accept": "text/html" }
      }).then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { similar.innerHTML = html; })
        .catch(function () { /* the no-JS check page still shows them */ });
    };
    if (input) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(lookup, 400);
      });
    }
  }

  // Refresh the signature count of an open petition; the element is an aria-live region.
  var count = document.querySelector("[data-count-url]");
  if (count && count.getAttribute("data-count-state") === "open" && window.fetch) {
    var number = count.querySelector("[data-count-number]");
    var refresh = function () {
      if (document.hidden) { return; }
      fetch(count.getAttribute("data-count-url"))
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && typeof data.signature_count === "number") {
            var text = data.signature_count.toLocaleString("en-GB");
            if (number.textContent !== text) { number.textContent = text; }
          }
        })
        .catch(function () {});
    };
    setInterval(refresh, 15000);
  }
})();
