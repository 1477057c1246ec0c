/** The two HTML documents of the console: the login form and the shell the front end runs in. */

const HEAD = (title: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
  `<meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<title>${title}</title><link rel="stylesheet" href="/assets/console.css">`;

export function loginPage(failed: boolean): string {
  return `${HEAD('Herald Console: log in')}</head><body class="login">
<form method="post" action="/login" class="login-box">
  <h1>Herald Console</h1>
  <p>Enter the console token. Herald prints it at start when none is configured
  (<code>console.token</code> / <code>HERALD_CONSOLE_TOKEN</code>).</p>
  ${failed ? '<p class="error" role="alert">That token is not right.</p>' : ''}
  <input type="text" name="username" value="herald-console" autocomplete="username" hidden>
  <label for="token">Token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
  <button type="submit">Log in</button>
</form></body></html>`;
}

export function shellPage(): string {
  return `${HEAD('Herald Console')}<link rel="stylesheet" href="/assets/uPlot.min.css">
<script type="module" src="/assets/app.js"></script></head><body>
<header class="top"><span class="brand">Herald Console</span><nav id="nav"></nav>
<span id="conn" class="conn">connecting…</span>
<form method="post" action="/logout"><button class="link">Log out</button></form></header>
<main id="main"><p class="muted">Loading…</p></main></body></html>`;
}
