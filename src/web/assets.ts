// Imported as text so `bun build --compile` embeds the dashboard in the binary: no files, no network at run time.
import css from "./assets/dashboard.css" with { type: "text" };
import html from "./assets/dashboard.html" with { type: "text" };
import js from "./assets/dashboard.js" with { type: "text" };
// bun-types declares *.html imports as HTML bundles; with type "text" it is the file's text.
export const assets = { html: html as unknown as string, css, js };
