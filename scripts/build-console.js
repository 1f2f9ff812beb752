// Copies the web console's HTML and CSS beside its compiled script in dist/console, so the
// built tree (all a production image keeps) serves the whole console. Run by `npm run build`.
const { copyFileSync, mkdirSync, readdirSync } = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, '..', 'src', 'console');
const target = path.join(__dirname, '..', 'dist', 'console');

mkdirSync(target, { recursive: true });
for (const name of readdirSync(source)) {
  if (name.endsWith('.html') || name.endsWith('.css')) copyFileSync(path.join(source, name), path.join(target, name));
}
