// Poll the import job's status and move the progress bar; reload when the job has finished.
(function () {
  "use strict";
  var section = document.getElementById("import-progress");
  if (!section) {
    return;
  }
  var bar = section.querySelector("progress");
  function poll() {
    fetch(section.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        bar.max = job.row_count;
        bar.value = job.rows_done;
        bar.textContent = job.percent + "%";
        section.querySelectorAll("[data-field]").forEach(function (element) {
          element.textContent = job[element.dataset.field];
        });
        if (job.busy) {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
