// The only script (the CSP allows no inline script); every page works without it.
// 1. Print buttons print the page.
// 2. A form that makes a sheet opens the PDF in a new tab; this tab then shows
//    how it went (the server waits for that sheet before answering).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  for (const form of document.querySelectorAll("form[data-result]")) {
    form.addEventListener("submit", () => {
      const result = form.dataset.result;
      window.setTimeout(() => window.location.assign(result), 300);
    });
  }
});
