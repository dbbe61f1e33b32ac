'use strict';
// What npm pack puts in the tarball, and what the package declares.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const os = require('os');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
// npm with a cache of its own: nothing written outside a temporary directory
const npmEnv = () => ({
  ...process.env,
  npm_config_cache: fs.mkdtempSync(path.join(os.tmpdir(), 'ipcd-npm-')),
  npm_config_update_notifier: 'false',
});
const pkg = require('../package.json');

function hasNpm() {
  try {
    execFileSync('npm', ['--version'], { stdio: 'ignore', env: { ...process.env, npm_config_update_notifier: 'false' } });
    return true;
  } catch (e) {
    return false;
  }
}

test('package.json: exports for import and require, types, one dependency', () => {
  assert.equal(pkg.name, 'ipcd');
  assert.deepEqual(pkg.exports['.'], { types: './index.d.ts', import: './index.mjs', require: './index.js' });
  assert.deepEqual(Object.keys(pkg.dependencies), ['msgpackr']);
  for (const f of ['index.js', 'index.mjs', 'index.d.ts']) assert.ok(fs.existsSync(path.join(root, f)), f);
});

test('npm pack ships the library, its types and README, and no tests', { skip: !hasNpm() && 'npm is not installed' }, () => {
  const env = npmEnv();
  let out;
  try {
    out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', env });
  } finally {
    fs.rmSync(env.npm_config_cache, { recursive: true, force: true });
  }
  const files = JSON.parse(out)[0].files.map((f) => f.path).sort();
  for (const f of ['README.md', 'index.d.ts', 'index.js', 'index.mjs', 'lib/client.js', 'lib/deadlines.js',
    'lib/decode.js', 'lib/encode.js', 'lib/errors.js', 'lib/msgpack.js', 'lib/wire.js', 'package.json']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.deepEqual(files.filter((f) => f.startsWith('test/') || f === 'bench.js'), []);
});

test('the declarations name everything index.js exports', () => {
  const dts = fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8');
  for (const name of Object.keys(require('..'))) {
    assert.match(dts, new RegExp(`export (declare )?(function|class|const|interface|type) ${name}\\b`), name);
  }
});
