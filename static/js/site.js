// Small enhancements; every page works without this file.
// A select marked data-autosubmit submits its GET form on change, so its "apply" button can hide.
(function () {
  "use strict";
  function enhance() {
    // On a phone the filters would push the results off the first screen: start them folded.
    if (window.matchMedia && window.matchMedia("(max-width: 820px)").matches) {
      Array.prototype.forEach.call(document.querySelectorAll("details[data-collapse-narrow]"), function (details) {
        details.open = false;
      });
    }
    var selects = document.querySelectorAll("select[data-autosubmit]");
    Array.prototype.forEach.call(selects, function (select) {
      var form = select.form;
      if (!form) { return; }
      form.classList.add("js-autosubmit");
      select.addEventListener("change", function () {
        if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
