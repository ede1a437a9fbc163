// Reveal buttons: post the reveal form in the background and put the full number in place of the
// masked one. Without this script the form still works and shows the number on a page of its own.
// The server records every reveal in the audit log either way.
(function () {
  "use strict";

  function reveal(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("reveal-form")) {
      return;
    }
    event.preventDefault();
    var target = document.getElementById(form.dataset.target);
    var button = form.querySelector("button");
    if (button) {
      button.disabled = true;
    }
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        target.textContent = data.value;
        target.classList.remove("masked");
        target.classList.add("revealed");
        form.remove();
      })
      .catch(function () {
        // Fall back to the plain form post (it does not fire "submit" again), whose page explains
        // what went wrong, e.g. a role that may not reveal numbers.
        form.submit();
      });
  }

  document.addEventListener("submit", reveal);
})();
