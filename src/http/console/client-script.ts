/**
 * The console's only script, served from `/console/assets/console.js`: asks for confirmation before a form
 * marked `data-confirm` is sent (approve, reject, retry). Everything works without it; the question text is
 * read with `getAttribute` and shown with `confirm`, never inserted as markup.
 */
export const CONSOLE_JS = `
document.addEventListener('submit', function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  var question = form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});
`;
