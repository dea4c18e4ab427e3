#!/usr/bin/env node
// The installed command runs the compiled CLI (npm install builds it through "prepare").
import('../dist/cli/main.js').catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
