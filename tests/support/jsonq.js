#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// jsonq.js EXPR: reads one JSON document on stdin as `j` and prints
// JSON.stringify(EXPR) — the tests' way to compute an expected value from a
// daemon's reply (browse.js prints values the same way, so they compare as
// strings).
'use strict';
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { text += d; });
process.stdin.on('end', () => {
  const j = JSON.parse(text);
  console.log(JSON.stringify(new Function('j', 'return (' + process.argv[2] + ');')(j)));
});
